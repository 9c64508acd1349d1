/* cpu_plan.h - the cpu runner's plan, private to runners/cpu: the buffers
 * (pval), the steps, struct eb_plan, the small helpers every planner uses,
 * and the functions the runner's files share (plan building in cpu_plan.c,
 * fusion in cpu_fuse.c, per-family planners in cpu_plan_<family>.c, memory
 * in cpu_arena.c, execution in cpu_exec.c, the interface in cpu_runner.c). */
#ifndef EB_CPU_PLAN_H
#define EB_CPU_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reference_kernels/ref_util.h"
#include "runners/cpu/attention_f32.h"
#include "runners/cpu/chain_f32.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/index_ops.h"
#include "runners/cpu/kernels.h"
#include "runners/cpu/plan_memory.h"
#include "runners/cpu/resample_f32.h"
#include "runners/fallback.h"
#include "runners/runner.h"

enum { ALIGN = 64 };

typedef enum lay { LAY_NCHW = 0, LAY_NHWC } lay;

/* A buffer of the plan: every graph value, plus layout copies. */
typedef struct pval {
    eb_tensor t;       /* dtype and logical (ONNX) shape; data set after planning */
    int gv;            /* graph value, -1 for a layout copy */
    lay layout;
    int twin;          /* the same value in the other layout, -1 */
    bool is_const;     /* data borrowed from the graph */
    bool decoded;      /* data is the plan's own f32 decode of a compressed weight */
    bool on_grid;      /* holds its int8 reader's input on that reader's grid
                        * (cpu_plan_quant.c): u8, or x_q - x_zero as f32 */
    bool fused;        /* computed inside another step, never stored */
    bool used;         /* read or written by some step */
    int alias;         /* shares the storage of this pval (view, in place), -1 */
    size_t alias_off;  /* ... from this many bytes into it (Slice/Split views), else 0 */
    int first, last;   /* lifetime in steps (roots only) */
    int item;          /* planner item (roots only), -1 */
} pval;

/* The kinds of step, one per row of cpu_steps.def. */
typedef enum step_kind {
#define EB_CPU_STEP(kind, name, exec, release, bytes, in_place) kind,
#include "runners/cpu/cpu_steps.def"
#undef EB_CPU_STEP
    ST_COUNT
} step_kind;

enum { MAX_STEP_IO = 64 }; /* densenet's Concats take up to 49 inputs */

