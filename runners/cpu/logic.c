/* logic.c - the cpu runner's kernels on mixed dtypes: Cast between f32,
 * i64, i32 and bool, the comparisons (Equal, Less, LessOrEqual, Greater,
 * GreaterOrEqual) to bool, and Where, with numpy broadcasting: what a
 * decoder's attention mask is computed with.
 *
 * Each computes what its twin computes (ref_cast.c: float to integer
 * truncated, NaN to 0, saturated; ref_binary.c's eb_ref_compare: NaN
 * unordered; ref_where.c), exactly.  Broadcasting walks the output by rows
 * of its last dim, each input with its element strides (0 on broadcast
 * dims); rows go to the pool. */
#include <math.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

enum { LOGIC_GRAIN = 16384 };

/* ---- Cast ------------------------------------------------------------------- */

typedef struct cast_ctx {
    eb_dtype src, dst;
    const void *x;
    void *y;
} cast_ctx;

static int64_t f2i(float v, int64_t lo, int64_t hi)
{
    float t = truncf(v);
    if (t != t)
        return 0;
    if (t >= (float)hi) /* (float)hi rounds up to the next power of two */
        return hi;
    if (t < (float)lo)
        return lo;
    return (int64_t)t;
}

static int64_t get_int(eb_dtype dt, const void *x, int64_t i)
{
    switch (dt) {
    case EB_DT_I64: return ((const int64_t *)x)[i];
    case EB_DT_I32: return ((const int32_t *)x)[i];
    default: return ((const uint8_t *)x)[i] != 0;
    }
}

static void cast_range(void *arg, int64_t b, int64_t e)
{
    const cast_ctx *c = arg;
    if (c->src == EB_DT_F32) {
        const float *x = c->x;
        switch (c->dst) {
        case EB_DT_I64:
            for (int64_t i = b; i < e; i++)
                ((int64_t *)c->y)[i] = f2i(x[i], INT64_MIN, INT64_MAX);
            break;
        case EB_DT_I32:
            for (int64_t i = b; i < e; i++)
                ((int32_t *)c->y)[i] = (int32_t)f2i(x[i], INT32_MIN, INT32_MAX);
            break;
        case EB_DT_BOOL:
            for (int64_t i = b; i < e; i++)
                ((uint8_t *)c->y)[i] = x[i] != 0.0f;
            break;
        default: memcpy((float *)c->y + b, x + b, sizeof(float) * (size_t)(e - b)); break;
        }
        return;
    }
    for (int64_t i = b; i < e; i++) {
        int64_t v = get_int(c->src, c->x, i);
        switch (c->dst) {
        case EB_DT_F32: ((float *)c->y)[i] = (float)v; break;
        case EB_DT_I64: ((int64_t *)c->y)[i] = v; break;
        case EB_DT_I32: ((int32_t *)c->y)[i] = (int32_t)(uint32_t)(uint64_t)v; break; /* wraps */
        default: ((uint8_t *)c->y)[i] = v != 0; break;
        }
    }
}

bool eb_cast_supported(eb_dtype dt)
{
    return dt == EB_DT_F32 || dt == EB_DT_I64 || dt == EB_DT_I32 || dt == EB_DT_BOOL;
}

void eb_cast(eb_dtype src, eb_dtype dst, int64_t n, const void *x, void *y, eb_threadpool *tp)
{
    cast_ctx c = {src, dst, x, y};
    eb_cpu_parallel_for(tp, n, LOGIC_GRAIN, cast_range, &c);
}

/* ---- broadcast rows ----------------------------------------------------------- */

typedef struct bc_ctx {
    const eb_bcast *bc;
    eb_op op;         /* a comparison; EB_OP_WHERE for Where */
    eb_dtype dt;      /* the compared operands' (Where: unused) */
    size_t es;        /* Where: bytes per element */
    const void *in[3];
    void *y;
} bc_ctx;

