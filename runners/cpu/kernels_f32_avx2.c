/* kernels_f32_avx2.c - AVX2+FMA versions of the cpu runner's non-GEMM
 * kernels that the compiler does not vectorise well by itself: the row
 * kernels of the NHWC depthwise convolution and pooling, and softmax's
 * exponentials, the fused activations and the elementwise chain's ops
 * (cpu_opt_act.c, chain_f32.c).  dwconv_f32.c, pool_f32.c and
 * eltwise_f32.c hold the portable twins; kernels.def lists them, prepare picks one per plan.
 *
 * A row kernel computes one output row (image n, row oy).  Channels go 32 at a
 * time in four ymm accumulators, then 8 at a time; the last c % 8 channels
 * go through the scalar code of the portable twin, so the results differ
 * from it only by FMA rounding.  Runs of four output pixels whose taps
 * are all inside the input share each weight load (dw_4px), 16 channels
 * at a time where AVX-512F runs.  Only compiled on x86-64, with function
 * level target attributes: the rest of the build stays generic. */
#include "runners/cpu/chain_f32.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels_scalar.h"

#if defined(__x86_64__)
#include <float.h>
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma")))

TGT static inline __m256 act8(__m256 v, eb_act act, __m256 lo, __m256 hi)
{
    switch (act) {
    case EB_ACT_RELU: return _mm256_max_ps(v, _mm256_setzero_ps());
    case EB_ACT_CLIP: return _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    default: return v; /* GELU: applied after the store, in scalar */
    }
}

/* Whether every column tap of output pixel ox lies inside the input. */
static inline bool dw_cols_inside(const eb_win2d *g, int ox)
{
    int ix0 = ox * g->sw - g->pl;
    return ix0 >= 0 && ix0 + (g->kw - 1) * g->dw < g->w;
}

/* Output pixels ox .. ox+3, all of whose column taps are inside the input,
 * channels [0, c & ~7): each weight vector is loaded once for the four
 * pixels (5 loads per 4 FMAs instead of 2 per FMA).  The sums are formed in
 * the same order as the one-pixel code below, so the results are the same
 * bit for bit; the last c % 8 channels are left to it. */
TGT static void dw_4px(const eb_dwconv2d *d, const float *xn, float *yp, int ox, int ky0, int ky1, int iy0,
                       __m256 lo, __m256 hi, int c0)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    size_t step = (size_t)g->sw * c; /* from one pixel's taps to the next's */
    int ix0 = ox * g->sw - g->pl;
    for (; c0 + 8 <= c; c0 += 8) {
        __m256 a0 = d->bias ? _mm256_loadu_ps(d->bias + c0) : _mm256_setzero_ps();
        __m256 a1 = a0, a2 = a0, a3 = a0;
        for (int ky = ky0; ky < ky1; ky++) {
            const float *xr = xn + ((size_t)(iy0 + ky * g->dh) * g->w + ix0) * c + c0;
            const float *wr = d->w + (size_t)ky * g->kw * c + c0;
            for (int kx = 0; kx < g->kw; kx++) {
                const float *xp = xr + (size_t)kx * g->dw * c;
                __m256 wv = _mm256_loadu_ps(wr + (size_t)kx * c);
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xp), wv, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + step), wv, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 2 * step), wv, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 3 * step), wv, a3);
            }
        }
        _mm256_storeu_ps(yp + c0, act8(a0, d->act, lo, hi));
        _mm256_storeu_ps(yp + c + c0, act8(a1, d->act, lo, hi));
        _mm256_storeu_ps(yp + 2 * (size_t)c + c0, act8(a2, d->act, lo, hi));
        _mm256_storeu_ps(yp + 3 * (size_t)c + c0, act8(a3, d->act, lo, hi));
    }
}

#define T512 __attribute__((target("avx512f")))

T512 static inline __m512 act16(__m512 v, eb_act act, float lo, float hi)
{
    switch (act) {
    case EB_ACT_RELU: return _mm512_max_ps(v, _mm512_setzero_ps());
    case EB_ACT_CLIP: return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
    default: return v;
    }
}

/* dw_4px for channels [0, c & ~15), 16 at a time, where AVX-512F runs: half
 * the instructions for the same sums (lane by lane the same FMAs, so the
 * same results).  Returns the first channel it did not do. */
