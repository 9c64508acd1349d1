/* ocl.h - what every part of the OpenCL runner shares: one device's
 * context, its in-order profiling queue, the program built from every
 * embedded .cl file, and the device facts the kernels choose by.
 *
 * eb_ocl_open picks device N in `edgebench info`'s order (platforms in ICD
 * order, their devices in order), creates the context and queue, and gets
 * the program from the on-disk cache (keyed by device, driver, source hash
 * and build options) or compiles and stores it.  Everything here runs only
 * in a variant's child process (runner.h: devices_in_child).
 *
 * A kernel step is made once in prepare (eb_ocl_launch: its cl_kernel with
 * the arguments set, its global and local sizes) and enqueued each run. */
#ifndef EB_RUNNERS_OCL_H
#define EB_RUNNERS_OCL_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <stdbool.h>
#include <stddef.h>

#include "models/status.h"
#include "runners/runner.h"

typedef struct eb_ocl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;  /* in-order, CL_QUEUE_PROFILING_ENABLE */
    cl_program program;      /* every kernels/ *.cl file, built once */
    eb_device info;          /* as `edgebench info` lists it */
    bool is_cpu;             /* CL_DEVICE_TYPE_CPU (PoCL): timings are CPU timings */
    bool fp16;               /* cl_khr_fp16: half arithmetic (half storage needs nothing) */
    bool int8_dot;           /* cl_khr_integer_dot_product */
    size_t max_work_group;   /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    size_t local_mem_bytes;  /* CL_DEVICE_LOCAL_MEM_SIZE */
    cl_uint compute_units;
    bool cache_hit;          /* the program came from the on-disk cache */
} eb_ocl;

/* One kernel enqueue prepared in advance: arguments are set once. */
typedef struct eb_ocl_launch {
    cl_kernel kernel;
    cl_uint dims;            /* 1..3 */
    size_t global[3];
    size_t local[3];         /* all 0: the driver chooses */
} eb_ocl_launch;

/* A unit of work of a plan: up to EB_OCL_MAX_LAUNCH enqueues in order, and
 * the device buffers it owns (packed weights, im2col scratch). */
enum { EB_OCL_MAX_LAUNCH = 4, EB_OCL_MAX_OWNED = 4 };
typedef struct eb_ocl_step {
    int n_launch;
    eb_ocl_launch launch[EB_OCL_MAX_LAUNCH];
    int n_owned;
    cl_mem owned[EB_OCL_MAX_OWNED];
    size_t owned_bytes;      /* their sizes, for eb_plan_info.device_bytes */
    char method[48];         /* how it computes ("gemm 64x64 tiles", "im2col+gemm"): profile's op text */
} eb_ocl_step;

/* A tensor on the device: a buffer and an element offset into it. */
typedef struct eb_ocl_view {
    cl_mem mem;
    size_t offset;           /* in elements */
} eb_ocl_view;

/* Activation fused into a kernel's epilogue. */
typedef enum eb_ocl_act {
    EB_OCL_ACT_NONE = 0,
    EB_OCL_ACT_RELU,
    EB_OCL_ACT_CLIP,         /* min(max(x, lo), hi): Relu6, Clip */
} eb_ocl_act;

/* Every OpenCL device, in device=N order (ocl_devices.c): the runner's
 * devices().  Returns how many there are, 0 with no ICD or no platform. */
int eb_ocl_devices(eb_device *out, int max);
/* Device `index` in that order; false when there is no such device. */
bool eb_ocl_device_at(int index, cl_platform_id *platform, cl_device_id *device);
/* Fills e from what the driver says of d (id "opencl:<index>"). */
void eb_ocl_device_describe(cl_platform_id p, cl_device_id d, int index, eb_device *e);

/* o->program from the on-disk cache or compiled and stored (ocl_program.c);
 * sets o->cache_hit.  Needs o->context and o->device. */
eb_status eb_ocl_program_build(eb_ocl *o, eb_err *err);

eb_status eb_ocl_open(int device_index, eb_ocl *o, eb_err *err);
void eb_ocl_close(eb_ocl *o);

/* Creates kernel `name` from o->program. */
eb_status eb_ocl_kernel(const eb_ocl *o, const char *name, cl_kernel *out, eb_err *err);
/* Enqueues every launch of s; ev (NULL, or s->n_launch entries) gets each
 * launch's event for the profile. */
cl_int eb_ocl_step_enqueue(const eb_ocl *o, const eb_ocl_step *s, cl_event *ev);
void eb_ocl_step_release(eb_ocl_step *s);
/* A device buffer of `bytes` (read-write); copies host data in when given. */
eb_status eb_ocl_buffer(const eb_ocl *o, size_t bytes, const void *host, cl_mem *out, eb_err *err);
/* An OpenCL error code's name ("CL_OUT_OF_RESOURCES"). */
const char *eb_ocl_error_name(cl_int code);

#endif
