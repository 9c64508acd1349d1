/* shape_split.c - the shape rule of Split: cuts a tensor along `axis` into consecutive pieces.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_split.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"

/* Fills sizes[0..n_out) with the piece sizes along an axis of length dim,
 * checking that they are non-negative and cover it exactly. */
static eb_status split_sizes(const eb_node *n, const eb_tensor *const *in, int64_t dim, int64_t *sizes,
                             eb_err *err)
{
    int n_out = n->n_out, count = -1;
    const eb_tensor *split_in = eb_opt_in(n, in, 1);
    const int64_t *attr;
    int n_attr = eb_attr_ints(n, "split", &attr);
    if (split_in && (n->opset >= 13 || n->opset < 2)) {
        eb_status st = eb_read_ints(split_in, sizes, n_out, &count, "Split", "split", err);
        if (st != EB_OK)
            return st;
    } else if (n->opset < 13 && n_attr >= 0) {
        if (n_attr != n_out)
            return eb_errf(err, EB_EINVAL, "Split: %d split sizes for %d outputs", n_attr, n_out);
        memcpy(sizes, attr, (size_t)n_attr * sizeof *sizes);
        count = n_attr;
    } else if (n->opset >= 18 && eb_node_attr(n, "num_outputs")) {
        int64_t parts = eb_attr_int(n, "num_outputs", 0);
        if (parts != n_out)
            return eb_errf(err, EB_EINVAL, "Split: num_outputs is %lld but the node has %d outputs",
                           (long long)parts, n_out);
        int64_t chunk = dim / parts + (dim % parts != 0);
        for (int k = 0; k < n_out; k++)
            sizes[k] = chunk;
        /* chunk * (parts - 1) <= dim + parts: no overflow */
        sizes[n_out - 1] = dim - chunk * (parts - 1);
        if (sizes[n_out - 1] < 0)
            return eb_errf(err, EB_EINVAL, "Split: a dim of %lld cannot be cut into %lld pieces of %lld",
                           (long long)dim, (long long)parts, (long long)chunk);
        return EB_OK;
    } else {
        if (dim % n_out != 0)
            return eb_errf(err, EB_EINVAL, "Split: a dim of %lld does not split into %d equal parts", (long long)dim,
                           n_out);
        for (int k = 0; k < n_out; k++)
            sizes[k] = dim / n_out;
        return EB_OK;
    }
    if (count != n_out)
        return eb_errf(err, EB_EINVAL, "Split: %d split sizes for %d outputs", count, n_out);
    int64_t sum = 0;
    for (int k = 0; k < n_out; k++) {
        if (sizes[k] < 0 || sizes[k] > dim - sum)
            return eb_errf(err, EB_EINVAL, "Split: split sizes do not add up to the axis dim %lld", (long long)dim);
        sum += sizes[k];
    }
    if (sum != dim)
        return eb_errf(err, EB_EINVAL, "Split: split sizes add up to %lld, the axis dim is %lld", (long long)sum,
                       (long long)dim);
    return EB_OK;
}

/* The axis and the piece sizes (malloc'd; *sizes is NULL on failure) of
 * node n on input x. */
eb_status eb_split_plan(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x, int *axis,
                        int64_t **sizes, eb_err *err)
{
    *sizes = NULL;
    eb_status st = eb_check_axis("Split", eb_attr_int(n, "axis", 0), x->rank, NULL, axis, err);
    if (st != EB_OK)
        return st;
    int64_t *s = malloc((size_t)n->n_out * sizeof *s);
    if (!s)
        return eb_errf(err, EB_ENOMEM, "Split: out of memory");
    if ((st = split_sizes(n, in, x->shape[*axis], s, err)) != EB_OK) {
        free(s);
        return st;
    }
    *sizes = s;
    return EB_OK;
}

eb_status eb_shape_split(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_byte_dtype("Split", x, err);
    if (st != EB_OK)
        return st;
    if (x->rank < 1 || !eb_valid_shape(x))
        return eb_errf(err, EB_EINVAL, "Split: input has an invalid shape (rank %d)", x->rank);
    if (n->n_out < 1)
        return eb_errf(err, EB_EINVAL, "Split: no outputs");
    int axis;
    int64_t *sizes;
    if ((st = eb_split_plan(n, in, x, &axis, &sizes, err)) != EB_OK)
        return st;
    for (int k = 0; k < n->n_out; k++) {
        if (!out[k])
            continue;
        eb_tensor_copy_meta(out[k], x);
        out[k]->shape[axis] = sizes[k];
    }
    free(sizes);
    return EB_OK;
}