T512 static int dw_4px_avx512(const eb_dwconv2d *d, const float *xn, float *yp, int ox, int ky0, int ky1, int iy0)
{
    const eb_win2d *g = &d->win;
    int c = g->c, c0 = 0;
    size_t step = (size_t)g->sw * c;
    int ix0 = ox * g->sw - g->pl;
    for (; c0 + 16 <= c; c0 += 16) {
        __m512 a0 = d->bias ? _mm512_loadu_ps(d->bias + c0) : _mm512_setzero_ps();
        __m512 a1 = a0, a2 = a0, a3 = a0;
        for (int ky = ky0; ky < ky1; ky++) {
            const float *xr = xn + ((size_t)(iy0 + ky * g->dh) * g->w + ix0) * c + c0;
            const float *wr = d->w + (size_t)ky * g->kw * c + c0;
            for (int kx = 0; kx < g->kw; kx++) {
                const float *xp = xr + (size_t)kx * g->dw * c;
                __m512 wv = _mm512_loadu_ps(wr + (size_t)kx * c);
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(xp), wv, a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(xp + step), wv, a1);
                a2 = _mm512_fmadd_ps(_mm512_loadu_ps(xp + 2 * step), wv, a2);
                a3 = _mm512_fmadd_ps(_mm512_loadu_ps(xp + 3 * step), wv, a3);
            }
        }
        _mm512_storeu_ps(yp + c0, act16(a0, d->act, d->lo, d->hi));
        _mm512_storeu_ps(yp + c + c0, act16(a1, d->act, d->lo, d->hi));
        _mm512_storeu_ps(yp + 2 * (size_t)c + c0, act16(a2, d->act, d->lo, d->hi));
        _mm512_storeu_ps(yp + 3 * (size_t)c + c0, act16(a3, d->act, d->lo, d->hi));
    }
    return c0;
}

TGT static void dw_row(const eb_dwconv2d *d, const float *x, float *y, int n, int oy, bool wide)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    __m256 lo = _mm256_set1_ps(d->lo), hi = _mm256_set1_ps(d->hi);
    int iy0 = oy * g->sh - g->pt;
    int ky0, ky1;
    eb_tap_range(iy0, g->kh, g->dh, g->h, &ky0, &ky1);
    int c8 = c & ~7, done = -1; /* pixels < done have channels [0, c8) written by dw_4px */
    for (int ox = 0; ox < g->ow; ox++) {
        float *yp = yrow + (size_t)ox * c;
        if (ox >= done && c8 && ox + 4 <= g->ow && dw_cols_inside(g, ox) && dw_cols_inside(g, ox + 3)) {
            dw_4px(d, xn, yp, ox, ky0, ky1, iy0, lo, hi, wide ? dw_4px_avx512(d, xn, yp, ox, ky0, ky1, iy0) : 0);
            done = ox + 4;
        }
        int ix0 = ox * g->sw - g->pl;
        int kx0, kx1;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &kx0, &kx1);
        int c0 = ox < done ? c8 : 0;
        for (; c0 + 32 <= c; c0 += 32) {
            __m256 a0, a1, a2, a3;
            if (d->bias) {
                a0 = _mm256_loadu_ps(d->bias + c0);
                a1 = _mm256_loadu_ps(d->bias + c0 + 8);
                a2 = _mm256_loadu_ps(d->bias + c0 + 16);
                a3 = _mm256_loadu_ps(d->bias + c0 + 24);
            } else {
                a0 = a1 = a2 = a3 = _mm256_setzero_ps();
            }
            for (int ky = ky0; ky < ky1; ky++) {
                const float *xr = xn + (size_t)(iy0 + ky * g->dh) * g->w * c + c0;
                const float *wr = d->w + (size_t)ky * g->kw * c + c0;
                for (int kx = kx0; kx < kx1; kx++) {
                    const float *xp = xr + (size_t)(ix0 + kx * g->dw) * c;
                    const float *wp = wr + (size_t)kx * c;
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xp), _mm256_loadu_ps(wp), a0);
                    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 8), _mm256_loadu_ps(wp + 8), a1);
                    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 16), _mm256_loadu_ps(wp + 16), a2);
                    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 24), _mm256_loadu_ps(wp + 24), a3);
                }
            }
            _mm256_storeu_ps(yp + c0, act8(a0, d->act, lo, hi));
            _mm256_storeu_ps(yp + c0 + 8, act8(a1, d->act, lo, hi));
            _mm256_storeu_ps(yp + c0 + 16, act8(a2, d->act, lo, hi));
            _mm256_storeu_ps(yp + c0 + 24, act8(a3, d->act, lo, hi));
        }
        for (; c0 + 8 <= c; c0 += 8) {
            __m256 a0 = d->bias ? _mm256_loadu_ps(d->bias + c0) : _mm256_setzero_ps();
            for (int ky = ky0; ky < ky1; ky++) {
                const float *xr = xn + (size_t)(iy0 + ky * g->dh) * g->w * c + c0;
                const float *wr = d->w + (size_t)ky * g->kw * c + c0;
                for (int kx = kx0; kx < kx1; kx++)
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xr + (size_t)(ix0 + kx * g->dw) * c),
                                         _mm256_loadu_ps(wr + (size_t)kx * c), a0);
            }
            _mm256_storeu_ps(yp + c0, act8(a0, d->act, lo, hi));
        }
        for (; c0 < c; c0++) {
            float a = d->bias ? d->bias[c0] : 0.0f;
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++)
                    a += xn[((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * c + c0] *
                         d->w[(size_t)(ky * g->kw + kx) * c + c0];
            yp[c0] = d->act == EB_ACT_GELU ? a : eb_cpu_act(a, d->act, d->lo, d->hi);
        }
        if (d->act == EB_ACT_GELU)
            for (int j = 0; j < c; j++)
                yp[j] = eb_cpu_act(yp[j], EB_ACT_GELU, 0, 0);
    }
}

