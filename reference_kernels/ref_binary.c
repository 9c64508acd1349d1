/* ref_binary.c - elementwise ops on broadcast inputs: arithmetic (Add, Sub,
 * Mul, Div, Pow, Mod, BitShift), comparisons and logic (Equal, Less, LessOrEqual, Greater,
 * GreaterOrEqual, And, Or, Xor) and the variadic Min, Max, Sum and Mean.
 *
 * Every numeric dtype except i4 goes through one generic path that reads
 * each element into one of three kinds of scalar: double for float types
 * (exact for f16/f32/f64; +, -, *, / done in double and rounded once give
 * the same float result as float arithmetic), int64 for signed and uint64
 * for unsigned integers, so u64 values above INT64_MAX compare correctly.
 *
 * Integer semantics, which ONNX leaves open, are C's but without its UB:
 * Add/Sub/Mul wrap modulo 2^bits (numpy's behaviour); Div truncates toward
 * zero, x / 0 is 0 and INT_MIN / -1 wraps to INT_MIN.  Pow with an integer
 * base and exponent multiplies exactly (wrapping); a negative exponent gives
 * 1/x^e truncated: 1 for x = 1, +-1 for x = -1, 0 otherwise (0 for x = 0 as
 * well, like x / 0).  An integer base with a float exponent is pow() in
 * double converted back as Cast would (truncated).
 *
 * Mod (opset 10): fmod=1 is C's fmod/%, the result taking the dividend's
 * sign; fmod=0 (integers only: the shape rule refuses it for floats, as
 * ONNX does) is Python's %, the result taking the divisor's sign.  Integer
 * x mod 0 is 0.  Float Mod is fmod in double, exact, so rounded once.
 * BitShift (unsigned integers): direction LEFT or RIGHT; shifting by the
 * type's width or more gives 0, and a left shift keeps the low bits.
 *
 * Min and Max propagate NaN (numpy's minimum/maximum).  The variadic ops
 * fold their inputs left to right in the output dtype, as the ONNX
 * reference does; Mean divides the sum by the input count at the end.
 *
 * Before opset 7 these ops broadcast only with broadcast=1, and then an
 * `axis` attribute lines B's dims up with A's from that axis instead of from
 * the right.  That is honoured; without `axis`, or without broadcast=1,
 * numpy broadcasting applies (a superset of the old equal-shapes rule). */
#include <math.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* Element i of t as each kind's scalar (see eb_num_kind). */
static double get_f(const eb_tensor *t, int64_t i)
{
    return eb_dtype_get_f64(t->dtype, t->data, i);
}

static int64_t get_s(const eb_tensor *t, int64_t i)
{
    return eb_dtype_get_i64(t->dtype, t->data, i);
}

static uint64_t get_u(const eb_tensor *t, int64_t i)
{
    return eb_dtype_get_u64(t->dtype, t->data, i);
}

/* Stores an unsigned result; narrower types keep the low bits. */
static void set_u(eb_tensor *t, int64_t i, uint64_t v)
{
    eb_dtype_set_u64(t->dtype, t->data, i, v);
}

/* ---- broadcasting ------------------------------------------------------ */

/* Walks the output in row-major order while keeping the matching element
 * offsets of two broadcast inputs, so that no element costs a division. */
typedef struct bcast_walk {
    int rank;
    int64_t shape[EB_MAX_RANK], idx[EB_MAX_RANK];
    int64_t stride[2][EB_MAX_RANK];
    int64_t off[2];
} bcast_walk;

static void walk_init(bcast_walk *w, const eb_tensor *y, const eb_tensor *a, const eb_tensor *b)
{
    memset(w, 0, sizeof *w);
    w->rank = y->rank;
    memcpy(w->shape, y->shape, sizeof w->shape);
    eb_broadcast_strides(a, y, w->stride[0]);
    eb_broadcast_strides(b, y, w->stride[1]);
}

static void walk_next(bcast_walk *w)
{
    for (int d = w->rank - 1; d >= 0; d--) {
        w->off[0] += w->stride[0][d];
        w->off[1] += w->stride[1][d];
        if (++w->idx[d] < w->shape[d])
            return;
        w->off[0] -= w->stride[0][d] * w->shape[d];
        w->off[1] -= w->stride[1][d] * w->shape[d];
        w->idx[d] = 0;
    }
}

/* ---- arithmetic ---------------------------------------------------------- */

static double float_op(eb_op op, double a, double b)
{
    switch (op) {
    case EB_OP_ADD:
    case EB_OP_SUM:
    case EB_OP_MEAN: return a + b;
    case EB_OP_SUB: return a - b;
    case EB_OP_MUL: return a * b;
    case EB_OP_DIV: return a / b;
    case EB_OP_POW: return pow(a, b);
    case EB_OP_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
    case EB_OP_MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
    default: return 0;
    }
}

