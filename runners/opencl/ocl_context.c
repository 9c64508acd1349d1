/* ocl_context.c - one OpenCL device opened for a plan (ocl.h): context,
 * in-order profiling queue, program, the device facts kernels choose by,
 * and the small helpers every part of the runner uses (kernels, buffers,
 * steps, error names). */
#include <stdio.h>
#include <string.h>

#include "runners/opencl/ocl.h"

eb_status eb_ocl_open(int device_index, eb_ocl *o, eb_err *err)
{
    memset(o, 0, sizeof *o);
    if (!eb_ocl_device_at(device_index, &o->platform, &o->device))
        return eb_errf(err, EB_EUNSUPPORTED, "opencl: no device %d (edgebench info lists the OpenCL devices)",
                       device_index);
    eb_ocl_device_describe(o->platform, o->device, device_index, &o->info);
    cl_device_type type = 0;
    size_t wg = 0;
    clGetDeviceInfo(o->device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(o->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    o->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    o->max_work_group = wg ? wg : 1;
    o->local_mem_bytes = (size_t)o->info.local_memory_bytes;
    o->compute_units = o->info.compute_units;
    o->fp16 = strstr(o->info.features, "fp16") != NULL;
    o->int8_dot = strstr(o->info.features, "int8-dot") != NULL;

    cl_int rc = CL_SUCCESS;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)o->platform, 0};
    o->context = clCreateContext(props, 1, &o->device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS) {
        eb_ocl_close(o);
        return eb_errf(err, EB_EIO, "opencl: clCreateContext on %s: %s", o->info.name, eb_ocl_error_name(rc));
    }
    /* clCreateCommandQueue is deprecated in 2.0 but the only call 1.2 drivers have */
    o->queue = clCreateCommandQueue(o->context, o->device, CL_QUEUE_PROFILING_ENABLE, &rc);
    if (rc != CL_SUCCESS) {
        eb_ocl_close(o);
        return eb_errf(err, EB_EIO, "opencl: clCreateCommandQueue on %s: %s", o->info.name, eb_ocl_error_name(rc));
    }
    eb_status st = eb_ocl_program_build(o, err);
    if (st != EB_OK)
        eb_ocl_close(o);
    return st;
}

void eb_ocl_close(eb_ocl *o)
{
    if (o->queue) {
        clFinish(o->queue);
        clReleaseCommandQueue(o->queue);
    }
    if (o->program)
        clReleaseProgram(o->program);
    if (o->context)
        clReleaseContext(o->context);
    o->queue = NULL;
    o->program = NULL;
    o->context = NULL;
}

eb_status eb_ocl_kernel(const eb_ocl *o, const char *name, cl_kernel *out, eb_err *err)
{
    cl_int rc = CL_SUCCESS;
    *out = clCreateKernel(o->program, name, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return eb_errf(err, EB_EIO, "opencl: kernel '%s': %s", name, eb_ocl_error_name(rc));
    }
    return EB_OK;
}

eb_status eb_ocl_buffer(const eb_ocl *o, size_t bytes, const void *host, cl_mem *out, eb_err *err)
{
    cl_int rc = CL_SUCCESS;
    /* a zero-sized buffer is invalid in OpenCL; an empty tensor gets one float */
    cl_mem_flags flags = CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0);
    *out = clCreateBuffer(o->context, flags, bytes ? bytes : sizeof(float), (void *)host, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return eb_errf(err, rc == CL_MEM_OBJECT_ALLOCATION_FAILURE || rc == CL_OUT_OF_RESOURCES ||
                                    rc == CL_INVALID_BUFFER_SIZE ? EB_ENOMEM : EB_EIO,
                       "opencl: a buffer of %zu bytes on %s: %s", bytes, o->info.name, eb_ocl_error_name(rc));
    }
    return EB_OK;
}

cl_int eb_ocl_step_enqueue(const eb_ocl *o, const eb_ocl_step *s, cl_event *ev)
{
    for (int i = 0; i < s->n_launch; i++) {
        const eb_ocl_launch *l = &s->launch[i];
        bool local = l->local[0] != 0;
        cl_int rc = clEnqueueNDRangeKernel(o->queue, l->kernel, l->dims, NULL, l->global, local ? l->local : NULL, 0,
                                           NULL, ev ? &ev[i] : NULL);
        if (rc != CL_SUCCESS)
            return rc;
    }
    return CL_SUCCESS;
}

void eb_ocl_step_release(eb_ocl_step *s)
{
    for (int i = 0; i < s->n_launch; i++)
        if (s->launch[i].kernel)
            clReleaseKernel(s->launch[i].kernel);
    for (int i = 0; i < s->n_owned; i++)
        if (s->owned[i])
            clReleaseMemObject(s->owned[i]);
    memset(s, 0, sizeof *s);
}

const char *eb_ocl_error_name(cl_int code)
{
    switch (code) {
#define E(c) case c: return #c;
        E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
        E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
        E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MISALIGNED_SUB_BUFFER_OFFSET)
        E(CL_INVALID_VALUE) E(CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE)
        E(CL_INVALID_CONTEXT) E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_HOST_PTR)
        E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS) E(CL_INVALID_PROGRAM)
        E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME) E(CL_INVALID_KERNEL_DEFINITION)
        E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE)
        E(CL_INVALID_KERNEL_ARGS) E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE)
        E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST) E(CL_INVALID_EVENT)
        E(CL_INVALID_OPERATION) E(CL_INVALID_BUFFER_SIZE) E(CL_INVALID_GLOBAL_WORK_SIZE)
#undef E
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR (no OpenCL platform installed)";
    default: return "an unknown OpenCL error";
    }
}
