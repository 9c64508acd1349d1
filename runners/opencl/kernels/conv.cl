/* conv.cl - the OpenCL runner's convolution kernels besides the GEMM
 * (ocl_conv.c drives them), NCHW, weight [oc, c/group, kh, kw]:
 *   eb_conv_im2col    the columns [n][c * kh * kw][oh * ow] that
 *                     gemm.cl's eb_gemm_pk_* / eb_gemm_hk_* multiply by
 *                     the packed weights, zeros where a tap falls in the pads;
 *   eb_conv_direct    one output per work-item, summing its window (small
 *                     reductions, where im2col's copy costs more than it saves);
 *   eb_conv_dw        depthwise (group == c == oc): CONV_DW_X outputs along
 *                     a row per work-item, each weight read once for them.
 * The _h kernels read half weights (vload_half: core OpenCL); arithmetic is
 * fp32.  Strides, dilations and pads top/left are given; the bottom and
 * right pads are implied by oh and ow (taps past the input read zero).
 * Bias (NULL: none) and activation (common.cl's eb_act) are fused. */

#define CONV_DW_X 4

inline float conv_w(__global const float *w, int i, const int half_w)
{
    return half_w ? vload_half(i, (__global const half *)w) : w[i];
}

__kernel void eb_conv_im2col(__global const float *x, long x_off, __global float *col, int c, int h, int w, int oh,
                             int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw)
{
    int p = get_global_id(0), row = get_global_id(1), b = get_global_id(2);
    int kx = row % kw, t = row / kw, ky = t % kh, ci = t / kh;
    int oy = p / ow, ox = p - oy * ow;
    int iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
    float v = 0.0f;
    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
        v = x[x_off + ((long)b * c + ci) * h * w + iy * w + ix];
    col[((long)b * c * kh * kw + row) * oh * ow + p] = v;
}

#define CONV_ARGS                                                                                           \
    __global const float *x, long x_off, __global const float *wt, __global const float *bias, __global float *y, \
        long y_off, int c, int h, int w, int oc, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl,  \
        int dh, int dw, int group, int act, float lo, float hi
#define CONV_PASS x, x_off, wt, bias, y, y_off, c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, act, lo, hi

/* global (ow, oh, n * oc) */
inline void conv_direct_body(CONV_ARGS, const int half_w)
{
    int ox = get_global_id(0), oy = get_global_id(1), z = get_global_id(2);
    int b = z / oc, o = z - b * oc, cg = c / group, g = o / (oc / group);
    __global const float *xp = x + x_off + ((long)b * c + g * cg) * h * w;
    int wi = o * cg * kh * kw, iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    float acc = 0.0f;
    for (int ci = 0; ci < cg; ci++, xp += h * w)
        for (int ky = 0; ky < kh; ky++) {
            int iy = iy0 + ky * dh;
            if (iy < 0 || iy >= h) {
                wi += kw;
                continue;
            }
            for (int kx = 0; kx < kw; kx++, wi++) {
                int ix = ix0 + kx * dw;
                if (ix >= 0 && ix < w)
                    acc = fma(xp[iy * w + ix], conv_w(wt, wi, half_w), acc);
            }
        }
    if (bias)
        acc += bias[o];
    y[y_off + (long)z * oh * ow + oy * ow + ox] = eb_act(acc, act, lo, hi);
}

__kernel void eb_conv_direct(CONV_ARGS)
{
    conv_direct_body(CONV_PASS, 0);
}

__kernel void eb_conv_direct_h(CONV_ARGS)
{
    conv_direct_body(CONV_PASS, 1);
}

/* global (ceil(ow / CONV_DW_X), oh, n * c) */
inline void conv_dw_body(CONV_ARGS, const int half_w)
{
    int ox0 = get_global_id(0) * CONV_DW_X, oy = get_global_id(1), z = get_global_id(2);
    int ch = z % c;
    __global const float *xp = x + x_off + (long)z * h * w;
    int iy0 = oy * sh - pt;
    float acc[CONV_DW_X];
    for (int j = 0; j < CONV_DW_X; j++)
        acc[j] = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int iy = iy0 + ky * dh;
        if (iy < 0 || iy >= h)
            continue;
        for (int kx = 0; kx < kw; kx++) {
            float wv = conv_w(wt, (ch * kh + ky) * kw + kx, half_w);
            for (int j = 0; j < CONV_DW_X; j++) {
                int ix = (ox0 + j) * sw - pl + kx * dw;
                if (ix >= 0 && ix < w)
                    acc[j] = fma(xp[iy * w + ix], wv, acc[j]);
            }
        }
    }
    float bv = bias ? bias[ch] : 0.0f;
    __global float *yp = y + y_off + (long)z * oh * ow + oy * ow;
    for (int j = 0; j < CONV_DW_X; j++)
        if (ox0 + j < ow)
            yp[ox0 + j] = eb_act(acc[j] + bv, act, lo, hi);
}

__kernel void eb_conv_dw(CONV_ARGS)
{
    conv_dw_body(CONV_PASS, 0);
}

__kernel void eb_conv_dw_h(CONV_ARGS)
{
    conv_dw_body(CONV_PASS, 1);
}
