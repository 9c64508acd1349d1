/* cpu_plan_norm.c - the cpu runner's planner for a BatchNormalization that
 * no Conv or Gemm has folded (cpu_fuse.c folds those into the weights):
 * one per-channel pass y = act(x * scale[c] + shift[c]) (affine_f32.c),
 * in the layout x is stored in, with what follows it fused in the same
 * pass by the epilogue fusion (a Relu or Clip, a constant per-channel Add,
 * another BatchNormalization): densenet's pre-activation BN+ReLU after
 * each Concat. */
#include "models/op_params.h"
#include "runners/cpu/cpu_plan.h"

#include <math.h>
#include <stdlib.h>

bool eb_cpu_plan_batchnorm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || !single_output(n) || n->n_in != 5 || x->rank < 2 ||
        eb_attr_int(n, "training_mode", 0) != 0 || p->pv[xv].is_const)
        return false;
    int64_t c = x->shape[1];
    const eb_tensor *prm[4];
    for (int k = 0; k < 4; k++) {
        prm[k] = const_tensor(p, n->in[k + 1]);
        if (!is_f32(prm[k]) || eb_tensor_numel(prm[k]) != c || eb_bn_per_activation(x, prm[k]))
            return false;
    }
    lay l = p->pv[xv].layout == LAY_NHWC && x->rank == 4 && !layout_neutral(x) ? LAY_NHWC : LAY_NCHW;
    int xin = eb_cpu_want_layout(p, xv, l, err);
    epi e = {.cout = (int)c, .axis = 1, .allow_bn = true};
    e.scale = malloc(sizeof(float) * (size_t)c);
    e.bias = malloc(sizeof(float) * (size_t)c);
    if (xin < 0 || !e.scale || !e.bias) {
        free(e.scale);
        free(e.bias);
        *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
        return false;
    }
    double eps = eb_attr_float(n, "epsilon", 1e-5f);
    const float *gm = prm[0]->data, *bt = prm[1]->data, *mean = prm[2]->data, *var = prm[3]->data;
    for (int64_t i = 0; i < c; i++) {
        double s = gm[i] / sqrt((double)var[i] + eps);
        e.scale[i] = (float)s;
        e.bias[i] = (float)(bt[i] - mean[i] * s);
    }
    /* a following Relu, Clip, per-channel Add or BatchNorm joins the pass (recorded there) */
    int out = eb_cpu_fuse_epilogue(p, yv, &e, err, st);
    step *s = *st != EB_OK ? NULL : eb_cpu_new_step(p, ST_AFFINE, ni, err);
    if (!s) {
        free(e.scale);
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = s->n_out = 1;
    s->in[0] = xin;
    s->out[0] = out;
    int64_t inner = 1;
    for (int d = 2; d < x->rank; d++)
        inner *= x->shape[d];
    s->aff = (eb_channel_affine){.outer = l == LAY_NHWC ? x->shape[0] * inner : x->shape[0],
                                 .c = c,
                                 .inner = l == LAY_NHWC ? 1 : inner,
                                 .scale = e.scale,
                                 .shift = e.bias};
    SET_ACT(s->aff, e);
    s->aff.rows = eb_kernel_pick(EB_KERNEL_AFFINE, p->isa)->fn.affine;
    p->pv[out].layout = l;
    return true;
}