#define CMP_LOOP(T)                                                                                \
    do {                                                                                           \
        const T *pa = (const T *)c->in[0] + oa, *pb = (const T *)c->in[1] + ob;                    \
        switch (c->op) {                                                                           \
        case EB_OP_EQUAL:                                                                          \
            for (int64_t j = 0; j < len; j++)                                                      \
                y[j] = pa[j * sa] == pb[j * sb];                                                   \
            break;                                                                                 \
        case EB_OP_LESS:                                                                           \
            for (int64_t j = 0; j < len; j++)                                                      \
                y[j] = pa[j * sa] < pb[j * sb];                                                    \
            break;                                                                                 \
        case EB_OP_LESS_OR_EQUAL:                                                                  \
            for (int64_t j = 0; j < len; j++)                                                      \
                y[j] = pa[j * sa] <= pb[j * sb];                                                   \
            break;                                                                                 \
        case EB_OP_GREATER:                                                                        \
            for (int64_t j = 0; j < len; j++)                                                      \
                y[j] = pa[j * sa] > pb[j * sb];                                                    \
            break;                                                                                 \
        default:                                                                                   \
            for (int64_t j = 0; j < len; j++)                                                      \
                y[j] = pa[j * sa] >= pb[j * sb];                                                   \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

static void bc_rows(void *arg, int64_t b, int64_t e)
{
    const bc_ctx *c = arg;
    const eb_bcast *bc = c->bc;
    int last = bc->rank - 1;
    int64_t len = bc->out[last];
    int n_in = c->op == EB_OP_WHERE ? 3 : 2;
    for (int64_t r = b; r < e; r++) {
        int64_t off[3] = {0, 0, 0}, rem = r;
        for (int d = last - 1; d >= 0; d--) {
            int64_t idx = rem % bc->out[d];
            rem /= bc->out[d];
            for (int k = 0; k < n_in; k++)
                off[k] += idx * bc->st[k][d];
        }
        if (c->op == EB_OP_WHERE) {
            const uint8_t *cond = (const uint8_t *)c->in[0] + off[0];
            const char *x = (const char *)c->in[1] + off[1] * c->es, *y2 = (const char *)c->in[2] + off[2] * c->es;
            char *out = (char *)c->y + (size_t)(r * len) * c->es;
            int64_t sc = bc->st[0][last], sx = bc->st[1][last], sy = bc->st[2][last];
            if (c->es == 4) {
                const uint32_t *px = (const uint32_t *)x, *py = (const uint32_t *)y2;
                uint32_t *po = (uint32_t *)out;
                for (int64_t j = 0; j < len; j++)
                    po[j] = cond[j * sc] ? px[j * sx] : py[j * sy];
            } else {
                for (int64_t j = 0; j < len; j++)
                    memcpy(out + (size_t)j * c->es, cond[j * sc] ? x + (size_t)(j * sx) * c->es : y2 + (size_t)(j * sy) * c->es,
                           c->es);
            }
            continue;
        }
        uint8_t *y = (uint8_t *)c->y + r * len;
        int64_t oa = off[0], ob = off[1], sa = bc->st[0][last], sb = bc->st[1][last];
        switch (c->dt) {
        case EB_DT_F32: CMP_LOOP(float); break; /* C comparisons: NaN unordered */
        case EB_DT_I64: CMP_LOOP(int64_t); break;
        case EB_DT_I32: CMP_LOOP(int32_t); break;
        default: CMP_LOOP(uint8_t); break;
        }
    }
}

static int64_t n_rows(const eb_bcast *bc)
{
    int64_t n = 1;
    for (int d = 0; d < bc->rank - 1; d++)
        n *= bc->out[d];
    return n;
}

void eb_compare(eb_op op, eb_dtype dt, const eb_bcast *bc, const void *a, const void *b, uint8_t *y,
                eb_threadpool *tp)
{
    bc_ctx c = {.bc = bc, .op = op, .dt = dt, .in = {a, b}, .y = y};
    eb_cpu_parallel_for(tp, n_rows(bc), LOGIC_GRAIN / (bc->out[bc->rank - 1] + 1) + 1, bc_rows, &c);
}

void eb_where(const eb_bcast *bc, size_t es, const uint8_t *cond, const void *x, const void *y, void *out,
              eb_threadpool *tp)
{
    bc_ctx c = {.bc = bc, .op = EB_OP_WHERE, .es = es, .in = {cond, x, y}, .y = out};
    eb_cpu_parallel_for(tp, n_rows(bc), LOGIC_GRAIN / (bc->out[bc->rank - 1] + 1) + 1, bc_rows, &c);
}
