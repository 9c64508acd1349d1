/* cpu_opt_se.c - squeeze-and-excitation as one step (ST_SE) at opt=2, as
 * torchvision exports it (efficientnet, mobilenet_v3, regnet):
 *
 *   p = GlobalAveragePool(x)             (n, c, 1, 1)
 *   h = act(Conv1x1(p, W1, B1))          act: none, Relu, or SiLU written
 *                                        as Mul(h, Sigmoid(h))
 *   s = Sigmoid | HardSigmoid(Conv1x1(h, W2, B2))
 *   y = Mul(x, s)                        (either operand order)
 *
 * Checked: both convolutions are 1x1, stride 1, no padding, group 1, with
 * constant f32 weights (and biases); the values in between are read only
 * by the pattern and are no graph outputs; y has x's shape.  The step
 * pools, runs the two tiny products and scales x in x's own layout: on an
 * NHWC activation the broadcast Mul no longer needs x in NCHW and its
 * result converted back for the next convolution. */
#include "runners/cpu/cpu_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const eb_node *next_op(const eb_plan *p, int v, eb_op op)
{
    int c = sole_consumer(p, v);
    return c >= 0 && p->g->nodes[c].op == op && single_output(&p->g->nodes[c]) ? &p->g->nodes[c] : NULL;
}

/* A 1x1 convolution of (n, cin, 1, 1) into cout channels with constant
 * weights: W (cout x cin) and B (cout, NULL when absent) borrowed. */
static bool conv1x1(const eb_plan *p, const eb_node *n, int64_t cin, int64_t *cout, const float **w, const float **b)
{
    if (!n || n->op != EB_OP_CONV || eb_attr_int(n, "group", 1) != 1)
        return false;
    const eb_tensor *wt = const_tensor(p, n->in[1]), *bt = const_tensor(p, input_of(n, 2));
    if (!is_f32(wt) || wt->rank != 4 || wt->shape[1] != cin || wt->shape[2] != 1 || wt->shape[3] != 1)
        return false;
    *cout = wt->shape[0];
    if (input_of(n, 2) >= 0 && (!is_f32(bt) || eb_tensor_numel(bt) != *cout))
        return false;
    const int64_t *v;
    int k = eb_attr_ints(n, "pads", &v);
    for (int i = 0; i < k; i++)
        if (v[i] != 0)
            return false;
    k = eb_attr_ints(n, "strides", &v);
    for (int i = 0; i < k; i++)
        if (v[i] != 1)
            return false;
    if (strcmp(eb_attr_string(n, "auto_pad", "NOTSET"), "NOTSET") != 0 &&
        strcmp(eb_attr_string(n, "auto_pad", "NOTSET"), "VALID") != 0)
        return false;
    *w = wt->data;
    *b = bt ? bt->data : NULL;
    return true;
}

static float *dup_or_zero(const float *src, int64_t n)
{
    float *d = calloc((size_t)n, sizeof(float));
    if (d && src)
        memcpy(d, src, sizeof(float) * (size_t)n);
    return d;
}

bool eb_cpu_fuse_se(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_graph *g = p->g;
    const eb_node *gp = &g->nodes[ni];
    if (gp->op != EB_OP_GLOBAL_AVG_POOL || !single_output(gp))
        return false;
    int xv = gp->in[0], pv = gp->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || x->rank != 4 || p->pv[xv].is_const || p->is_output[pv])
        return false;
    int64_t n = x->shape[0], c = x->shape[1], hw = x->shape[2] * x->shape[3], mid, c2;
    const float *w1, *b1, *w2, *b2;
    const eb_node *cv1 = next_op(p, pv, EB_OP_CONV);
    if (!cv1 || cv1->in[0] != pv || !conv1x1(p, cv1, c, &mid, &w1, &b1))
        return false;
    /* the activation after the first 1x1 */
    int hv = cv1->out[0], act = 0;
    const eb_node *fused[3] = {NULL, NULL, NULL};
    int n_fused = 0;
    const eb_node *cv2 = next_op(p, hv, EB_OP_CONV);
    if (!cv2) {
        const eb_node *r = next_op(p, hv, EB_OP_RELU);
        if (r) {
            act = 1;
            fused[n_fused++] = r;
            hv = r->out[0];
        } else if (!p->is_output[hv] && n_consumers(p, hv) == 2) { /* SiLU: Mul(h, Sigmoid(h)) */
            const eb_node *sg = NULL, *ml = NULL;
            for (int i = p->cons_off[hv]; i < p->cons_off[hv + 1]; i++) {
                const eb_node *q = &g->nodes[p->cons[i]];
                if (q->op == EB_OP_SIGMOID && !sg)
                    sg = q;
                else if (q->op == EB_OP_MUL && !ml)
                    ml = q;
            }
            if (!sg || !ml || p->is_output[sg->out[0]] || n_consumers(p, sg->out[0]) != 1 ||
                !((ml->in[0] == hv && ml->in[1] == sg->out[0]) || (ml->in[1] == hv && ml->in[0] == sg->out[0])))
                return false;
            act = 2;
            fused[n_fused++] = sg;
            fused[n_fused++] = ml;
            hv = ml->out[0];
        } else {
            return false;
        }
        cv2 = next_op(p, hv, EB_OP_CONV);
    }
    if (!cv2 || cv2->in[0] != hv || !conv1x1(p, cv2, mid, &c2, &w2, &b2) || c2 != c)
        return false;
    int sv = cv2->out[0];
    const eb_node *gate = next_op(p, sv, EB_OP_SIGMOID);
    if (!gate)
        gate = next_op(p, sv, EB_OP_HARD_SIGMOID);
    if (!gate)
        return false;
    const eb_node *mul = next_op(p, gate->out[0], EB_OP_MUL);
    if (!mul || !((mul->in[0] == xv && mul->in[1] == gate->out[0]) || (mul->in[1] == xv && mul->in[0] == gate->out[0])))
        return false;
    int yv = mul->out[0];
    if (!is_f32(&p->pv[yv].t) || !eb_tensor_same_shape(&p->pv[yv].t, x))
        return false;

    step *s = eb_cpu_new_step(p, ST_SE, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->se.n = n;
    s->se.c = c;
    s->se.hw = hw;
    s->se.mid = mid;
    s->se.w1 = dup_or_zero(w1, mid * c);
    s->se.b1 = dup_or_zero(b1, mid);
    s->se.w2 = dup_or_zero(w2, c * mid);
    s->se.b2 = dup_or_zero(b2, c);
    s->se.buf = calloc((size_t)(2 * c + mid), sizeof(float));
    if (!s->se.w1 || !s->se.b1 || !s->se.w2 || !s->se.b2 || !s->se.buf) {
        *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
        return false; /* the step is released with the plan */
    }
    s->se.act1 = act;
    s->se.hard = gate->op == EB_OP_HARD_SIGMOID;
    s->se.alpha = eb_attr_float(gate, "alpha", 0.2f);
    s->se.beta = eb_attr_float(gate, "beta", 0.5f);
    s->se.nhwc = p->pv[xv].layout == LAY_NHWC && !layout_neutral(x);
    s->n_in = s->n_out = 1;
    s->in[0] = xv; /* in its own layout */
    s->out[0] = yv;
    p->pv[yv].layout = s->se.nhwc ? LAY_NHWC : LAY_NCHW;
    fused[n_fused++] = cv1;
    const eb_node *rest[] = {cv2, gate, mul};
    p->pv[pv].fused = true;
    for (int k = 0; k < n_fused; k++) {
        fuse_node(p, (int)(fused[k] - g->nodes));
        p->pv[fused[k]->out[0]].fused = true;
    }
    for (int k = 0; k < 3; k++) {
        fuse_node(p, (int)(rest[k] - g->nodes));
        if (rest[k]->out[0] != yv)
            p->pv[rest[k]->out[0]].fused = true;
    }
    eb_cpu_note_fusion(p, "SqueezeExcite");
    return true;
}

