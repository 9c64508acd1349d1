/* conv.cl - the OpenCL runner's convolution kernels besides the GEMM
 * (ocl_conv.c drives them), NCHW, weight [oc, c/group, kh, kw]:
 *   eb_conv_im2col    the columns [n][c * kh * kw][oh * ow] that
 *                     gemm.cl's eb_gemm_pk_* / eb_gemm_hk_* multiply by
 *                     the packed weights, zeros where a tap falls in the pads;
 *   eb_conv_direct    8 outputs along a row for 4 output channels per
 *                     work-item, summing their windows (small reductions,
 *                     where im2col's copy costs more than it saves);
 *   eb_conv_dw        depthwise (group == c == oc): CONV_DW_X outputs along
 *                     a row per work-item, each weight read once for them.
 * The _h kernels read half weights (vload_half: core OpenCL); arithmetic is
 * fp32.  Strides, dilations and pads top/left are given; the bottom and
 * right pads are implied by oh and ow (taps past the input read zero).
 * Bias (NULL: none) and activation (common.cl's eb_act) are fused. */

#define CONV_DW_X 4
#define CONV_DIRECT_OC 4

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

/* global (ceil(ow / 8), oh, n * group * ceil(ocg / CONV_DIRECT_OC)): a
 * work-item computes 8 outputs along a row (a float8) for CONV_DIRECT_OC
 * output channels of one group, each input vector used for all of them */
inline void conv_direct_body(CONV_ARGS, const int half_w)
{
    const int ox0 = get_global_id(0) * 8, oy = get_global_id(1), z = get_global_id(2);
    const int cg = c / group, ocg = oc / group, blocks = (ocg + CONV_DIRECT_OC - 1) / CONV_DIRECT_OC;
    const int b = z / (group * blocks), r = z - b * group * blocks, g = r / blocks;
    const int o0 = g * ocg + (r - g * blocks) * CONV_DIRECT_OC, o_end = (g + 1) * ocg;
    __global const float *xp = x + x_off + ((long)b * c + g * cg) * h * w;
    const int iy0 = oy * sh - pt, ix0 = ox0 * sw - pl, kk = cg * kh * kw;
    int wrow[CONV_DIRECT_OC]; /* each channel's weights; past the group: the last one's, not stored */
    for (int q = 0; q < CONV_DIRECT_OC; q++)
        wrow[q] = min(o0 + q, o_end - 1) * kk;
    float8 acc[CONV_DIRECT_OC];
    for (int q = 0; q < CONV_DIRECT_OC; q++)
        acc[q] = (float8)(0.0f);
    int wi = 0;
    for (int ci = 0; ci < cg; ci++, xp += h * w)
        for (int ky = 0; ky < kh; ky++) {
            int iy = iy0 + ky * dh;
            if (iy < 0 || iy >= h) {
                wi += kw;
                continue;
            }
            __global const float *row = xp + iy * w;
            for (int kx = 0; kx < kw; kx++, wi++) {
                int ix = ix0 + kx * dw;
                float8 xv;
                if (sw == 1 && ix >= 0 && ix + 7 < w) {
                    xv = vload8(0, row + ix);
                } else {
                    float v[8];
                    for (int j = 0; j < 8; j++) {
                        int jx = ix + j * sw;
                        v[j] = jx >= 0 && jx < w ? row[jx] : 0.0f;
                    }
                    xv = (float8)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
                }
                for (int q = 0; q < CONV_DIRECT_OC; q++)
                    acc[q] = fma(xv, (float8)(conv_w(wt, wrow[q] + wi, half_w)), acc[q]);
            }
        }
    for (int q = 0; q < CONV_DIRECT_OC && o0 + q < o_end; q++) {
        float bv = bias ? bias[o0 + q] : 0.0f, o[8];
        vstore8(acc[q], 0, o);
        __global float *yp = y + y_off + ((long)b * oc + o0 + q) * oh * ow + oy * ow;
        for (int j = 0; j < 8 && ox0 + j < ow; j++)
            yp[ox0 + j] = eb_act(o[j] + bv, act, lo, hi);
    }
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
