/* cuda_mem.c - the cuda runner's counting device allocator (cuda_mem.h). */
#include "runners/cuda/cuda_mem.h"

#include <stdlib.h>

#include <cuda_runtime_api.h>

eb_status eb_cu_mem_alloc(eb_cu_mem *m, size_t bytes, const char *what, void **out, eb_err *err)
{
    *out = NULL;
    if (m->n == m->cap) {
        int nc = m->cap ? m->cap * 2 : 64;
        void **np = realloc(m->ptr, (size_t)nc * sizeof *np);
        if (np)
            m->ptr = np;
        size_t *ns = np ? realloc(m->size, (size_t)nc * sizeof *ns) : NULL;
        if (!np || !ns)
            return eb_errf(err, EB_ENOMEM, "cuda: out of host memory tracking device arrays");
        m->size = ns;
        m->cap = nc;
    }
    if (bytes == 0)
        bytes = 1;
    cudaError_t e = cudaMalloc(out, bytes);
    if (e != cudaSuccess) {
        *out = NULL;
        cudaGetLastError(); /* not sticky: clear it */
        return eb_errf(err, EB_ENOMEM, "cuda: %s: cudaMalloc of %zu bytes: %s", what, bytes, cudaGetErrorString(e));
    }
    m->ptr[m->n] = *out;
    m->size[m->n++] = bytes;
    m->bytes += bytes;
    if (m->bytes > m->peak)
        m->peak = m->bytes;
    return EB_OK;
}

void eb_cu_mem_free(eb_cu_mem *m, void *p)
{
    for (int i = 0; p && i < m->n; i++)
        if (m->ptr[i] == p) {
            cudaFree(p);
            m->bytes -= m->size[i];
            m->ptr[i] = m->ptr[--m->n];
            m->size[i] = m->size[m->n];
            return;
        }
}

void eb_cu_mem_release(eb_cu_mem *m)
{
    for (int i = 0; i < m->n; i++)
        cudaFree(m->ptr[i]);
    free(m->ptr);
    free(m->size);
    m->ptr = NULL;
    m->size = NULL;
    m->n = m->cap = 0;
    m->bytes = 0;
}