static int64_t signed_op(eb_op op, int64_t a, int64_t b)
{
    switch (op) {
    case EB_OP_ADD:
    case EB_OP_SUM: return eb_wrap_i64((uint64_t)a + (uint64_t)b);
    case EB_OP_SUB: return eb_wrap_i64((uint64_t)a - (uint64_t)b);
    case EB_OP_MUL: return eb_wrap_i64((uint64_t)a * (uint64_t)b);
    case EB_OP_DIV:
        if (b == 0)
            return 0;
        if (a == INT64_MIN && b == -1)
            return INT64_MIN;
        return a / b;
    case EB_OP_MIN: return a < b ? a : b;
    case EB_OP_MAX: return a > b ? a : b;
    default: return 0;
    }
}

static uint64_t unsigned_op(eb_op op, uint64_t a, uint64_t b)
{
    switch (op) {
    case EB_OP_ADD:
    case EB_OP_SUM: return a + b;
    case EB_OP_SUB: return a - b;
    case EB_OP_MUL: return a * b;
    case EB_OP_DIV: return b == 0 ? 0 : a / b;
    case EB_OP_MIN: return a < b ? a : b;
    case EB_OP_MAX: return a > b ? a : b;
    default: return 0;
    }
}

/* base^e modulo 2^64, by squaring. */
static uint64_t ipow_wrap(uint64_t base, uint64_t e)
{
    uint64_t r = 1;
    while (e) {
        if (e & 1)
            r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}

/* y[i] = a[ia] ^ b[ib] for an integer base a (see the file comment). */
static void pow_int(const eb_tensor *a, int64_t ia, const eb_tensor *b, int64_t ib, eb_tensor *y, int64_t i)
{
    bool base_signed = eb_num_kind_of(a->dtype) == EB_NUM_SIGNED;
    switch (eb_num_kind_of(b->dtype)) {
    case EB_NUM_FLOAT: {
        double base = base_signed ? (double)get_s(a, ia) : get_f(a, ia);
        eb_dtype_set_f64(y->dtype, y->data, i, pow(base, get_f(b, ib)));
        return;
    }
    case EB_NUM_SIGNED: {
        int64_t e = get_s(b, ib);
        if (e < 0) {
            int64_t x = base_signed ? get_s(a, ia) : (get_u(a, ia) == 1 ? 1 : 0);
            int64_t r = x == 1 ? 1 : x == -1 ? (((uint64_t)e & 1) ? -1 : 1) : 0;
            eb_dtype_set_i64(y->dtype, y->data, i, r);
            return;
        }
        set_u(y, i, ipow_wrap(get_u(a, ia), (uint64_t)e));
        return;
    }
    case EB_NUM_UNSIGNED: set_u(y, i, ipow_wrap(get_u(a, ia), get_u(b, ib))); return;
    }
}

/* y = a op b elementwise with broadcasting; y may be a itself (the
 * variadic fold).  The output dtype is a's; b differs only for Pow. */
static void binary_apply(eb_op op, const eb_tensor *a, const eb_tensor *b, eb_tensor *y)
{
    int64_t count = eb_tensor_numel(y);
    eb_num_kind k = eb_num_kind_of(y->dtype);
    bcast_walk w;
    walk_init(&w, y, a, b);
    for (int64_t i = 0; i < count; i++, walk_next(&w)) {
        int64_t ia = w.off[0], ib = w.off[1];
        if (k == EB_NUM_FLOAT)
            eb_dtype_set_f64(y->dtype, y->data, i, float_op(op, get_f(a, ia), get_f(b, ib)));
        else if (op == EB_OP_POW)
            pow_int(a, ia, b, ib, y, i);
        else if (k == EB_NUM_SIGNED)
            eb_dtype_set_i64(y->dtype, y->data, i, signed_op(op, get_s(a, ia), get_s(b, ib)));
        else
            set_u(y, i, unsigned_op(op, get_u(a, ia), get_u(b, ib)));
    }
}

/* ---- Mod and BitShift --------------------------------------------------- */

/* a mod b for signed integers: fmod=1 takes the dividend's sign (C's %),
 * fmod=0 the divisor's (Python's %); x mod 0 is 0, like x / 0 above. */
static int64_t signed_mod(int64_t a, int64_t b, bool dividend_sign)
{
    if (b == 0 || b == -1) /* -1: every remainder is 0, and INT64_MIN % -1 is UB in C */
        return 0;
    int64_t r = a % b;
    if (!dividend_sign && r != 0 && (r < 0) != (b < 0))
        r += b;
    return r;
}

/* a shifted by s bits of a type of `bits` bits; a shift by the width or
 * more gives 0 (every bit shifted out), which C leaves undefined. */
static uint64_t shift(uint64_t a, uint64_t s, bool left, int bits)
{
    if (s >= (uint64_t)bits)
        return 0;
    return left ? a << s : a >> s;
}

static void mod_shift_apply(const eb_node *n, const eb_tensor *a, const eb_tensor *b, eb_tensor *y)
{
    bool dividend_sign = eb_attr_int(n, "fmod", 0) != 0;
    bool left = strcmp(eb_attr_string(n, "direction", ""), "LEFT") == 0;
    int bits = (int)eb_dtypes[y->dtype].size * 8;
    int64_t count = eb_tensor_numel(y);
    eb_num_kind k = eb_num_kind_of(y->dtype);
    bcast_walk w;
    walk_init(&w, y, a, b);
    for (int64_t i = 0; i < count; i++, walk_next(&w)) {
        int64_t ia = w.off[0], ib = w.off[1];
        if (n->op == EB_OP_BIT_SHIFT)
            set_u(y, i, shift(get_u(a, ia), get_u(b, ib), left, bits));
        else if (k == EB_NUM_FLOAT) /* exact in double, so one rounding to y's type */
            eb_dtype_set_f64(y->dtype, y->data, i, fmod(get_f(a, ia), get_f(b, ib)));
        else if (k == EB_NUM_SIGNED)
            eb_dtype_set_i64(y->dtype, y->data, i, signed_mod(get_s(a, ia), get_s(b, ib), dividend_sign));
        else /* unsigned: both signs rules agree */
            set_u(y, i, get_u(b, ib) == 0 ? 0 : get_u(a, ia) % get_u(b, ib));
    }
}

eb_status eb_ref_binary(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor view;
    const eb_tensor *b;
    eb_status st = eb_binary_operand_b(n, in[0], in[1], &view, &b, err);
    if (st != EB_OK)
        return st;
    if (n->op == EB_OP_MOD || n->op == EB_OP_BIT_SHIFT)
        mod_shift_apply(n, in[0], b, out[0]);
    else
        binary_apply(n->op, in[0], b, out[0]);
    return EB_OK;
}

/* a op b for a comparison: -1/0/1 ordering, with NaN unordered (every
 * comparison false, as in C and numpy). */
static bool compare_elem(eb_op op, const eb_tensor *a, int64_t ia, const eb_tensor *b, int64_t ib)
{
    int ord;
    switch (eb_num_kind_of(a->dtype)) {
    case EB_NUM_FLOAT: {
        double x = get_f(a, ia), y = get_f(b, ib);
        if (isnan(x) || isnan(y))
            return false;
        ord = (x > y) - (x < y);
        break;
    }
    case EB_NUM_SIGNED: {
        int64_t x = get_s(a, ia), y = get_s(b, ib);
        ord = (x > y) - (x < y);
        break;
    }
    default: {
        uint64_t x = get_u(a, ia), y = get_u(b, ib);
        ord = (x > y) - (x < y);
        break;
    }
    }
    switch (op) {
    case EB_OP_EQUAL: return ord == 0;
    case EB_OP_LESS: return ord < 0;
    case EB_OP_LESS_OR_EQUAL: return ord <= 0;
    case EB_OP_GREATER: return ord > 0;
    case EB_OP_GREATER_OR_EQUAL: return ord >= 0;
    default: return false;
    }
}

eb_status eb_ref_compare(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor view;
    const eb_tensor *a = in[0], *b;
    eb_status st = eb_binary_operand_b(n, a, in[1], &view, &b, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    const uint8_t *pa = a->data, *pb = b->data;
    uint8_t *py = y->data;
    int64_t count = eb_tensor_numel(y);
    bcast_walk w;
    walk_init(&w, y, a, b);
    for (int64_t i = 0; i < count; i++, walk_next(&w)) {
        int64_t ia = w.off[0], ib = w.off[1];
        switch (n->op) {
        case EB_OP_AND: py[i] = pa[ia] && pb[ib]; break;
        case EB_OP_OR: py[i] = pa[ia] || pb[ib]; break;
        case EB_OP_XOR: py[i] = !pa[ia] != !pb[ib]; break;
        default: py[i] = compare_elem(n->op, a, ia, b, ib); break;
        }
    }
    return EB_OK;
}

eb_status eb_ref_variadic(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor *y = out[0];
    if (n->n_in == 1) {
        /* one input: the broadcast shape is its own, so a copy */
        memcpy(y->data, in[0]->data, eb_tensor_nbytes(y));
    } else {
        binary_apply(n->op, in[0], in[1], y);
        for (int k = 2; k < n->n_in; k++)
            binary_apply(n->op, y, in[k], y);
    }
    if (n->op == EB_OP_MEAN) {
        int64_t count = eb_tensor_numel(y);
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_f64(y->dtype, y->data, i, get_f(y, i) / n->n_in);
    }
    return EB_OK;
}
