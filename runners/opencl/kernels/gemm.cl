/* gemm.cl - the OpenCL runner's tiled GEMM (ocl_gemm.c drives it):
 * C[z] = act(alpha * A[z] x B[z] + bias), A m x k, B k x n, C m x n, with the
 * batch index z of the third NDRange dim split into (batch, group), each
 * operand offset by zb * *_bs + zg * *_gs elements (a stride 0 broadcasts).
 *
 * A work-group computes a TM x TN tile of C through local memory, TK of the
 * reduction at a time; its (TN/RN) x (TM/RM) work-items each keep an
 * RM x RN block of accumulators in registers, at rows ty + r * (TM/RM) and
 * columns tx + c * (TN/RN) (neighbouring work-items touch neighbouring
 * columns: coalesced on GPUs, one vector lane each where PoCL vectorizes
 * across work-items).  Tiles live in local memory k-major (L[kk * T + x]).
 *
 * Each operand comes in one of four modes (a kernel per pair, below); x is
 * the operand's own dim (m for A, n for B):
 *   r  at run time, stored [x][k] (A as it is, B with trans_b): checked
 *   k  at run time, stored [k][x] (B as it is, im2col columns): checked
 *   p  packed in prepare, f32, k-major [kp][xp], padded with zeros to whole
 *      tiles: plain float4 loads, no checks
 *   h  as p, with half storage, read with vload_half4 (core OpenCL, no
 *      cl_khr_fp16): the arithmetic stays fp32
 * bias_mode: 0 none, 1 one per column (Gemm), 2 one per row (Conv's output
 * channels, offset by zg * bias_gs).  act: common.cl's EB_ACT_*, applied by
 * eb_act (clip: min(max(v, lo), hi)). */

#define GEMM_R 0
#define GEMM_K 1
#define GEMM_P 2
#define GEMM_H 3
#define GEMM_RM_MAX 4
#define GEMM_RN_MAX 8

/* A packed tile (P or H): TK rows of T values from row k0, column x0. */
inline void gemm_load_packed(__global const float *s, int ld, int x0, int k0, const int T, const int TK,
                             const int half_w, __local float *l, int lid, const int WG)
{
    for (int i = lid; i < TK * T / 4; i += WG) {
        int kk = i / (T / 4), xq = (i - kk * (T / 4)) * 4;
        int at = (k0 + kk) * ld + x0 + xq;
        float4 v = half_w ? vload_half4(0, (__global const half *)s + at) : vload4(0, s + at);
        vstore4(v, 0, l + kk * T + xq);
    }
}

/* A run-time tile stored [x][k] (row x at s + x * ld), zeros outside
 * xe x ke; written transposed into the k-major tile. */
inline void gemm_load_xk(__global const float *s, int ld, int xe, int ke, int x0, int k0, const int T,
                         const int TK, __local float *l, int lid, const int WG)
{
    for (int i = lid; i < T * TK / 4; i += WG) {
        int x = i / (TK / 4), kq = (i - x * (TK / 4)) * 4;
        int gx = x0 + x, gk = k0 + kq;
        float4 v = (float4)(0.0f);
        if (gx < xe) {
            __global const float *p = s + gx * ld + gk;
            if (gk + 3 < ke) {
                v = vload4(0, p);
            } else {
                v.s0 = gk < ke ? p[0] : 0.0f;
                v.s1 = gk + 1 < ke ? p[1] : 0.0f;
                v.s2 = gk + 2 < ke ? p[2] : 0.0f;
            }
        }
        l[(kq + 0) * T + x] = v.s0;
        l[(kq + 1) * T + x] = v.s1;
        l[(kq + 2) * T + x] = v.s2;
        l[(kq + 3) * T + x] = v.s3;
    }
}