TGT void eb_dw_row_f32__avx2(const eb_dwconv2d *d, const float *x, float *y, int n, int oy)
{
    dw_row(d, x, y, n, oy, false);
}

TGT void eb_dw_row_f32__avx512(const eb_dwconv2d *d, const float *x, float *y, int n, int oy)
{
    dw_row(d, x, y, n, oy, true);
}

/* max that lets a NaN in (as ref_pool: a NaN wins over a number) */
TGT static inline __m256 max_nan8(__m256 acc, __m256 v)
{
    __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, acc, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_blendv_ps(acc, v, take);
}

TGT void eb_pool_row_f32__avx2(const eb_pool2d *p, const float *x, float *y, int n, int oy)
{
    const eb_win2d *g = &p->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, ky0, ky1;
    eb_tap_range(iy0, g->kh, g->dh, g->h, &ky0, &ky1);
    for (int ox = 0; ox < g->ow; ox++) {
        int ix0 = ox * g->sw - g->pl, kx0, kx1;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &kx0, &kx1);
        float div = eb_pool_divisor(p, iy0, ix0);
        float *yp = yrow + (size_t)ox * c;
        int c0 = 0;
        for (; c0 + 8 <= c; c0 += 8) {
            __m256 acc = p->is_max ? _mm256_set1_ps(-FLT_MAX) : _mm256_setzero_ps();
            for (int ky = ky0; ky < ky1; ky++) {
                int iy = iy0 + ky * g->dh;
                for (int kx = kx0; kx < kx1; kx++) {
                    int ix = ix0 + kx * g->dw;
                    __m256 v = _mm256_loadu_ps(xn + ((size_t)iy * g->w + ix) * c + c0);
                    acc = p->is_max ? max_nan8(acc, v) : _mm256_add_ps(acc, v);
                }
            }
            if (!p->is_max) {
                /* as the scalar code: a division, not a multiply by 1/div */
                acc = div > 0 ? _mm256_div_ps(acc, _mm256_set1_ps(div)) : _mm256_setzero_ps();
            }
            _mm256_storeu_ps(yp + c0, acc);
        }
        if (c0 < c)
            eb_pool_pixel_f32(p, xn, yp, iy0, ix0, c0, c);
    }
}

/* e^v, 8 at a time: eltwise_f32.c's exp_poly (Cephes' expf reduction and
 * polynomial; eb_exp_poly in kernels_scalar.h is the scalar twin). */
TGT static inline __m256 exp8(__m256 v)
{
    const __m256 lo = _mm256_set1_ps(-87.3365f), hi = _mm256_set1_ps(88.3762f);
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f), c1 = _mm256_set1_ps(0.693359375f);
    const __m256 c2 = _mm256_set1_ps(-2.12194440e-4f), one = _mm256_set1_ps(1.0f);
    __m256 xc = _mm256_min_ps(_mm256_max_ps(v, lo), hi); /* NaN -> lo: no bad conversion */
    __m256 nf = _mm256_round_ps(_mm256_mul_ps(xc, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_sub_ps(_mm256_sub_ps(xc, _mm256_mul_ps(nf, c1)), _mm256_mul_ps(nf, c2));
    __m256 p = _mm256_set1_ps(1.9875691500E-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), one);
    __m256i k = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nf), _mm256_set1_epi32(127)), 23);
    e = _mm256_mul_ps(e, _mm256_castsi256_ps(k));
    return _mm256_blendv_ps(e, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); /* NaN stays NaN */
}