void eb_cpu_release_se(step *s)
{
    free(s->se.w1);
    free(s->se.b1);
    free(s->se.w2);
    free(s->se.b2);
    free(s->se.buf);
}

size_t eb_cpu_bytes_se(const step *s)
{
    return sizeof(float) * (size_t)(2 * s->se.mid * s->se.c + s->se.mid + s->se.c);
}

typedef struct se_ctx {
    const step *s;
    const float *x;
    float *y;
    float *pooled;
    const float *scale;
} se_ctx;

/* pooled[ch] for channels [b, e) of one image */
static void pool_range(void *arg, int64_t b, int64_t e)
{
    const se_ctx *c = arg;
    int64_t C = c->s->se.c, hw = c->s->se.hw;
    for (int64_t ch = b; ch < e; ch++) {
        double sum = 0;
        if (c->s->se.nhwc)
            for (int64_t i = 0; i < hw; i++)
                sum += c->x[i * C + ch];
        else
            for (int64_t i = 0; i < hw; i++)
                sum += c->x[ch * hw + i];
        c->pooled[ch] = (float)(sum / (double)hw);
    }
}

/* y = x * scale for rows [b, e) of one image (pixels NHWC, channels NCHW) */
static void scale_range(void *arg, int64_t b, int64_t e)
{
    const se_ctx *c = arg;
    int64_t C = c->s->se.c, hw = c->s->se.hw;
    for (int64_t r = b; r < e; r++) {
        if (c->s->se.nhwc) {
            const float *x = c->x + r * C;
            float *y = c->y + r * C;
            for (int64_t ch = 0; ch < C; ch++)
                y[ch] = x[ch] * c->scale[ch];
        } else {
            const float *x = c->x + r * hw;
            float *y = c->y + r * hw;
            float k = c->scale[r];
            for (int64_t i = 0; i < hw; i++)
                y[i] = x[i] * k;
        }
    }
}

eb_status eb_cpu_exec_se(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    int64_t C = s->se.c, mid = s->se.mid, hw = s->se.hw;
    float *pooled = s->se.buf, *h = pooled + C, *scale = h + mid;
    for (int64_t im = 0; im < s->se.n; im++) {
        se_ctx c = {s, (const float *)p->pv[s->in[0]].t.data + im * C * hw, (float *)p->pv[s->out[0]].t.data + im * C * hw,
                    pooled, scale};
        eb_cpu_parallel_for(p->tp, C, 16, pool_range, &c);
        for (int64_t j = 0; j < mid; j++) {
            const float *w = s->se.w1 + j * C;
            float v = s->se.b1[j];
            for (int64_t k = 0; k < C; k++)
                v += w[k] * pooled[k];
            if (s->se.act1 == 1)
                v = v < 0.0f ? 0.0f : v;
            else if (s->se.act1 == 2)
                v = v / (1.0f + expf(-v));
            h[j] = v;
        }
        for (int64_t k = 0; k < C; k++) {
            const float *w = s->se.w2 + k * mid;
            float v = s->se.b2[k];
            for (int64_t j = 0; j < mid; j++)
                v += w[j] * h[j];
            if (s->se.hard) {
                v = s->se.alpha * v + s->se.beta;
                scale[k] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            } else {
                scale[k] = 1.0f / (1.0f + expf(-v));
            }
        }
        eb_cpu_parallel_for(p->tp, s->se.nhwc ? hw : C, s->se.nhwc ? 16 : 4, scale_range, &c);
    }
    return EB_OK;
}
