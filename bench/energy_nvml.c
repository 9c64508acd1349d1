/* energy_nvml.c - an NVIDIA GPU's energy through NVML, loaded with dlopen
 * so that edgebench needs no NVIDIA library to build or run.
 *
 * nvmlDeviceGetTotalEnergyConsumption gives the millijoules the GPU has
 * used since the driver was loaded (Volta and newer; older GPUs answer
 * NOT_SUPPORTED, which is the reason then).  The library is EB_NVML_LIB
 * or libnvidia-ml.so.1; the tests point EB_NVML_LIB at a stub. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

typedef int nvml_ret; /* nvmlReturn_t: 0 is NVML_SUCCESS */
enum { NVML_ERROR_NOT_SUPPORTED = 3 };

typedef struct nvml {
    void *lib;
    void *dev; /* nvmlDevice_t */
    nvml_ret (*init)(void);
    nvml_ret (*shutdown)(void);
    nvml_ret (*count)(unsigned *n);
    nvml_ret (*handle)(unsigned i, void **dev);
    nvml_ret (*energy)(void *dev, unsigned long long *mj);
    const char *(*error_string)(nvml_ret r);
    bool inited;
} nvml;

static const char *err_text(const nvml *v, nvml_ret r, char *buf, size_t n)
{
    const char *s = v->error_string ? v->error_string(r) : NULL;
    snprintf(buf, n, "%s (NVML error %d)", s ? s : "unknown", r);
    return buf;
}

static bool read_nvml(eb_meter *m, double *value)
{
    nvml *v = m->impl;
    unsigned long long mj = 0;
    if (v->energy(v->dev, &mj) != 0)
        return false;
    *value = (double)mj * 1e-3;
    return true;
}

static void close_nvml(eb_meter *m)
{
    nvml *v = m->impl;
    if (!v)
        return;
    if (v->inited && v->shutdown)
        v->shutdown();
    dlclose(v->lib);
    free(v);
    m->impl = NULL;
}

/* dlsym into a function pointer of any type (POSIX allows it; C does not say) */
#define SYM(v, field, name) (*(void **)&(v)->field = dlsym((v)->lib, name))

void eb_meter_nvml_probe(eb_meter *m, int device)
{
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "nvml");
    m->cumulative = true;
    m->read = read_nvml;
    m->close = close_nvml;
    const char *name = getenv("EB_NVML_LIB");
    if (!name || !*name)
        name = "libnvidia-ml.so.1";
    nvml *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(m->reason, sizeof m->reason, "out of memory");
        return;
    }
    if (!(v->lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
        const char *e = dlerror();
        snprintf(m->reason, sizeof m->reason, "%s cannot be loaded (no NVIDIA driver): %s", name, e ? e : "?");
        free(v);
        return;
    }
    m->impl = v;
    if (!SYM(v, init, "nvmlInit_v2"))
        SYM(v, init, "nvmlInit");
    SYM(v, shutdown, "nvmlShutdown");
    if (!SYM(v, count, "nvmlDeviceGetCount_v2"))
        SYM(v, count, "nvmlDeviceGetCount");
    if (!SYM(v, handle, "nvmlDeviceGetHandleByIndex_v2"))
        SYM(v, handle, "nvmlDeviceGetHandleByIndex");
    SYM(v, energy, "nvmlDeviceGetTotalEnergyConsumption");
    SYM(v, error_string, "nvmlErrorString");
    if (!v->init || !v->count || !v->handle || !v->energy) {
        snprintf(m->reason, sizeof m->reason, "%s lacks nvmlInit, nvmlDeviceGetCount, "
                                              "nvmlDeviceGetHandleByIndex or nvmlDeviceGetTotalEnergyConsumption", name);
        close_nvml(m);
        return;
    }
    char e[128];
    nvml_ret r;
    unsigned n = 0;
    unsigned long long mj;
    if ((r = v->init()) != 0) {
        snprintf(m->reason, sizeof m->reason, "nvmlInit: %s", err_text(v, r, e, sizeof e));
        close_nvml(m);
        return;
    }
    v->inited = true;
    if ((r = v->count(&n)) != 0 || (unsigned)device >= n) {
        snprintf(m->reason, sizeof m->reason, "NVML lists %u GPU%s, none with index %d%s%s", n, n == 1 ? "" : "s", device,
                 r ? ": " : "", r ? err_text(v, r, e, sizeof e) : "");
        close_nvml(m);
        return;
    }
    if ((r = v->handle((unsigned)device, &v->dev)) != 0 || (r = v->energy(v->dev, &mj)) != 0) {
        snprintf(m->reason, sizeof m->reason, "GPU %d: %s%s", device, err_text(v, r, e, sizeof e),
                 r == NVML_ERROR_NOT_SUPPORTED ? " (the total-energy counter needs a Volta or newer GPU)" : "");
        close_nvml(m);
        return;
    }
    snprintf(m->name, sizeof m->name, "NVML GPU %d total energy (mJ)", device);
    m->available = true;
}
