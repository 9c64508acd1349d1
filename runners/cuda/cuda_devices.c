/* cuda_devices.c - enumerating the CUDA devices (cuda_devices.h): the
 * runtime's count and properties, the driver's version.  Without a driver
 * or a device, cudaGetDeviceCount fails with an error CUDA names; that
 * text is the reason the runner gives. */
#include "runners/cuda/cuda_devices.h"

#include <stdio.h>
#include <string.h>

#include <cuda_runtime_api.h>

int eb_cu_device_count(char *why, size_t n)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError(); /* clear it: later calls must not see it */
        snprintf(why, n, "no CUDA device: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
        return 0;
    }
    if (count <= 0)
        snprintf(why, n, "no CUDA device: the driver lists none");
    return count > 0 ? count : 0;
}

int eb_cu_device_sm(int i)
{
    int major = 0, minor = 0;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, i) != cudaSuccess ||
        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, i) != cudaSuccess)
        return 0;
    return major * 10 + minor;
}

int eb_cu_devices(eb_device *out, int max)
{
    char why[256];
    int count = eb_cu_device_count(why, sizeof why);
    int driver = 0;
    cudaDriverGetVersion(&driver);
    for (int i = 0; i < count && i < max; i++) {
        eb_device *d = &out[i];
        memset(d, 0, sizeof *d);
        snprintf(d->id, sizeof d->id, "cuda:%d", i);
        snprintf(d->kind, sizeof d->kind, "gpu");
        snprintf(d->platform, sizeof d->platform, "CUDA");
        snprintf(d->vendor, sizeof d->vendor, "NVIDIA Corporation");
        if (driver > 0)
            snprintf(d->driver, sizeof d->driver, "%d.%d", driver / 1000, driver % 1000 / 10);
        struct cudaDeviceProp prop;
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess)
            continue;
        snprintf(d->name, sizeof d->name, "%s", prop.name);
        d->memory_bytes = prop.totalGlobalMem;
        d->compute_units = (uint32_t)prop.multiProcessorCount;
        d->local_memory_bytes = prop.sharedMemPerBlock;
        int sm = prop.major * 10 + prop.minor;
        /* what the kernels use: wmma tf32 and bf16 from sm_80, fp16 from sm_70 */
        snprintf(d->features, sizeof d->features, "sm_%d%s%s%s", sm, sm >= 80 ? " tf32" : "", sm >= 70 ? " fp16" : "",
                 sm >= 80 ? " bf16" : "");
    }
    return count;
}