/* A run-time tile stored [k][x] (row k at s + k * ld), zeros outside. */
inline void gemm_load_kx(__global const float *s, int ld, int xe, int ke, int x0, int k0, const int T,
                         const int TK, __local float *l, int lid, const int WG)
{
    for (int i = lid; i < TK * T / 4; i += WG) {
        int kk = i / (T / 4), xq = (i - kk * (T / 4)) * 4;
        int gk = k0 + kk, gx = x0 + xq;
        float4 v = (float4)(0.0f);
        if (gk < ke) {
            __global const float *p = s + gk * ld + gx;
            if (gx + 3 < xe) {
                v = vload4(0, p);
            } else {
                v.s0 = gx < xe ? p[0] : 0.0f;
                v.s1 = gx + 1 < xe ? p[1] : 0.0f;
                v.s2 = gx + 2 < xe ? p[2] : 0.0f;
            }
        }
        vstore4(v, 0, l + kk * T + xq);
    }
}

inline void gemm_load(__global const float *s, const int mode, int ld, int xe, int ke, int x0, int k0,
                      const int T, const int TK, __local float *l, int lid, const int WG)
{
    if (mode == GEMM_P || mode == GEMM_H)
        gemm_load_packed(s, ld, x0, k0, T, TK, mode == GEMM_H, l, lid, WG);
    else if (mode == GEMM_R)
        gemm_load_xk(s, ld, xe, ke, x0, k0, T, TK, l, lid, WG);
    else
        gemm_load_kx(s, ld, xe, ke, x0, k0, T, TK, l, lid, WG);
}

#define GEMM_ARGS                                                                                           \
    __global const float *A, __global const float *B, __global float *C, __global const float *bias,       \
        long a_off, long b_off, long c_off, int m, int n, int k, int lda, int ldb, int ldc, int groups,     \
        long a_bs, long a_gs, long b_bs, long b_gs, long c_bs, long c_gs, int bias_gs, float alpha,         \
        int bias_mode, int act, float lo, float hi
#define GEMM_PASS                                                                                           \
    A, B, C, bias, a_off, b_off, c_off, m, n, k, lda, ldb, ldc, groups, a_bs, a_gs, b_bs, b_gs, c_bs, c_gs, \
        bias_gs, alpha, bias_mode, act, lo, hi