/* y[j] = e^(x[j] - mx) for j < n, returning their sum, 8 at a time. */
TGT float eb_exp_shift_sum_f32__avx2(const float *x, float mx, float *y, int64_t n)
{
    const __m256 vmx = _mm256_set1_ps(mx);
    __m256 sum = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmx));
        _mm256_storeu_ps(y + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    float s[8];
    _mm256_storeu_ps(s, sum);
    float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; j < n; j++) {
        y[j] = eb_exp_poly(x[j] - mx);
        total += y[j];
    }
    return total;
}

/* The graph optimizer's fused activations (cpu_opt_act.c's ST_ACT), 8 at
 * a time: SiLU x / (1 + e^-x) and GELU's tanh form v - v / (e^2z + 1)
 * with exp8; HardSwish x * clamp(x / 6 + 1/2, 0, 1).  The tail and any
 * other function: the scalar loop of cpu_opt_act.c does them (returns how
 * many it did). */
TGT int64_t eb_act_f32__avx2(int fn, const float *x, float *y, int64_t n)
{
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    int64_t j = 0;
    switch (fn) {
    case EB_ACT8_SILU:
        for (; j + 8 <= n; j += 8) {
            __m256 v = _mm256_loadu_ps(x + j);
            __m256 e = exp8(_mm256_sub_ps(zero, v));
            _mm256_storeu_ps(y + j, _mm256_div_ps(v, _mm256_add_ps(one, e)));
        }
        break;
    case EB_ACT8_GELU_TANH:
        for (; j + 8 <= n; j += 8) {
            __m256 v = _mm256_loadu_ps(x + j);
            __m256 v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
            __m256 z2 = _mm256_mul_ps(_mm256_set1_ps(1.5957691216057308f),
                                      _mm256_add_ps(v, _mm256_mul_ps(_mm256_set1_ps(0.044715f), v3)));
            __m256 e = exp8(z2);
            _mm256_storeu_ps(y + j, _mm256_sub_ps(v, _mm256_div_ps(v, _mm256_add_ps(e, one))));
        }
        break;
    case EB_ACT8_HARD_SWISH:
        for (; j + 8 <= n; j += 8) {
            __m256 v = _mm256_loadu_ps(x + j);
            __m256 h = _mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.0f / 6.0f)), _mm256_set1_ps(0.5f));
            h = _mm256_min_ps(_mm256_max_ps(h, zero), one);
            _mm256_storeu_ps(y + j, _mm256_mul_ps(v, h));
        }
        break;
    default: break;
    }
    return j;
}
/* e^v as expf has it at the ends: exp8 stops at e^88.38 and e^-87.34,
 * expf gives +inf above 88.72 and 0 (or a denormal) below -87.34. */
TGT static inline __m256 exp8_ends(__m256 v)
{
    __m256 e = exp8(v);
    e = _mm256_blendv_ps(e, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(v, _mm256_set1_ps(88.72283935546875f), _CMP_GT_OQ));
    return _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(v, _mm256_set1_ps(-87.3365f), _CMP_LT_OQ));
}

/* tanh as Eigen computes it in float: x P(x^2) / Q(x^2), odd degree 13
 * over even degree 6, on [-7.9053, 7.9053] (+-1 within rounding beyond);
 * within 3e-7 of tanh everywhere, tiny x exact.  NaN stays NaN. */
