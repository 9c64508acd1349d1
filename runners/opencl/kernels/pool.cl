/* pool.cl - the OpenCL runner's pooling kernels, NCHW (ocl_pool.c drives
 * them), with reference_kernels/ref_pool.c's semantics:
 *   eb_pool         max or average over a window (strides, dilations, pads
 *                   top/left given, bottom/right pb/pr), one output per
 *                   work-item; max propagates NaN and gives -FLT_MAX for a
 *                   window with no input element; average divides by the
 *                   taps inside the input, or with count_pad by those inside
 *                   the padded input, 0 for none;
 *   eb_pool_global  a work-group per plane reduces all of it through local
 *                   memory (GlobalMaxPool, GlobalAveragePool). */

#define POOL_WG_MAX 256

inline float pool_max(float best, float v)
{
    return (v > best || (isnan(v) && !isnan(best))) ? v : best;
}

/* global (ow, oh, n * c) */
__kernel void eb_pool(__global const float *x, long x_off, __global float *y, long y_off, int h, int w, int oh,
                      int ow, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw,
                      int is_max, int count_pad)
{
    int ox = get_global_id(0), oy = get_global_id(1), z = get_global_id(2);
    __global const float *xp = x + x_off + (long)z * h * w;
    int iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    float best = -FLT_MAX, sum = 0.0f;
    int seen = 0, padded = 0;
    for (int ky = 0; ky < kh; ky++) {
        int iy = iy0 + ky * dh;
        bool y_in = iy >= 0 && iy < h, y_pad = iy >= -pt && iy < h + pb;
        for (int kx = 0; kx < kw; kx++) {
            int ix = ix0 + kx * dw;
            padded += y_pad && ix >= -pl && ix < w + pr;
            if (!y_in || ix < 0 || ix >= w)
                continue;
            float v = xp[iy * w + ix];
            best = seen ? pool_max(best, v) : v;
            sum += v;
            seen++;
        }
    }
    int count = count_pad ? padded : seen;
    y[y_off + (long)z * oh * ow + oy * ow + ox] = is_max ? best : count ? sum / (float)count : 0.0f;
}

/* global (planes * wg), local (wg): wg a power of two <= POOL_WG_MAX */
__kernel void eb_pool_global(__global const float *x, long x_off, __global float *y, long y_off, int plane,
                             int is_max)
{
    __local float red[POOL_WG_MAX];
    int p = get_group_id(0), l = get_local_id(0), wg = get_local_size(0);
    __global const float *xp = x + x_off + (long)p * plane;
    float acc = is_max ? -INFINITY : 0.0f;
    for (int i = l; i < plane; i += wg)
        acc = is_max ? pool_max(acc, xp[i]) : acc + xp[i];
    red[l] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = wg / 2; s > 0; s /= 2) {
        if (l < s)
            red[l] = is_max ? pool_max(red[l], red[l + s]) : red[l] + red[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        y[y_off + p] = is_max ? red[0] : red[0] / (float)plane;
}
