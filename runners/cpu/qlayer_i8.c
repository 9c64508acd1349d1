/* qlayer_i8.c - what every quantized layer of the cpu runner shares: the
 * input grid (static, or the input's own on each run) and the epilogue
 * built for it, parallel quantization of the activations, and the matrix
 * product (Gemm, MatMul with a constant 2-D weight).  The arithmetic is
 * reference_kernels/ref_quant.h's; its scalar statement for the kernels is
 * gemm_i8_kernel.h's eb_i8_epilogue_scalar. */
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref_quant.h"
#include "runners/cpu/conv_i8.h"

enum { ALIGN_BYTES = 64, QUANT_GRAIN = 1 << 16 };

eb_status eb_qlayer_init(eb_qlayer *q, const eb_node_quant *nq, const float *w_scale, int64_t n_scales, int n,
                         float alpha, const float *bias, eb_act act, float lo, float hi, eb_err *err)
{
    *q = (eb_qlayer){.dynamic = nq->act == EB_ACT_DYNAMIC,
                     .x_scale = nq->in_scale,
                     .x_zero = nq->in_zero,
                     .n = n,
                     .alpha = alpha,
                     .requant = nq->act == EB_ACT_STATIC && nq->requant,
                     .out_scale = nq->out_scale,
                     .out_zero = nq->out_zero,
                     .act = act,
                     .lo = lo,
                     .hi = hi};
    q->w_scale = malloc(sizeof(float) * (size_t)n);
    q->mult = q->dynamic ? NULL : malloc(sizeof(float) * (size_t)n);
    q->bias = bias ? malloc(sizeof(float) * (size_t)n) : NULL;
    if (!q->w_scale || (!q->dynamic && !q->mult) || (bias && !q->bias)) {
        eb_qlayer_release(q);
        return eb_errf(err, EB_ENOMEM, "out of memory for a quantized layer");
    }
    for (int c = 0; c < n; c++) {
        q->w_scale[c] = w_scale[n_scales == 1 ? 0 : c];
        if (q->mult)
            q->mult[c] = q->x_scale * q->w_scale[c]; /* the reference's one product */
    }
    if (bias)
        memcpy(q->bias, bias, sizeof(float) * (size_t)n);
    return EB_OK;
}

void eb_qlayer_release(eb_qlayer *q)
{
    free(q->w_scale);
    free(q->mult);
    free(q->bias);
    q->w_scale = q->mult = q->bias = NULL;
}

size_t eb_qlayer_bytes(const eb_qlayer *q)
{
    size_t per = (q->w_scale != NULL) + (q->mult != NULL) + (q->bias != NULL);
    return per * sizeof(float) * (size_t)q->n;
}

float eb_qlayer_epilogue(const eb_qlayer *q, const void *x, size_t nx, float *mult_scratch, eb_epilogue_i8 *ep)
{
    float xs = q->x_scale;
    int32_t xz = q->x_zero;
    const float *mult = q->mult;
    if (q->dynamic) {
        eb_dynamic_grid_u8(x, nx, &xs, &xz);
        for (int c = 0; c < q->n; c++)
            mult_scratch[c] = xs * q->w_scale[c];
        mult = mult_scratch;
    }
    *ep = (eb_epilogue_i8){.a_zero = xz,
                           .mult = mult,
                           .alpha = q->alpha,
                           .bias = q->bias,
                           .requant = q->requant,
                           .out_scale = q->out_scale,
                           .out_zero = q->out_zero,
                           .act = q->act,
                           .lo = q->lo,
                           .hi = q->hi,
                           .out = q->out,
                           .next_scale = q->next_scale,
                           .next_zero = q->next_zero};
    return xs;
}

typedef struct quant_ctx {
    const float *x;
    float scale;
    int32_t zero;
    void *q;
    bool to_float;
    eb_isa isa;
} quant_ctx;

#if defined(__x86_64__)
static bool has_avx512(eb_isa isa)
{
    return isa == EB_ISA_AVX512 || isa == EB_ISA_AVX512VNNI;
}

static bool has_avx2(eb_isa isa)
{
    return has_avx512(isa) || isa == EB_ISA_AVX2 || isa == EB_ISA_AVXVNNI;
}
#endif

static void quant_range(void *arg, int64_t begin, int64_t end)
{
    const quant_ctx *c = arg;
    const float *x = c->x + begin;
    size_t n = (size_t)(end - begin);
    if (c->to_float) {
        float *q = (float *)c->q + begin;
#if defined(__x86_64__)
        if (has_avx512(c->isa))
            eb_quantize_f32__avx512(x, n, c->scale, c->zero, q);
        else if (has_avx2(c->isa))
            eb_quantize_f32__avx2(x, n, c->scale, c->zero, q);
        else
#endif
            for (size_t i = 0; i < n; i++)
                q[i] = (float)(eb_quantize(x[i], c->scale, c->zero, 0, 255) - c->zero);
        return;
    }
    uint8_t *q = (uint8_t *)c->q + begin;
#if defined(__x86_64__)
    if (has_avx512(c->isa))
        eb_quantize_u8__avx512(x, n, c->scale, c->zero, q);
    else if (has_avx2(c->isa))
        eb_quantize_u8__avx2(x, n, c->scale, c->zero, q);
    else
#endif
        eb_quantize_u8(x, n, c->scale, c->zero, q);
}

void eb_quantize_u8_par(const float *x, size_t n, float scale, int32_t zero, uint8_t *q, eb_threadpool *tp)
{
    quant_ctx c = {x, scale, zero, q, false, eb_gemm_isa()};
    eb_cpu_parallel_for(tp, (int64_t)n, QUANT_GRAIN, quant_range, &c);
}

void eb_quantize_f32_par(const float *x, size_t n, float scale, int32_t zero, float *q, eb_threadpool *tp)
{
    quant_ctx c = {x, scale, zero, q, true, eb_gemm_isa()};
    eb_cpu_parallel_for(tp, (int64_t)n, QUANT_GRAIN, quant_range, &c);
}

/* ---- the matrix product ---------------------------------------------------------- */

void eb_qgemm_release(eb_qgemm *g)
{
    eb_gemm_i8_packed_free(g->pb);
    g->pb = NULL;
    eb_qlayer_release(&g->q);
}

size_t eb_qgemm_bytes(const eb_qgemm *g)
{
    return (g->pb ? eb_gemm_i8_packed_bytes(g->pb) : 0) + eb_qlayer_bytes(&g->q);
}

static size_t round_up(size_t v)
{
    return (v + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
}

/* scratch: [n floats of dynamic mult][m x k u8 of quantized A] */
size_t eb_qgemm_scratch_bytes(const eb_qgemm *g)
{
    return round_up(sizeof(float) * (size_t)g->n) + (size_t)g->m * (size_t)g->k;
}

void eb_qgemm_run(const eb_qgemm *g, const void *a, void *y, void *scratch, eb_threadpool *tp)
{
    size_t na = (size_t)g->m * (size_t)g->k;
    float *mult = scratch;
    const uint8_t *aq = a;
    eb_epilogue_i8 ep;
    float xs = eb_qlayer_epilogue(&g->q, a, na, mult, &ep);
    if (!g->q.in_grid) {
        uint8_t *q = (uint8_t *)scratch + round_up(sizeof(float) * (size_t)g->n);
        eb_quantize_u8_par(a, na, xs, ep.a_zero, q, tp);
        aq = q;
    }
    eb_gemm_i8(g->m, g->n, g->k, aq, g->k, g->pb, y, g->n, &ep, tp);
}