TGT static inline __m256 tanh8(__m256 v)
{
    const __m256 c = _mm256_set1_ps(7.90531110763549805f);
    __m256 x = _mm256_max_ps(_mm256_min_ps(v, c), _mm256_sub_ps(_mm256_setzero_ps(), c));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.76076847742355e-16f), _mm256_set1_ps(2.00018790482477e-13f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-8.60467152213735e-11f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(5.12229709037114e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(1.48572235717979e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(6.37261928875436e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(4.89352455891786e-03f));
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(1.19825839466702e-06f), _mm256_set1_ps(1.18534705686654e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(2.26843463243900e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(4.89352518554385e-03f));
    __m256 t = _mm256_div_ps(_mm256_mul_ps(x, p), q);
    return _mm256_blendv_ps(t, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); /* min/max turned NaN into c */
}

/* y[j..j+8) = EXPR of x (8 values of v), for every whole 8 of n. */
#define CHAIN_UN8(EXPR)                                                                            \
    do {                                                                                           \
        for (; j + 8 <= n; j += 8) {                                                               \
            __m256 x = _mm256_loadu_ps(v + j);                                                     \
            _mm256_storeu_ps(y + j, (EXPR));                                                       \
        }                                                                                          \
    } while (0)

/* ... = EXPR of u (v's values) and w (the operand's), 8 at a time. */
#define CHAIN_BIN8(EXPR)                                                                           \
    do {                                                                                           \
        for (; j + 8 <= n; j += 8) {                                                               \
            __m256 u = _mm256_loadu_ps(v + j), w = a_step ? _mm256_loadu_ps(a + j) : _mm256_set1_ps(a[0]); \
            _mm256_storeu_ps(y + j, (EXPR));                                                       \
        }                                                                                          \
    } while (0)

TGT static int64_t chain_unary8(const eb_unary_params *p, const float *v, float *y, int64_t n)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    const __m256 alpha = _mm256_set1_ps(p->alpha), beta = _mm256_set1_ps(p->beta);
    const __m256 lo = _mm256_set1_ps(p->lo), hi = _mm256_set1_ps(p->hi), six = _mm256_set1_ps(6.0f);
    const __m256 half = _mm256_set1_ps(0.5f);
    int64_t j = 0;
    switch (p->op) {
    case EB_OP_RELU: CHAIN_UN8(_mm256_max_ps(zero, x)); break; /* max(0, NaN) is NaN, as x < 0 ? 0 : x */
    case EB_OP_LEAKY_RELU:
        CHAIN_UN8(_mm256_blendv_ps(x, _mm256_mul_ps(alpha, x), _mm256_cmp_ps(x, zero, _CMP_LT_OQ)));
        break;
    case EB_OP_CLIP: CHAIN_UN8(_mm256_min_ps(hi, _mm256_max_ps(lo, x))); break;
    case EB_OP_NEG: CHAIN_UN8(_mm256_xor_ps(x, sign)); break;
    case EB_OP_ABS: CHAIN_UN8(_mm256_andnot_ps(sign, x)); break;
    case EB_OP_SQRT: CHAIN_UN8(_mm256_sqrt_ps(x)); break;
    case EB_OP_RECIPROCAL: CHAIN_UN8(_mm256_div_ps(one, x)); break;
    case EB_OP_EXP: CHAIN_UN8(exp8_ends(x)); break;
    case EB_OP_TANH: CHAIN_UN8(tanh8(x)); break;
    case EB_OP_SIGMOID: CHAIN_UN8(_mm256_div_ps(one, _mm256_add_ps(one, exp8_ends(_mm256_xor_ps(x, sign))))); break;
    case EB_OP_HARD_SIGMOID:
        CHAIN_UN8(_mm256_min_ps(one, _mm256_max_ps(zero, _mm256_add_ps(_mm256_mul_ps(alpha, x), beta))));
        break;
    case EB_OP_HARD_SWISH:
        CHAIN_UN8(_mm256_mul_ps(x, _mm256_min_ps(one, _mm256_max_ps(zero, _mm256_add_ps(_mm256_div_ps(x, six), half)))));
        break;
    case EB_OP_POW: /* the exponents eltwise_f32.c writes out; powf for the others */
        if (p->alpha == 2.0f)
            CHAIN_UN8(_mm256_mul_ps(x, x));
        else if (p->alpha == 3.0f)
            CHAIN_UN8(_mm256_mul_ps(_mm256_mul_ps(x, x), x));
        else if (p->alpha == 0.5f)
            CHAIN_UN8(_mm256_sqrt_ps(x));
        break;
    default: break; /* none here: the scalar loop */
    }
    return j;
}

TGT int64_t eb_chain_op_f32__avx2(const eb_chain_op *op, const float *v, const float *a, int64_t a_step, float *y,
                                  int64_t n)
{
    if (op->arg == EB_CHAIN_UNARY)
        return chain_unary8(&op->u, v, y, n);
    int64_t j = 0;
    switch (op->op) {
    case EB_OP_ADD: CHAIN_BIN8(_mm256_add_ps(u, w)); break;
    case EB_OP_MUL: CHAIN_BIN8(_mm256_mul_ps(u, w)); break;
    case EB_OP_SUB:
        if (op->swap)
            CHAIN_BIN8(_mm256_sub_ps(w, u));
        else
            CHAIN_BIN8(_mm256_sub_ps(u, w));
        break;
    case EB_OP_DIV:
        if (op->swap)
            CHAIN_BIN8(_mm256_div_ps(w, u));
        else
            CHAIN_BIN8(_mm256_div_ps(u, w));
        break;
    default: break;
    }
    return j;
}
#endif