typedef struct step {
    step_kind kind;
    int node;                     /* head graph node, -1 for a conversion */
    int n_in, n_out;
    int in[MAX_STEP_IO], out[MAX_STEP_IO]; /* pvals, -1 omitted (not ST_REF) */
    int *ref_in, *ref_out;        /* ST_REF: one per node input/output */
    int scratch_item;             /* -1 none */
    size_t scratch_bytes;
    bool runtime_w;               /* ST_CONV/ST_DWCONV/ST_GEMM: weights packed per run */
    eb_conv2d conv;
    eb_dwconv2d dw;
    eb_pool2d pool;
    eb_conv_i8 qconv;             /* ST_QCONV */
    eb_dwconv_i8 qdw;             /* ST_QDWCONV */
    eb_qgemm qgemm;               /* ST_QGEMM */
    struct {
        int m, n, k;
        bool trans_b;
        eb_packed_b *pb;          /* NULL: packed per run from in[1] */
        float *bias;              /* owned */
        eb_act act;
        float lo, hi;
    } gemm;
    struct {
        int64_t m, k, n, batches;
        eb_tensor yb;             /* output batch dims (shape only) */
        int64_t sa[EB_MAX_RANK], sb[EB_MAX_RANK];
    } mm;
    struct {
        int m;                    /* rows of X (pixels for a 1x1 conv) */
        eb_cweights w;            /* compressed weights, repacked (wgemm.h) */
        float *bias;              /* owned */
        eb_act act;
        float lo, hi;
    } wg;                         /* ST_WGEMM (cpu_plan_compressed.c) */
    struct eb_cpu_rnn *rnn;       /* ST_RNN (cpu_plan_rnn.c): packed weights and scratch, owned */
    eb_attention attn;            /* ST_ATTENTION (cpu_opt_attention.c) */
    eb_unary_params unary;
    struct {
        eb_op op;
        int rank;
        int64_t out[EB_MAX_RANK], a[EB_MAX_RANK], b[EB_MAX_RANK];
        eb_act act;
        float lo, hi;
    } bin;
    struct {
        int64_t rows, cols;
        bool log;
        float eps;
        eb_exp_sum_fn exp_sum;    /* softmax: the kernel picked for the plan's ISA */
    } rows;
    struct {
        int rank;
        int64_t shape[EB_MAX_RANK];
        int perm[EB_MAX_RANK];
    } tr;
    struct {
        int64_t outer, axis_dim, n_idx;
        size_t inner;             /* bytes per outer row of the whole (concat/split) or per index (gather) */
        size_t part[MAX_STEP_IO]; /* bytes per outer row of each piece (concat inputs, split outputs) */
    } mv;
    int act_fn;                   /* ST_ACT: an eb_cpu_act_fn (cpu_opt_act.c) */
    struct {
        int64_t n, c, hw, mid;    /* batch, channels, pixels, the squeezed width */
        float *w1, *b1, *w2, *b2; /* owned: mid x c, mid, c x mid, c */
        float *buf;               /* owned: the pooled c, the squeezed mid, the scales c */
        int act1;                 /* after the first 1x1: 0 none, 1 Relu, 2 SiLU */
        bool hard;                /* the gate is HardSigmoid(alpha, beta), else Sigmoid */
        float alpha, beta;
        bool nhwc;                /* x and y are NHWC */
    } se;                         /* ST_SE (cpu_opt_se.c) */
    struct {
        int64_t n, g, cg, inner;  /* (n, g, cg, inner) -> (n, cg, g, inner); NHWC: per
                                   * pixel (n * inner of them), channels (g, cg) -> (cg, g) */
        size_t elem;
        bool nhwc;
    } shuffle;                    /* ST_SHUFFLE (cpu_opt_shuffle.c) */
    struct eb_chain *chain;       /* ST_CHAIN (cpu_opt_chain.c): the ops, owned */
    eb_resize2d rs;               /* ST_RESIZE (cpu_plan_resample.c) */
    eb_deconv2d dc;               /* ST_DECONV (cpu_plan_resample.c) */
    eb_channel_affine aff;        /* ST_AFFINE (cpu_plan_norm.c) */
    eb_reduce red;                /* ST_REDUCE (cpu_plan_reduce.c) */
    eb_remap remap;               /* ST_REMAP: Slice, Pad, Expand, Tile (cpu_plan_slice.c) */
    struct {
        eb_op op;
        eb_dtype src, dst;        /* Cast; compare: src the operands'; Where: dst */
        eb_bcast bc;
    } lg;                         /* ST_CAST, ST_COMPARE, ST_WHERE (cpu_plan_logic.c) */
    eb_index_op ix;               /* ST_INDEX (cpu_plan_index.c) */
} step;

struct eb_plan {
    const eb_graph *g;
    int threads;
    eb_threadpool *tp;
    pval *pv;
    int n_pv, cap_pv;
    step *steps;
    int n_steps, cap_steps;
    /* per graph value: consumers among the nodes we run */
    int *cons_off, *cons;          /* CSR: consumers of v are cons[cons_off[v]..cons_off[v+1]) */
    bool *is_output;
    bool *node_done;               /* fused into an earlier step */
    int *fused_head;               /* for those: the head node of the step that executes it */
    int planning;                  /* the node build_steps is planning */
    eb_fallback fb;                /* nodes on the reference kernels (runners/fallback.h) */
    eb_mem_item *items;
    int n_items;
    void *arena;
    size_t arena_bytes, sum_bytes;
    eb_plan_info info;
    int max_io;                    /* the most inputs or outputs of a node */
    /* profile(): per step, the names and ops of the nodes it executes
     * (built on the first call) */
    eb_node_time *labels;
    eb_isa isa;                    /* the kernels' instruction set, decided in prepare */
    int opt;                       /* graph-optimizer level (eb_variant.opt): 0 none,
                                    * 1 basic (epilogues, BN folding, no-op removal),
                                    * 2 also the pattern fusions (cpu_opt.c) */
    struct {
        char name[32];             /* "LayerNorm", "Conv+Relu" */
        int count;
    } fusion[24];                  /* what the optimizer fused, by pattern, first seen first
                                    * (cpu_opt_record.c; eb_plan_info.fusions) */
    int n_fusion;
};

