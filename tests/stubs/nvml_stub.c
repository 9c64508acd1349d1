/* nvml_stub.c - a stand-in for libnvidia-ml.so.1 with the few calls
 * bench/energy_nvml.c makes, so that tests/test_energy.c can drive the
 * NVML meter on a machine without an NVIDIA GPU.  Built as
 * $(BUILD)/tests/libnvml_stub.so; the test sets its counter through
 * eb_stub_nvml_set (found with dlsym on the same loaded library). */
#include <stdint.h>

static unsigned long long stub_mj = 0;
static int stub_status = 0; /* the energy call's return: 0 success, 3 NOT_SUPPORTED */
static unsigned stub_count = 1;

void eb_stub_nvml_set(unsigned long long mj, int status, unsigned count)
{
    stub_mj = mj;
    stub_status = status;
    stub_count = count;
}

int nvmlInit_v2(void)
{
    return 0;
}

int nvmlShutdown(void)
{
    return 0;
}

int nvmlDeviceGetCount_v2(unsigned *n)
{
    *n = stub_count;
    return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **dev)
{
    if (i >= stub_count)
        return 2; /* NVML_ERROR_INVALID_ARGUMENT */
    *dev = (void *)(uintptr_t)(i + 1);
    return 0;
}

int nvmlDeviceGetTotalEnergyConsumption(void *dev, unsigned long long *mj)
{
    (void)dev;
    if (stub_status)
        return stub_status;
    *mj = stub_mj;
    return 0;
}

const char *nvmlErrorString(int r)
{
    return r == 3 ? "Not Supported" : r == 2 ? "Invalid Argument" : "Unknown Error";
}
