/* ocl_devices.c - the OpenCL devices the ICD loader offers, in a stable
 * order (platforms as the loader lists them, each platform's devices in
 * order), and what `edgebench info` and results say of each: platform,
 * name, vendor, driver, compute units, memory, and the extensions the
 * kernels choose by ("fp16", "int8-dot", "subgroups", "fp64"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/opencl/ocl.h"

enum { MAX_PLATFORMS = 16, MAX_PER_PLATFORM = 64 };

/* The loader's platforms into p[]; how many (0 without an ICD). */
static cl_uint platforms(cl_platform_id *p)
{
    cl_uint n = 0;
    if (clGetPlatformIDs(MAX_PLATFORMS, p, &n) != CL_SUCCESS)
        return 0;
    return n < MAX_PLATFORMS ? n : MAX_PLATFORMS;
}

static cl_uint platform_devices(cl_platform_id p, cl_device_id *d)
{
    cl_uint n = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, MAX_PER_PLATFORM, d, &n) != CL_SUCCESS)
        return 0;
    return n < MAX_PER_PLATFORM ? n : MAX_PER_PLATFORM;
}

bool eb_ocl_device_at(int index, cl_platform_id *platform, cl_device_id *device)
{
    cl_platform_id p[MAX_PLATFORMS];
    cl_uint np = platforms(p);
    for (cl_uint i = 0; i < np; i++) {
        cl_device_id d[MAX_PER_PLATFORM];
        cl_uint nd = platform_devices(p[i], d);
        if (index < (int)nd) {
            *platform = p[i];
            *device = d[index];
            return true;
        }
        index -= (int)nd;
    }
    return false;
}

/* A string property into buf ("" when the driver does not say). */
static void dev_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
    buf[0] = '\0';
    if (clGetDeviceInfo(d, what, n, buf, NULL) != CL_SUCCESS)
        buf[0] = '\0';
    buf[n - 1] = '\0';
}

/* The extensions the kernels care about, as short names. */
static void features(cl_device_id d, char *out, size_t n)
{
    static const struct { const char *ext, *name; } known[] = {
        {"cl_khr_fp16", "fp16"},
        {"cl_khr_integer_dot_product", "int8-dot"},
        {"cl_khr_subgroups", "subgroups"},
        {"cl_intel_subgroups", "subgroups"},
        {"cl_khr_fp64", "fp64"},
    };
    size_t len = 0;
    out[0] = '\0';
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &len) != CL_SUCCESS || len == 0)
        return;
    char *ext = malloc(len + 1);
    if (!ext || clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, len, ext, NULL) != CL_SUCCESS) {
        free(ext);
        return;
    }
    ext[len] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t el = strlen(known[i].ext);
        bool found = false;
        for (const char *s = strstr(ext, known[i].ext); s && !found; s = strstr(s + 1, known[i].ext))
            found = (s == ext || s[-1] == ' ') && (s[el] == ' ' || s[el] == '\0');
        if (found && !strstr(out, known[i].name) && k + strlen(known[i].name) + 2 < n)
            k += (size_t)snprintf(out + k, n - k, "%s%s", k ? " " : "", known[i].name);
    }
    free(ext);
}

void eb_ocl_device_describe(cl_platform_id p, cl_device_id d, int index, eb_device *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "opencl:%d", index);
    dev_str(d, CL_DEVICE_NAME, e->name, sizeof e->name);
    dev_str(d, CL_DEVICE_VENDOR, e->vendor, sizeof e->vendor);
    dev_str(d, CL_DRIVER_VERSION, e->driver, sizeof e->driver);
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof e->platform, e->platform, NULL) != CL_SUCCESS)
        e->platform[0] = '\0';
    e->platform[sizeof e->platform - 1] = '\0';
    cl_device_type type = 0;
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    snprintf(e->kind, sizeof e->kind, "%s",
             type & CL_DEVICE_TYPE_GPU ? "gpu" : type & CL_DEVICE_TYPE_CPU ? "cpu"
                                         : type & CL_DEVICE_TYPE_ACCELERATOR ? "accelerator" : "other");
    cl_ulong mem = 0, local = 0;
    cl_uint cu = 0;
    clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL);
    clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    e->memory_bytes = mem;
    e->local_memory_bytes = local;
    e->compute_units = cu;
    features(d, e->features, sizeof e->features);
}

int eb_ocl_devices(eb_device *out, int max)
{
    cl_platform_id p[MAX_PLATFORMS];
    cl_uint np = platforms(p);
    int k = 0;
    for (cl_uint i = 0; i < np; i++) {
        cl_device_id d[MAX_PER_PLATFORM];
        cl_uint nd = platform_devices(p[i], d);
        for (cl_uint j = 0; j < nd; j++, k++)
            if (k < max)
                eb_ocl_device_describe(p[i], d[j], k, &out[k]);
    }
    return k;
}
