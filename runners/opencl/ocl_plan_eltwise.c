/* ocl_plan_eltwise.c - lowering of the elementwise ops onto eltwise.cl:
 * the broadcasting binary ops (Add, Sub, Mul, Div, Pow, PRelu, and Max,
 * Min, Sum, Mean of two inputs), the comparisons of f32 and the logical
 * ops of bools, the f32 unary activations and math, Not, and Where.  Other
 * dtypes (integer arithmetic), and Clip bounds that are not constants, go
 * to the fallback. */
#include <stdio.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "models/op_params.h"
#include "runners/opencl/ocl_plan.h"

/* eltwise.cl's eb_binop codes */
enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_POW, BIN_MAX, BIN_MIN, BIN_MEAN, BIN_PRELU };

/* eltwise.cl's eb_compare / eb_logic codes */
enum { CMP_EQUAL, CMP_LESS, CMP_LESS_EQUAL, CMP_GREATER, CMP_GREATER_EQUAL, LOGIC_AND, LOGIC_OR, LOGIC_XOR };

/* eltwise.cl's eb_unop codes */
enum {
    UN_RELU, UN_LEAKY_RELU, UN_CLIP, UN_SIGMOID, UN_HARD_SIGMOID, UN_HARD_SWISH, UN_TANH, UN_ERF, UN_GELU,
    UN_GELU_TANH, UN_SQRT, UN_NEG, UN_ABS, UN_EXP, UN_LOG, UN_RECIPROCAL, UN_FLOOR, UN_CEIL, UN_ROUND, UN_SIGN,
    UN_SIN, UN_COS, UN_SOFTPLUS, UN_ELU, UN_SELU, UN_SOFTSIGN, UN_CELU, UN_THRESHOLDED_RELU,
};

static bool is_type(const eb_plan *p, int v, eb_dtype dt)
{
    return v >= 0 && p->g->values[v].shape_known && eb_ocl_value(p, v)->dtype == dt;
}

static bool is_f32(const eb_plan *p, int v)
{
    return is_type(p, v, EB_DT_F32);
}

/* A constant scalar's value (Clip's bounds), false when it is not one. */
static bool const_scalar(const eb_plan *p, int v, float *out)
{
    const float *d = eb_ocl_const_data(p, v);
    if (!d || eb_ocl_value(p, v)->dtype != EB_DT_F32 || eb_tensor_numel(eb_ocl_value(p, v)) != 1)
        return false;
    *out = d[0];
    return true;
}

/* The unary op code and its parameters of node n; false when the op has
 * no kernel here.  Clip's bounds must be constants. */
bool eb_ocl_unary_code(const eb_plan *p, const eb_node *n, int *op, float *p0, float *p1)
{
    *p0 = 0, *p1 = 0;
    switch (n->op) {
    case EB_OP_RELU: *op = UN_RELU; return true;
    case EB_OP_LEAKY_RELU: *op = UN_LEAKY_RELU, *p0 = eb_attr_float(n, "alpha", 0.01f); return true;
    case EB_OP_CLIP:
        *op = UN_CLIP;
        if (n->opset < 11) {
            *p0 = eb_attr_float(n, "min", -FLT_MAX), *p1 = eb_attr_float(n, "max", FLT_MAX);
            return true;
        }
        *p0 = -INFINITY, *p1 = INFINITY;
        if (n->n_in > 1 && n->in[1] >= 0 && !const_scalar(p, n->in[1], p0))
            return false;
        if (n->n_in > 2 && n->in[2] >= 0 && !const_scalar(p, n->in[2], p1))
            return false;
        return true;
    case EB_OP_SIGMOID: *op = UN_SIGMOID; return true;
    case EB_OP_HARD_SIGMOID:
        *op = UN_HARD_SIGMOID, *p0 = eb_attr_float(n, "alpha", 0.2f), *p1 = eb_attr_float(n, "beta", 0.5f);
        return true;
    case EB_OP_HARD_SWISH: *op = UN_HARD_SWISH; return true;
    case EB_OP_TANH: *op = UN_TANH; return true;
    case EB_OP_ERF: *op = UN_ERF; return true;
    case EB_OP_GELU:
        *op = strcmp(eb_attr_string(n, "approximate", "none"), "tanh") == 0 ? UN_GELU_TANH : UN_GELU;
        return true;
    case EB_OP_SQRT: *op = UN_SQRT; return true;
    case EB_OP_NEG: *op = UN_NEG; return true;
    case EB_OP_ABS: *op = UN_ABS; return true;
    case EB_OP_EXP: *op = UN_EXP; return true;
    case EB_OP_LOG: *op = UN_LOG; return true;
    case EB_OP_RECIPROCAL: *op = UN_RECIPROCAL; return true;
    case EB_OP_FLOOR: *op = UN_FLOOR; return true;
    case EB_OP_CEIL: *op = UN_CEIL; return true;
    case EB_OP_ROUND: *op = UN_ROUND; return true;
    case EB_OP_SIGN: *op = UN_SIGN; return true;
    case EB_OP_SIN: *op = UN_SIN; return true;
    case EB_OP_COS: *op = UN_COS; return true;
    case EB_OP_SOFTPLUS: *op = UN_SOFTPLUS; return true;
    case EB_OP_ELU: *op = UN_ELU, *p0 = eb_attr_float(n, "alpha", 1.0f); return true;
    case EB_OP_SELU:
        *op = UN_SELU, *p0 = eb_attr_float(n, "alpha", 1.67326319217681884765625f);
        *p1 = eb_attr_float(n, "gamma", 1.05070102214813232421875f);
        return true;
    case EB_OP_SOFTSIGN: *op = UN_SOFTSIGN; return true;
    case EB_OP_CELU: *op = UN_CELU, *p0 = eb_attr_float(n, "alpha", 1.0f); return true;
    case EB_OP_THRESHOLDED_RELU: *op = UN_THRESHOLDED_RELU, *p0 = eb_attr_float(n, "alpha", 1.0f); return true;
    default: return false;
    }
}