inline void gemm_body(GEMM_ARGS, const int AM, const int BM, const int TM, const int TN, const int TK,
                      const int RM, const int RN, __local float *as, __local float *bs)
{
    const int WX = TN / RN, WY = TM / RM, WG = WX * WY;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * WX + tx;
    const int n0 = get_group_id(0) * TN, m0 = get_group_id(1) * TM;
    const int z = get_global_id(2), zb = z / groups, zg = z - zb * groups;
    /* half operands are addressed in halves: the offsets count elements */
    A = AM == GEMM_H ? (__global const float *)((__global const half *)A + a_off + zb * a_bs + zg * a_gs)
                     : A + a_off + zb * a_bs + zg * a_gs;
    B = BM == GEMM_H ? (__global const float *)((__global const half *)B + b_off + zb * b_bs + zg * b_gs)
                     : B + b_off + zb * b_bs + zg * b_gs;
    C += c_off + zb * c_bs + zg * c_gs;

    /* sized for the largest tile; the loops, unrolled with RM and RN known,
     * leave only RM x RN of them, in registers */
    float acc[GEMM_RM_MAX][GEMM_RN_MAX];
    for (int r = 0; r < RM; r++)
        for (int c = 0; c < RN; c++)
            acc[r][c] = 0.0f;

    for (int k0 = 0; k0 < k; k0 += TK) {
        gemm_load(A, AM, lda, m, k, m0, k0, TM, TK, as, lid, WG);
        gemm_load(B, BM, ldb, n, k, n0, k0, TN, TK, bs, lid, WG);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            float a[GEMM_RM_MAX], b[GEMM_RN_MAX];
            for (int r = 0; r < RM; r++)
                a[r] = as[kk * TM + ty + r * WY];
            for (int c = 0; c < RN; c++)
                b[c] = bs[kk * TN + tx + c * WX];
            for (int r = 0; r < RM; r++)
                for (int c = 0; c < RN; c++)
                    acc[r][c] = fma(a[r], b[c], acc[r][c]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    if (bias_mode == 2)
        bias += zg * bias_gs;
    for (int r = 0; r < RM; r++) {
        int i = m0 + ty + r * WY;
        if (i >= m)
            break;
        for (int c = 0; c < RN; c++) {
            int j = n0 + tx + c * WX;
            if (j < n) {
                float v = alpha * acc[r][c];
                if (bias_mode == 1)
                    v += bias[j];
                else if (bias_mode == 2)
                    v += bias[i];
                C[i * ldc + j] = eb_act(v, act, lo, hi);
            }
        }
    }
}

/* eb_gemm_<A mode><B mode>_<tile>: the pairs the host uses (ocl_gemm.c):
 * rp rh (Gemm, weight B), rk rr (MatMul, run-time B as stored or
 * transposed), pk hk (Conv: packed weights as A, im2col columns or the
 * input itself as B). */
#define GEMM_KERNEL(AM, BM, name, TM, TN, TK, RM, RN)                                                      \
    __kernel __attribute__((reqd_work_group_size(TN / RN, TM / RM, 1))) void name(GEMM_ARGS)               \
    {                                                                                                        \
        __local float as[TK * TM], bs[TK * TN];                                                              \
        gemm_body(GEMM_PASS, AM, BM, TM, TN, TK, RM, RN, as, bs);                                            \
    }
#define GEMM_TILE(name, TM, TN, TK, RM, RN)                                                                 \
    GEMM_KERNEL(GEMM_R, GEMM_P, eb_gemm_rp_##name, TM, TN, TK, RM, RN)                                       \
    GEMM_KERNEL(GEMM_R, GEMM_H, eb_gemm_rh_##name, TM, TN, TK, RM, RN)                                       \
    GEMM_KERNEL(GEMM_R, GEMM_K, eb_gemm_rk_##name, TM, TN, TK, RM, RN)                                       \
    GEMM_KERNEL(GEMM_R, GEMM_R, eb_gemm_rr_##name, TM, TN, TK, RM, RN)                                       \
    GEMM_KERNEL(GEMM_P, GEMM_K, eb_gemm_pk_##name, TM, TN, TK, RM, RN)                                       \
    GEMM_KERNEL(GEMM_H, GEMM_K, eb_gemm_hk_##name, TM, TN, TK, RM, RN)

/* the tiles of ocl_tiles.c's table: keep the two in step */
GEMM_TILE(64x64, 64, 64, 16, 4, 4)
GEMM_TILE(32x64, 32, 64, 16, 4, 4)
GEMM_TILE(32x32, 32, 32, 16, 4, 4)
GEMM_TILE(8x64, 8, 64, 32, 2, 4)

/* ---- flat: one work-item per RM x (8 * NV) block, no local memory ----------
 * For CPUs (PoCL), where caches do local memory's work and a work-item's
 * own float8 arithmetic beats vectorizing across work-items: each work-item
 * streams its RM rows of A (one value at a time, broadcast) against float8
 * slices of B along n, keeping RM x NV float8 accumulators.  Packed operands
 * are padded to RM rows (A) and 8 * NV columns (B); run-time ones are
 * checked, the full blocks on a fast path.  Same arguments and modes as
 * above; global (ceil(n / (8 NV)), ceil(m / RM), batch * groups). */

#define GEMM_FLAT_RM_MAX 8
#define GEMM_FLAT_NV_MAX 4

/* lanes j .. j + 7 of B's row kk (mode k or r: checked against n) */
inline float8 gemm_flat_b(__global const float *B, const int BM, int ldb, int n, int kk, int j, bool full)
{
    if (BM == GEMM_P)
        return vload8(0, B + kk * ldb + j);
    if (BM == GEMM_H)
        return vload_half8(0, (__global const half *)B + kk * ldb + j);
    if (BM == GEMM_K && full)
        return vload8(0, B + kk * ldb + j);
    float v[8];
    for (int l = 0; l < 8; l++)
        v[l] = j + l >= n ? 0.0f : BM == GEMM_K ? B[kk * ldb + j + l] : B[(j + l) * ldb + kk];
    return (float8)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

inline void gemm_flat_body(GEMM_ARGS, const int AM, const int BM, const int RM, const int NV)
{
    const int j0 = get_global_id(0) * 8 * NV, i0 = get_global_id(1) * RM;
    const int z = get_global_id(2), zb = z / groups, zg = z - zb * groups;
    A = AM == GEMM_H ? (__global const float *)((__global const half *)A + a_off + zb * a_bs + zg * a_gs)
                     : A + a_off + zb * a_bs + zg * a_gs;
    B = BM == GEMM_H ? (__global const float *)((__global const half *)B + b_off + zb * b_bs + zg * b_gs)
                     : B + b_off + zb * b_bs + zg * b_gs;
    C += c_off + zb * c_bs + zg * c_gs;
    const bool full = j0 + 8 * NV <= n;
    int row[GEMM_FLAT_RM_MAX]; /* A's rows, the last repeated past m */
    for (int r = 0; r < RM; r++)
        row[r] = min(i0 + r, m - 1) * lda;

    float8 acc[GEMM_FLAT_RM_MAX][GEMM_FLAT_NV_MAX];
    for (int r = 0; r < RM; r++)
        for (int c = 0; c < NV; c++)
            acc[r][c] = (float8)(0.0f);
    for (int kk = 0; kk < k; kk++) {
        float8 b[GEMM_FLAT_NV_MAX];
        for (int c = 0; c < NV; c++)
            b[c] = gemm_flat_b(B, BM, ldb, n, kk, j0 + 8 * c, full);
        for (int r = 0; r < RM; r++) {
            float a = AM == GEMM_P ? A[kk * lda + i0 + r]
                    : AM == GEMM_H ? vload_half(kk * lda + i0 + r, (__global const half *)A)
                                   : A[row[r] + kk];
            for (int c = 0; c < NV; c++)
                acc[r][c] = fma((float8)(a), b[c], acc[r][c]);
        }
    }

    if (bias_mode == 2)
        bias += zg * bias_gs;
    for (int r = 0; r < RM; r++) {
        int i = i0 + r;
        if (i >= m)
            break;
        for (int c = 0; c < NV; c++) {
            int j = j0 + 8 * c;
            float8 v = alpha * acc[r][c];
            if (bias_mode == 2)
                v += bias[i];
            if (j + 8 <= n) {
                if (bias_mode == 1)
                    v += vload8(0, bias + j);
                v = act == EB_ACT_RELU ? fmax(v, 0.0f) : act == EB_ACT_CLIP ? fmin(fmax(v, lo), hi) : v;
                vstore8(v, 0, C + i * ldc + j);
            } else {
                float o[8];
                vstore8(v, 0, o);
                for (int l = 0; l < 8 && j + l < n; l++)
                    C[i * ldc + j + l] = eb_act(o[l] + (bias_mode == 1 ? bias[j + l] : 0.0f), act, lo, hi);
            }
        }
    }
}

#define GEMM_FLAT_KERNEL(AM, BM, name, RM, NV)                                                              \
    __kernel void name(GEMM_ARGS)                                                                            \
    {                                                                                                        \
        gemm_flat_body(GEMM_PASS, AM, BM, RM, NV);                                                           \
    }
#define GEMM_FLAT(name, RM, NV)                                                                             \
    GEMM_FLAT_KERNEL(GEMM_R, GEMM_P, eb_gemm_rp_##name, RM, NV)                                              \
    GEMM_FLAT_KERNEL(GEMM_R, GEMM_H, eb_gemm_rh_##name, RM, NV)                                              \
    GEMM_FLAT_KERNEL(GEMM_R, GEMM_K, eb_gemm_rk_##name, RM, NV)                                              \
    GEMM_FLAT_KERNEL(GEMM_R, GEMM_R, eb_gemm_rr_##name, RM, NV)                                              \
    GEMM_FLAT_KERNEL(GEMM_P, GEMM_K, eb_gemm_pk_##name, RM, NV)                                              \
    GEMM_FLAT_KERNEL(GEMM_H, GEMM_K, eb_gemm_hk_##name, RM, NV)

/* ocl_tiles.c's flat rows: keep in step */
GEMM_FLAT(f4x16, 4, 2)
GEMM_FLAT(f8x16, 8, 2)
GEMM_FLAT(f4x8, 4, 1)
GEMM_FLAT(f1x32, 1, 4)
GEMM_FLAT(f4x32, 4, 4)
