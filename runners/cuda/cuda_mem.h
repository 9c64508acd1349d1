/* cuda_mem.h - the cuda runner's device allocator: cudaMalloc and cudaFree
 * through one wrapper per plan that counts the bytes held now and their
 * peak, which the plan reports as eb_plan_info.device_bytes.  Every device
 * array of a plan comes from here; eb_cu_mem_release frees what is left. */
#ifndef EB_CUDA_MEM_H
#define EB_CUDA_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "models/status.h"

typedef struct eb_cu_mem {
    void **ptr;
    size_t *size;
    int n, cap;
    uint64_t bytes, peak;
} eb_cu_mem;

/* *out = bytes of device memory (at least 1); EB_ENOMEM naming `what` and
 * CUDA's reason on failure. */
eb_status eb_cu_mem_alloc(eb_cu_mem *m, size_t bytes, const char *what, void **out, eb_err *err);
void eb_cu_mem_free(eb_cu_mem *m, void *p);
void eb_cu_mem_release(eb_cu_mem *m);

#endif