/* ---- small helpers ----------------------------------------------------------- */

static inline bool is_f32(const eb_tensor *t)
{
    return t && t->dtype == EB_DT_F32;
}

static inline int root_of(const eb_plan *p, int v)
{
    while (p->pv[v].alias >= 0)
        v = p->pv[v].alias;
    return v;
}

/* Where v's bytes start in its root's storage (views into part of it). */
static inline size_t offset_in_root(const eb_plan *p, int v)
{
    size_t off = 0;
    for (; p->pv[v].alias >= 0; v = p->pv[v].alias)
        off += p->pv[v].alias_off;
    return off;
}

/* 4-D values whose NCHW and NHWC layouts are the same memory. */
static inline bool layout_neutral(const eb_tensor *t)
{
    return t->rank != 4 || t->shape[1] == 1 || t->shape[2] * t->shape[3] == 1;
}

static inline int n_consumers(const eb_plan *p, int v)
{
    return p->cons_off[v + 1] - p->cons_off[v];
}

/* The one node that reads v, when v is read once and is not a graph output;
 * else -1. */
static inline int sole_consumer(const eb_plan *p, int v)
{
    if (v < 0 || p->is_output[v] || n_consumers(p, v) != 1)
        return -1;
    int c = p->cons[p->cons_off[v]];
    return p->node_done[c] ? -1 : c;
}

/* Node c is executed inside the step being planned (its epilogue, a
 * folded BatchNormalization): no step of its own. */
static inline void fuse_node(eb_plan *p, int c)
{
    p->node_done[c] = true;
    p->fused_head[c] = p->planning;
}

static inline const eb_tensor *const_tensor(const eb_plan *p, int v)
{
    return v >= 0 && p->pv[v].is_const ? &p->pv[v].t : NULL;
}

/* The value of v when it is a constant f32 scalar (one element). */
static inline bool const_scalar(const eb_plan *p, int v, float *out)
{
    const eb_tensor *t = const_tensor(p, v);
    if (!is_f32(t) || eb_tensor_numel(t) != 1)
        return false;
    *out = *(const float *)t->data;
    return true;
}

static inline int input_of(const eb_node *n, int k)
{
    return k < n->n_in ? n->in[k] : -1;
}

/* The node's outputs past the first are all omitted. */
static inline bool single_output(const eb_node *n)
{
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return false;
    return true;
}

typedef struct epi {
    int cout;
    int axis;           /* the output dim the bias runs along */
    float *bias;        /* cout values, owned, NULL until needed */
    float *scale;       /* conv only: per output channel (BN), NULL when none */
    bool allow_bn;
    bool act_only;      /* fuse an activation only (after a requantizing layer) */
    eb_act act;
    float lo, hi;
} epi;

/* Applies the activation of e to a plain activation field set. */
#define SET_ACT(dst, e)                                                                            \
    do {                                                                                           \
        (dst).act = (e).act;                                                                       \
        (dst).lo = (e).lo;                                                                         \
        (dst).hi = (e).hi;                                                                         \
    } while (0)

/* A row of cpu_steps.def: what the runner does with a step of that kind. */
typedef struct eb_cpu_step_kind {
    const char *name;
    eb_status (*exec)(eb_plan *p, const step *s, eb_err *err);
    void (*release)(step *s);         /* NULL: owns nothing */
    size_t (*bytes)(const step *s);   /* NULL: no weights of its own */
    int in_place;                     /* inputs it may overwrite when they die there */
} eb_cpu_step_kind;

