/* cpu_opt_shuffle.c - ShuffleNet's channel shuffle, Reshape (n, c, ...) ->
 * (n, g, c/g, ...) -> Transpose (0, 2, 1, 3, ...) -> Reshape back to
 * (n, c, ...), as one copy (ST_SHUFFLE) at opt=2.  On an NHWC activation
 * (a convolution's output) it permutes each pixel's channels in place of
 * the layout round trip the Reshape would need (NHWC -> NCHW, and back
 * for the next convolution).  Checked: the first Reshape splits exactly
 * dim 1 into (g, c/g), the Transpose swaps exactly those two, the second
 * Reshape restores x's shape, and the values in between are read only by
 * the pattern and are no graph outputs. */
#include "runners/cpu/cpu_plan.h"

#include <string.h>

static const eb_node *next_op(const eb_plan *p, int v, eb_op op)
{
    int c = sole_consumer(p, v);
    return c >= 0 && p->g->nodes[c].op == op && single_output(&p->g->nodes[c]) ? &p->g->nodes[c] : NULL;
}

bool eb_cpu_fuse_shuffle(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *r1 = &p->g->nodes[ni];
    if (r1->op != EB_OP_RESHAPE || !single_output(r1))
        return false;
    int xv = r1->in[0], av = r1->out[0];
    const eb_tensor *x = &p->pv[xv].t, *a = &p->pv[av].t;
    if (p->pv[xv].is_const || eb_dtypes[x->dtype].size == 0 || eb_dtypes[x->dtype].block != 1 || x->rank < 2 || a->rank != x->rank + 1 || a->shape[0] != x->shape[0] ||
        a->shape[1] * a->shape[2] != x->shape[1] || a->shape[1] < 1 || a->shape[2] < 1)
        return false;
    for (int d = 2; d < x->rank; d++)
        if (a->shape[d + 1] != x->shape[d])
            return false;
    const eb_node *tr = next_op(p, av, EB_OP_TRANSPOSE);
    if (!tr || p->is_output[av])
        return false;
    const int64_t *perm = NULL;
    if (eb_attr_ints(tr, "perm", &perm) != a->rank)
        return false;
    for (int d = 0; d < a->rank; d++)
        if (perm[d] != (d == 1 ? 2 : d == 2 ? 1 : d))
            return false;
    const eb_node *r2 = next_op(p, tr->out[0], EB_OP_RESHAPE);
    if (!r2 || !eb_tensor_same_shape(&p->pv[r2->out[0]].t, x) || p->pv[r2->out[0]].t.dtype != x->dtype)
        return false;
    int yv = r2->out[0];
    bool nhwc = x->rank == 4 && p->pv[xv].layout == LAY_NHWC && !layout_neutral(x);
    int xin = nhwc ? xv : eb_cpu_want_layout(p, xv, LAY_NCHW, err);
    step *s = xin < 0 ? NULL : eb_cpu_new_step(p, ST_SHUFFLE, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = s->n_out = 1;
    s->in[0] = xin;
    s->out[0] = yv;
    s->shuffle.n = x->shape[0];
    s->shuffle.g = a->shape[1];
    s->shuffle.cg = a->shape[2];
    s->shuffle.inner = 1;
    for (int d = 2; d < x->rank; d++)
        s->shuffle.inner *= x->shape[d];
    s->shuffle.elem = eb_dtypes[x->dtype].size;
    s->shuffle.nhwc = nhwc;
    p->pv[yv].layout = nhwc ? LAY_NHWC : LAY_NCHW;
    fuse_node(p, (int)(tr - p->g->nodes));
    fuse_node(p, (int)(r2 - p->g->nodes));
    p->pv[av].fused = p->pv[tr->out[0]].fused = true;
    eb_cpu_note_fusion(p, "ChannelShuffle");
    return true;
}

typedef struct shuffle_ctx {
    const step *s;
    const char *x;
    char *y;
} shuffle_ctx;

/* NCHW: task = (n, j) of the output's (n, cg, g, inner): g blocks of inner.
 * NHWC: task = one pixel's channels. */
static void shuffle_range(void *arg, int64_t b, int64_t e)
{
    const shuffle_ctx *c = arg;
    int64_t g = c->s->shuffle.g, cg = c->s->shuffle.cg, inner = c->s->shuffle.inner;
    size_t el = c->s->shuffle.elem;
    for (int64_t t = b; t < e; t++) {
        if (c->s->shuffle.nhwc) {
            const char *x = c->x + (size_t)(t * g * cg) * el;
            char *y = c->y + (size_t)(t * g * cg) * el;
            if (el == sizeof(float) && g == 2) { /* shufflenet's: interleave two halves, vectorised */
                const float *x0 = (const float *)x, *x1 = x0 + cg;
                float *yf = (float *)y;
                for (int64_t j = 0; j < cg; j++) {
                    yf[2 * j] = x0[j];
                    yf[2 * j + 1] = x1[j];
                }
                continue;
            }
            if (el == sizeof(float)) { /* a typed copy, not a call per element */
                const float *xf = (const float *)x;
                float *yf = (float *)y;
                for (int64_t j = 0; j < cg; j++)
                    for (int64_t i = 0; i < g; i++)
                        yf[j * g + i] = xf[i * cg + j];
                continue;
            }
            for (int64_t j = 0; j < cg; j++)
                for (int64_t i = 0; i < g; i++)
                    memcpy(y + (size_t)(j * g + i) * el, x + (size_t)(i * cg + j) * el, el);
        } else {
            int64_t n = t / cg, j = t % cg;
            for (int64_t i = 0; i < g; i++)
                memcpy(c->y + (size_t)(((n * cg + j) * g + i) * inner) * el,
                       c->x + (size_t)(((n * g + i) * cg + j) * inner) * el, (size_t)inner * el);
        }
    }
}

eb_status eb_cpu_exec_shuffle(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    shuffle_ctx c = {s, p->pv[s->in[0]].t.data, p->pv[s->out[0]].t.data};
    int64_t tasks = s->shuffle.nhwc ? s->shuffle.n * s->shuffle.inner : s->shuffle.n * s->shuffle.cg;
    eb_cpu_parallel_for(p->tp, tasks, s->shuffle.nhwc ? 64 : 4, shuffle_range, &c);
    return EB_OK;
}
