/* cpu_opt.c - the cpu runner's graph optimizer, its levels and its pattern
 * fusions' entry point.
 *
 * Levels (eb_variant.opt, `cpu:opt=N`), as ONNX Runtime has them:
 *  0  none: every node is its own step (views stay views: a view is the
 *     node's own step, with no copy); BatchNormalization is not folded,
 *     no epilogue is fused;
 *  1  basic: Cast to the same type is a view (cpu_opt_noop.c, as Identity
 *     and Dropout are); BatchNormalization folds into the preceding Conv
 *     or Gemm; a constant bias Add and Relu/Clip/Gelu (and PyTorch's
 *     Div-Erf-Add-Mul-Mul GELU) become the product's epilogue, MatMul+Add
 *     a GEMM with a bias (cpu_fuse.c);
 *  2  (default) also the pattern fusions below, each in its own file and
 *     each matched on the graph's structure with its constants checked:
 *     decomposed LayerNorm (cpu_opt_layernorm.c), GELU (tanh and erf
 *     forms), SiLU and HardSwish written out in elementwise ops
 *     (cpu_opt_act.c), squeeze-and-excitation (cpu_opt_se.c), channel
 *     shuffle (cpu_opt_shuffle.c), attention: MatMul, scale, mask, Softmax,
 *     MatMul as one step (cpu_opt_attention.c), Pow by 2 or 0.5
 *     (cpu_opt_pow.c), and
 *     last, chains of elementwise ops as one pass over memory
 *     (cpu_opt_chain.c).
 * Every fusion is counted in the plan's record (cpu_opt_record.c). */
#include "runners/cpu/cpu_plan.h"

typedef bool (*pattern_fn)(eb_plan *p, int ni, eb_status *st, eb_err *err);

/* tried in order at each node; the first that adds a step wins */
static const pattern_fn PATTERNS[] = {eb_cpu_fuse_layernorm, eb_cpu_fuse_se, eb_cpu_fuse_shuffle, eb_cpu_fuse_attention,
                                      eb_cpu_fuse_act,
                                      eb_cpu_fuse_chain};

bool eb_cpu_plan_patterns(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    if (p->opt < 2 || p->g->nodes[ni].quant)
        return false;
    for (size_t k = 0; k < sizeof PATTERNS / sizeof PATTERNS[0]; k++) {
        bool done = PATTERNS[k](p, ni, st, err);
        if (done || *st != EB_OK)
            return done;
    }
    return false;
}