/* cpu_steps.c: indexed by step_kind */
extern const eb_cpu_step_kind eb_cpu_steps[ST_COUNT];

/* ---- shared between the runner's files ----------------------------------------- */

/* cpu_plan.c */
eb_status eb_cpu_grow(void **arr, int *cap, int need, size_t elem, eb_err *err);
step *eb_cpu_new_step(eb_plan *p, step_kind kind, int node, eb_err *err);
int eb_cpu_want_layout(eb_plan *p, int v, lay want, eb_err *err);
step *eb_cpu_one_in_one_out(eb_plan *p, step_kind kind, int ni, int xv, lay want, int yv, eb_status *st,
                            eb_err *err);
bool eb_cpu_attr_ints2(const eb_node *n, const char *name, int count, int64_t def, int64_t *v);
bool eb_cpu_window_of(const eb_node *n, const eb_tensor *x, const eb_tensor *y, int kh, int kw, eb_win2d *w);
eb_status eb_cpu_plan_ref(eb_plan *p, int ni, eb_err *err);
eb_status eb_cpu_build_consumers(eb_plan *p, eb_err *err);
eb_status eb_cpu_build_steps(eb_plan *p, eb_err *err);

/* cpu_fuse.c */
eb_status eb_cpu_epi_bias(epi *e, eb_err *err);
bool eb_cpu_per_axis_const(const eb_tensor *c, const eb_tensor *y, int axis);
int eb_cpu_fuse_epilogue(eb_plan *p, int v, epi *e, eb_err *err, eb_status *st);

