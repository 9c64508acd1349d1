/* cuda_cublas.c - cuBLAS through dlopen for gemm=cublas (cuda_cublas.h).
 * cuBLAS is column-major: the row-major C = A B is computed as the
 * column-major C^T = B^T A^T, each operand passed as is or transposed by
 * whichever of its strides is 1. */
#include "runners/cuda/cuda_cublas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <cublas_api.h>

typedef cublasStatus_t (*create_fn)(cublasHandle_t *);
typedef cublasStatus_t (*destroy_fn)(cublasHandle_t);
typedef cublasStatus_t (*stream_fn)(cublasHandle_t, cudaStream_t);
typedef const char *(*status_fn)(cublasStatus_t);
typedef cublasStatus_t (*gemm_fn)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void *,
                                  const void *, cudaDataType, int, long long, const void *, cudaDataType, int,
                                  long long, const void *, void *, cudaDataType, int, long long, int,
                                  cublasComputeType_t, cublasGemmAlgo_t);

static struct {
    pthread_once_t once;
    void *lib;
    const char *soname;
    char why[256];
    create_fn create;
    destroy_fn destroy;
    stream_fn set_stream;
    status_fn status;
    gemm_fn gemm;
} lib = {.once = PTHREAD_ONCE_INIT};

struct eb_cu_cublas {
    cublasHandle_t h;
};

/* dlsym's void * to a function pointer, the way POSIX allows */
#define SYM(field, name) (*(void **)(&lib.field) = dlsym(lib.lib, name))

static void load(void)
{
    static const char *const names[] = {"libcublas.so.13", "libcublas.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib.lib; i++)
        if ((lib.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) != NULL)
            lib.soname = names[i];
    if (!lib.lib) {
        const char *e = dlerror();
        snprintf(lib.why, sizeof lib.why, "cuBLAS not found (dlopen libcublas.so.13, libcublas.so: %s)", e ? e : "?");
        return;
    }
    if (!SYM(create, "cublasCreate_v2") || !SYM(destroy, "cublasDestroy_v2") ||
        !SYM(set_stream, "cublasSetStream_v2") || !SYM(status, "cublasGetStatusString") ||
        !SYM(gemm, "cublasGemmStridedBatchedEx")) {
        snprintf(lib.why, sizeof lib.why, "%s lacks a function this runner calls (%s)", lib.soname, dlerror());
        dlclose(lib.lib);
        lib.lib = NULL;
    }
}

const char *eb_cu_cublas_soname(void)
{
    return lib.lib ? lib.soname : "";
}

bool eb_cu_cublas_open(cudaStream_t s, eb_cu_cublas **out, char *why, size_t n)
{
    *out = NULL;
    pthread_once(&lib.once, load);
    if (!lib.lib) {
        snprintf(why, n, "%s", lib.why);
        return false;
    }
    eb_cu_cublas *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(why, n, "out of memory");
        return false;
    }
    cublasStatus_t st = lib.create(&c->h);
    if (st == CUBLAS_STATUS_SUCCESS)
        st = lib.set_stream(c->h, s);
    if (st != CUBLAS_STATUS_SUCCESS) {
        snprintf(why, n, "cublasCreate: %s", lib.status(st));
        if (c->h)
            lib.destroy(c->h);
        free(c);
        return false;
    }
    *out = c;
    return true;
}

void eb_cu_cublas_close(eb_cu_cublas *c)
{
    if (!c)
        return;
    lib.destroy(c->h);
    free(c);
}

/* One operand as cuBLAS takes it: the rows x cols matrix whose element
 * (i, j) lies at i * rs + j * cs, as a column-major array and op; false
 * when neither stride is 1 or the leading dimension is too small. */
static bool operand(int64_t rs, int64_t cs, int rows, int cols, cublasOperation_t *op, int *ld)
{
    if (rs == 1 && cs >= (rows > 1 ? rows : 1)) { /* column-major already: (i, j) at i + j * cs */
        *op = CUBLAS_OP_N;
        *ld = (int)cs;
        return cs <= 0x7fffffff;
    }
    if (cs == 1 && rs >= (cols > 1 ? cols : 1)) { /* transposed: stored cols x rows column-major */
        *op = CUBLAS_OP_T;
        *ld = (int)rs;
        return rs <= 0x7fffffff;
    }
    return false;
}

eb_status eb_cu_cublas_gemm(eb_cu_cublas *c, const eb_cu_gemm *g, cudaStream_t s, eb_err *err)
{
    /* C^T (n x m) = B^T (n x k) A^T (k x m): B^T(i, j) = B(j, i) = b[j * b_rs + i * b_cs] */
    cublasOperation_t op_b, op_a;
    int ld_b, ld_a;
    if (g->a_half != g->b_half || !operand(g->b_cs, g->b_rs, g->n, g->k, &op_b, &ld_b) ||
        !operand(g->a_cs, g->a_rs, g->k, g->m, &op_a, &ld_a) || g->c_rs < g->n)
        return eb_errf(err, EB_EUNSUPPORTED, "cuBLAS: operand layout");
    cublasComputeType_t ct = CUBLAS_COMPUTE_32F;
    if (g->math == EB_CU_MATH_TF32)
        ct = CUBLAS_COMPUTE_32F_FAST_TF32;
    else if (g->math == EB_CU_MATH_FP16)
        ct = CUBLAS_COMPUTE_32F_FAST_16F;
    else if (g->math == EB_CU_MATH_BF16)
        ct = CUBLAS_COMPUTE_32F_FAST_16BF;
    cudaDataType t = g->a_half ? CUDA_R_16F : CUDA_R_32F;
    float alpha = g->alpha, beta = 0.0f;
    cublasStatus_t st = lib.gemm(c->h, op_b, op_a, g->n, g->m, g->k, &alpha, g->b, t, ld_b, (long long)g->b_bs, g->a,
                                 t, ld_a, (long long)g->a_bs, &beta, g->c, CUDA_R_32F, (int)g->c_rs,
                                 (long long)g->c_bs, g->batch, ct, CUBLAS_GEMM_DEFAULT);
    if (st != CUBLAS_STATUS_SUCCESS)
        return eb_errf(err, EB_EIO, "cublasGemmStridedBatchedEx (m %d n %d k %d): %s", g->m, g->n, g->k,
                       lib.status(st));
    cudaError_t e = eb_cu_epilogue_run(g, s);
    if (e != cudaSuccess)
        return eb_errf(err, EB_EIO, "cuda: epilogue after cuBLAS: %s", cudaGetErrorString(e));
    return EB_OK;
}
