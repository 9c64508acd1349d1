/* movement.cl - data movement kernels of the OpenCL runner, for elements of
 * 1, 4 or 8 bytes whatever their type: one strided copy that does
 * Transpose, Slice, Split, Concat (one launch per input) and Expand, and
 * Gather along an axis, with constant indices (checked and made
 * non-negative at prepare) or indices computed at run time (i32 or i64,
 * negative ones counted from the end; one out of range, which the
 * reference kernel rejects and a kernel cannot report, gives 0).  One work
 * item per element copied. */

/* y[yo + sum c_k * ys_k] = x[xo + sum c_k * xs_k] over the coordinates c
 * of dims (rank <= 8) */
#define EB_COPY_STRIDED(name, T)                                                                             \
    kernel void name(global const T *x, int xo, global T *y, int yo, int n, int rank, int8 dims, int8 xs,    \
                     int8 ys)                                                                                \
    {                                                                                                         \
        int i = get_global_id(0);                                                                             \
        if (i >= n)                                                                                           \
            return;                                                                                           \
        int d[8], a[8], b[8];                                                                                 \
        vstore8(dims, 0, d);                                                                                  \
        vstore8(xs, 0, a);                                                                                    \
        vstore8(ys, 0, b);                                                                                    \
        int r = i, ox = xo, oy = yo;                                                                          \
        for (int k = rank - 1; k >= 0; k--) {                                                                 \
            int q = r % d[k];                                                                                 \
            r /= d[k];                                                                                        \
            ox += q * a[k];                                                                                   \
            oy += q * b[k];                                                                                   \
        }                                                                                                     \
        y[oy] = x[ox];                                                                                        \
    }
EB_COPY_STRIDED(eb_copy_strided1, uchar)
EB_COPY_STRIDED(eb_copy_strided4, uint)
EB_COPY_STRIDED(eb_copy_strided8, ulong)

/* y[o, j, k] = x[o, idx[j], k]: x [outer, axis_len, inner], idx n_idx
 * indices already in [0, axis_len) */
#define EB_GATHER(name, T)                                                                                   \
    kernel void name(global const T *x, global const int *idx, global T *y, int n, int inner, int n_idx,     \
                     int axis_len)                                                                           \
    {                                                                                                         \
        int i = get_global_id(0);                                                                             \
        if (i >= n)                                                                                           \
            return;                                                                                           \
        int k = i % inner, j = (i / inner) % n_idx, o = i / inner / n_idx;                                    \
        y[i] = x[(o * axis_len + idx[j]) * inner + k];                                                        \
    }
EB_GATHER(eb_gather1, uchar)
EB_GATHER(eb_gather4, uint)
EB_GATHER(eb_gather8, ulong)

/* The same with indices computed at run time, of type I */
#define EB_GATHER_RT(name, T, I)                                                                             \
    kernel void name(global const T *x, global const I *idx, global T *y, int n, int inner, int n_idx,       \
                     int axis_len)                                                                           \
    {                                                                                                         \
        int i = get_global_id(0);                                                                             \
        if (i >= n)                                                                                           \
            return;                                                                                           \
        int k = i % inner, j = (i / inner) % n_idx, o = i / inner / n_idx;                                    \
        long v = idx[j];                                                                                      \
        v += v < 0 ? axis_len : 0;                                                                            \
        y[i] = v >= 0 && v < axis_len ? x[(o * axis_len + (int)v) * inner + k] : (T)0;                       \
    }
EB_GATHER_RT(eb_gather1_i32, uchar, int)
EB_GATHER_RT(eb_gather4_i32, uint, int)
EB_GATHER_RT(eb_gather8_i32, ulong, int)
EB_GATHER_RT(eb_gather1_i64, uchar, long)
EB_GATHER_RT(eb_gather4_i64, uint, long)
EB_GATHER_RT(eb_gather8_i64, ulong, long)