/* The unary op fused after an eltwise.cl kernel: none is op -1. */
typedef struct post_op {
    int op;
    float q0, q1;
} post_op;

/* The node whose unary op node's kernel applies after its own (its output
 * is then the step's), or node itself when none fuses. */
static int next_post(eb_plan *p, int node, post_op *post)
{
    int j = eb_ocl_next_unary(p, node, &post->op, &post->q0, &post->q1);
    if (j < 0) {
        post->op = -1, post->q0 = post->q1 = 0;
        return node;
    }
    return j;
}

static void post_args(eb_ocl_args *a, const post_op *post)
{
    eb_ocl_arg_int(a, post->op);
    eb_ocl_arg_float(a, post->q0);
    eb_ocl_arg_float(a, post->q1);
}

static eb_ocl_lower lower_unary(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    int op;
    float p0, p1;
    if (!eb_ocl_unary_code(p, n, &op, &p0, &p1) || !is_f32(p, n->in[0]) || !is_f32(p, n->out[0]))
        return EB_OCL_NO_KERNEL;
    int64_t count = eb_tensor_numel(eb_ocl_value(p, n->out[0]));
    if (count > INT32_MAX)
        return EB_OCL_NO_KERNEL;
    post_op post;
    int last = next_post(p, node, &post);
    eb_ocl_view x, y;
    if (eb_ocl_value_view(p, n->in[0], &x, err) != EB_OK ||
        eb_ocl_value_view(p, p->g->nodes[last].out[0], &y, err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s = eb_ocl_add_step(p, node, last, err);
    eb_ocl_args a;
    if (!s || (count && eb_ocl_launch_1d(p, &s->step, "eb_unary", (size_t)count, &a, err) != EB_OK))
        return EB_OCL_FAILED;
    eb_ocl_fused(p, node, last);
    snprintf(s->step.method, sizeof s->step.method, "unary");
    if (!count)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&a, x.mem);
    eb_ocl_arg_mem(&a, y.mem);
    eb_ocl_arg_int(&a, (int)count);
    eb_ocl_arg_int(&a, op);
    eb_ocl_arg_float(&a, p0);
    eb_ocl_arg_float(&a, p1);
    post_args(&a, &post);
    return eb_ocl_args_check(&a, "eb_unary", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

/* Strides of each operand against output y (numpy broadcasting); the
 * dims coalesced.  False when something does not fit the kernel's ints. */
static bool broadcast_args(const eb_tensor *y, const eb_tensor *const *ops, int n_ops, int *rank, int dims[8],
                           int st[3][8])
{
    int64_t d[EB_MAX_RANK], s[3][EB_MAX_RANK];
    for (int k = 0; k < y->rank; k++)
        d[k] = y->shape[k];
    for (int i = 0; i < n_ops; i++) {
        if (ops[i]->rank > y->rank)
            return false;
        eb_ocl_strides(ops[i], y->rank, true, s[i]);
    }
    int r = eb_ocl_coalesce(y->rank, d, n_ops, s);
    if (r > 8 || !eb_ocl_to_int8(r, d, dims))
        return false;
    for (int i = 0; i < n_ops; i++)
        if (!eb_ocl_to_int8(r, s[i], st[i]))
            return false;
    *rank = r;
    return true;
}

/* A broadcasting two-input op: `kernel` (eb_binary, eb_compare, eb_logic)
 * with op code op, inputs of dtype in, output of dtype out. */
static eb_ocl_lower lower_binary(eb_plan *p, int node, const char *kernel, int op, eb_dtype in, eb_dtype out,
                                 eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (n->n_in != 2 || !is_type(p, n->in[0], in) || !is_type(p, n->in[1], in) || !is_type(p, n->out[0], out))
        return EB_OCL_NO_KERNEL;
    const eb_tensor *a = eb_ocl_value(p, n->in[0]), *b = eb_ocl_value(p, n->in[1]), *y = eb_ocl_value(p, n->out[0]);
    eb_tensor view;
    const eb_tensor *bv = b;
    eb_err ignore;
    if (n->op == EB_OP_PRELU) {
        if (eb_prelu_slope_view(n, a, b, &view, &ignore) != EB_OK)
            return EB_OCL_NO_KERNEL;
        bv = &view;
    } else if (eb_binary_operand_b(n, a, b, &view, &bv, &ignore) != EB_OK) {
        return EB_OCL_NO_KERNEL;
    }
    const eb_tensor *ops[2] = {a, bv};
    int rank, dims[8], st[3][8];
    int64_t count = eb_tensor_numel(y);
    if (count > INT32_MAX || !broadcast_args(y, ops, 2, &rank, dims, st))
        return EB_OCL_NO_KERNEL;
    bool arith = strcmp(kernel, "eb_binary") == 0;
    post_op post = {-1, 0, 0};
    int last = arith ? next_post(p, node, &post) : node; /* eb_compare's bools take no activation */
    eb_ocl_view va, vb, vy;
    if (eb_ocl_value_view(p, n->in[0], &va, err) != EB_OK || eb_ocl_value_view(p, n->in[1], &vb, err) != EB_OK ||
        eb_ocl_value_view(p, p->g->nodes[last].out[0], &vy, err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s = eb_ocl_add_step(p, node, last, err);
    eb_ocl_args k;
    if (!s || (count && eb_ocl_launch_1d(p, &s->step, kernel, (size_t)count, &k, err) != EB_OK))
        return EB_OCL_FAILED;
    eb_ocl_fused(p, node, last);
    snprintf(s->step.method, sizeof s->step.method, "broadcast rank %d", rank);
    if (!count)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&k, va.mem);
    eb_ocl_arg_mem(&k, vb.mem);
    eb_ocl_arg_mem(&k, vy.mem);
    eb_ocl_arg_int(&k, (int)count);
    eb_ocl_arg_int(&k, op);
    eb_ocl_arg_int(&k, rank);
    eb_ocl_arg_int8(&k, dims);
    eb_ocl_arg_int8(&k, st[0]);
    eb_ocl_arg_int8(&k, st[1]);
    if (arith)
        post_args(&k, &post);
    return eb_ocl_args_check(&k, kernel, err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_where(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (n->in[0] < 0 || eb_ocl_value(p, n->in[0])->dtype != EB_DT_BOOL || !is_f32(p, n->in[1]) ||
        !is_f32(p, n->in[2]) || !is_f32(p, n->out[0]))
        return EB_OCL_NO_KERNEL;
    const eb_tensor *y = eb_ocl_value(p, n->out[0]);
    const eb_tensor *ops[3] = {eb_ocl_value(p, n->in[0]), eb_ocl_value(p, n->in[1]), eb_ocl_value(p, n->in[2])};
    int rank, dims[8], st[3][8];
    int64_t count = eb_tensor_numel(y);
    if (count > INT32_MAX || !broadcast_args(y, ops, 3, &rank, dims, st))
        return EB_OCL_NO_KERNEL;
    eb_ocl_view v[4];
    for (int i = 0; i < 3; i++)
        if (eb_ocl_value_view(p, n->in[i], &v[i], err) != EB_OK)
            return EB_OCL_FAILED;
    if (eb_ocl_value_view(p, n->out[0], &v[3], err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s = eb_ocl_add_step(p, node, node, err);
    eb_ocl_args k;
    if (!s || (count && eb_ocl_launch_1d(p, &s->step, "eb_where", (size_t)count, &k, err) != EB_OK))
        return EB_OCL_FAILED;
    snprintf(s->step.method, sizeof s->step.method, "broadcast rank %d", rank);
    if (!count)
        return EB_OCL_LOWERED;
    for (int i = 0; i < 4; i++)
        eb_ocl_arg_mem(&k, v[i].mem);
    eb_ocl_arg_int(&k, (int)count);
    eb_ocl_arg_int(&k, rank);
    eb_ocl_arg_int8(&k, dims);
    for (int i = 0; i < 3; i++)
        eb_ocl_arg_int8(&k, st[i]);
    return eb_ocl_args_check(&k, "eb_where", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_not(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!is_type(p, n->in[0], EB_DT_BOOL) || !is_type(p, n->out[0], EB_DT_BOOL))
        return EB_OCL_NO_KERNEL;
    int64_t count = eb_tensor_numel(eb_ocl_value(p, n->out[0]));
    if (count > INT32_MAX)
        return EB_OCL_NO_KERNEL;
    eb_ocl_view x, y;
    if (eb_ocl_value_view(p, n->in[0], &x, err) != EB_OK || eb_ocl_value_view(p, n->out[0], &y, err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s = eb_ocl_add_step(p, node, node, err);
    eb_ocl_args a;
    if (!s || (count && eb_ocl_launch_1d(p, &s->step, "eb_not", (size_t)count, &a, err) != EB_OK))
        return EB_OCL_FAILED;
    if (!count)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&a, x.mem);
    eb_ocl_arg_mem(&a, y.mem);
    eb_ocl_arg_int(&a, (int)count);
    return eb_ocl_args_check(&a, "eb_not", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

eb_ocl_lower eb_ocl_lower_eltwise(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    const eb_dtype F = EB_DT_F32, B = EB_DT_BOOL;
    switch (n->op) {
    case EB_OP_ADD: return lower_binary(p, node, "eb_binary", BIN_ADD, F, F, err);
    case EB_OP_SUM: return lower_binary(p, node, "eb_binary", BIN_ADD, F, F, err);
    case EB_OP_SUB: return lower_binary(p, node, "eb_binary", BIN_SUB, F, F, err);
    case EB_OP_MUL: return lower_binary(p, node, "eb_binary", BIN_MUL, F, F, err);
    case EB_OP_DIV: return lower_binary(p, node, "eb_binary", BIN_DIV, F, F, err);
    case EB_OP_POW: return lower_binary(p, node, "eb_binary", BIN_POW, F, F, err);
    case EB_OP_MAX: return lower_binary(p, node, "eb_binary", BIN_MAX, F, F, err);
    case EB_OP_MIN: return lower_binary(p, node, "eb_binary", BIN_MIN, F, F, err);
    case EB_OP_MEAN: return lower_binary(p, node, "eb_binary", BIN_MEAN, F, F, err);
    case EB_OP_PRELU: return lower_binary(p, node, "eb_binary", BIN_PRELU, F, F, err);
    case EB_OP_EQUAL: return lower_binary(p, node, "eb_compare", CMP_EQUAL, F, B, err);
    case EB_OP_LESS: return lower_binary(p, node, "eb_compare", CMP_LESS, F, B, err);
    case EB_OP_LESS_OR_EQUAL: return lower_binary(p, node, "eb_compare", CMP_LESS_EQUAL, F, B, err);
    case EB_OP_GREATER: return lower_binary(p, node, "eb_compare", CMP_GREATER, F, B, err);
    case EB_OP_GREATER_OR_EQUAL: return lower_binary(p, node, "eb_compare", CMP_GREATER_EQUAL, F, B, err);
    case EB_OP_AND: return lower_binary(p, node, "eb_logic", LOGIC_AND, B, B, err);
    case EB_OP_OR: return lower_binary(p, node, "eb_logic", LOGIC_OR, B, B, err);
    case EB_OP_XOR: return lower_binary(p, node, "eb_logic", LOGIC_XOR, B, B, err);
    case EB_OP_NOT: return lower_not(p, node, err);
    case EB_OP_WHERE: return lower_where(p, node, err);
    default: return lower_unary(p, node, err);
    }
}