/* the planners (cpu_plan_<family>.c): true when a fast step was added */
bool eb_cpu_plan_conv(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_conv_padded(eb_plan *p, int ni, int xv, const int pads[4], eb_status *st, eb_err *err);
bool eb_cpu_plan_gemm(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_matmul_batched(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_pool(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_gpool(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_unary(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* cpu_plan_eltwise.c: the parameters of a unary node eb_unary_f32 takes
 * (attributes, Clip's constant bounds); false when it cannot */
bool eb_cpu_unary_params(const eb_plan *p, const eb_node *n, eb_unary_params *up);
bool eb_cpu_plan_binary(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_softmax(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_layernorm(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* cpu_plan_eltwise.c: the ST_LAYERNORM step (node ni its head), shared by
 * LayerNormalization's planner and the decomposed pattern (cpu_opt_layernorm.c):
 * x's dims axis.. normalised with eps, times gamma, plus beta (-1: none),
 * into y.  False without a step: a parameter is not one value per element
 * of the tail (eb_cpu_layernorm_param; st untouched), or out of memory
 * (st EB_ENOMEM). */
typedef struct eb_cpu_layernorm {
    int x, gamma, beta, y; /* pvals */
    int axis;
    float eps;
} eb_cpu_layernorm;
bool eb_cpu_layernorm_param(const eb_tensor *t, const eb_tensor *x, int axis);
bool eb_cpu_layernorm_step(eb_plan *p, int ni, const eb_cpu_layernorm *ln, eb_status *st, eb_err *err);
bool eb_cpu_plan_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_view(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_concat_split(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_gather(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* LSTM, GRU, RNN (cpu_plan_rnn.c): the planner and ST_RNN's functions */
bool eb_cpu_plan_rnn(eb_plan *p, int ni, eb_status *st, eb_err *err);
eb_status eb_cpu_exec_rnn(eb_plan *p, const step *s, eb_err *err);
void eb_cpu_release_rnn(step *s);
size_t eb_cpu_bytes_rnn(const step *s);
/* cpu_plan_resample.c */
bool eb_cpu_plan_resize(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_conv_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* cpuops: BatchNormalization as a per-channel pass, Reduce*, Slice, Pad,
 * Split views, Pow by a constant */
bool eb_cpu_plan_batchnorm(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_reduce(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_slice(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_pad(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_split_view(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_pow(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_expand_tile(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_cast(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_compare(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_where(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* Einsum of two operands as a batched matrix product (cpu_plan_einsum.c) */
bool eb_cpu_plan_einsum(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* Trilu, CumSum, the element/ND gathers and scatters, TopK (cpu_plan_index.c) */
bool eb_cpu_plan_index(eb_plan *p, int ni, eb_status *st, eb_err *err);
eb_status eb_cpu_exec_index(eb_plan *p, const step *s, eb_err *err);
/* quantized nodes (cpu_plan_quant.c) */
bool eb_cpu_plan_qconv(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_qgemm(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* cpu_plan_compressed.c: products on compressed weights, and whether it
 * takes node ni (decode_weights keeps those weights compressed) */
bool eb_cpu_plan_compressed(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_compressed_takes(const eb_plan *p, int ni);

/* The graph optimizer (cpu_opt*.c).  cpu_opt_record.c: a fusion the plan
 * made, counted under its pattern's name, and the counts as text. */
void eb_cpu_note_fusion(eb_plan *p, const char *pattern);
void eb_cpu_describe_fusions(const eb_plan *p, char *buf, size_t n);
/* cpu_opt_concat.c: at opt >= 1, the pieces of the Concat step cs (node ni,
 * the last step planned) that their producers can write into its output's
 * slices become views of it, and leave the copy (the step goes when none
 * is left) */
void eb_cpu_concat_slices(eb_plan *p, int ni, step *cs);
/* cpu_opt.c: at opt=2, the pattern fusions that start at node ni (tried
 * before the op's planners); true when one added a step */
bool eb_cpu_plan_patterns(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* the patterns, one file each (cpu_opt_<pattern>.c) */
bool eb_cpu_fuse_layernorm(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_fuse_act(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_fuse_se(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_fuse_shuffle(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_fuse_chain(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_fuse_attention(eb_plan *p, int ni, eb_status *st, eb_err *err);
eb_status eb_cpu_exec_attention(eb_plan *p, const step *s, eb_err *err);
/* cpu_opt_act.c: the activation value v's consumers compute, when they are
 * a closed elementwise cluster that one of eb_cpu_act_fn computes (for an
 * epilogue); fuses them and returns the cluster's output, else -1 */
typedef enum eb_cpu_act_fn {
    EB_CPU_ACT_GELU_ERF = 0,
    EB_CPU_ACT_GELU_TANH,
    EB_CPU_ACT_SILU,
    EB_CPU_ACT_HARD_SWISH,
    EB_CPU_ACT_FN_COUNT
} eb_cpu_act_fn;
int eb_cpu_fuse_act_epilogue(eb_plan *p, int v, eb_cpu_act_fn want);
/* planners at opt >= 1 / 2 listed before the op's own (cpu_opt_noop.c,
 * cpu_opt_pow.c) */
bool eb_cpu_plan_cast_noop(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cpu_plan_pow_const(eb_plan *p, int ni, eb_status *st, eb_err *err);
/* the optimizer's step kinds' functions (cpu_steps.def rows) */
eb_status eb_cpu_exec_act(eb_plan *p, const step *s, eb_err *err);
eb_status eb_cpu_exec_se(eb_plan *p, const step *s, eb_err *err);
void eb_cpu_release_se(step *s);
size_t eb_cpu_bytes_se(const step *s);
eb_status eb_cpu_exec_shuffle(eb_plan *p, const step *s, eb_err *err);
eb_status eb_cpu_exec_chain(eb_plan *p, const step *s, eb_err *err);
void eb_cpu_release_chain(step *s);

/* cpu_arena.c */
eb_status eb_cpu_arena_place(eb_plan *p, eb_err *err);
void eb_cpu_weight_bytes(eb_plan *p);
void eb_cpu_dump_plan(const eb_plan *p);

/* cpu_exec.c: one inference; with times (profile()), each step is timed
 * into times[si].ms */
eb_status eb_cpu_run_steps(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, eb_err *err);
eb_status eb_cpu_build_labels(eb_plan *p, eb_err *err);

#endif
