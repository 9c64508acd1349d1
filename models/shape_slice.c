/* shape_slice.c - the shape rule of Slice: start:end:step along chosen axes.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_slice.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

/* Reads an INTS attribute into vals[0..max); -1 in *count when absent. */
static eb_status attr_list(const eb_node *n, const char *name, int64_t *vals, int max, int *count, eb_err *err)
{
    const int64_t *a;
    int k = eb_attr_ints(n, name, &a);
    if (k > max)
        return eb_errf(err, EB_EINVAL, "Slice: attribute '%s' has %d values, at most %d allowed", name, k, max);
    if (k > 0)
        memcpy(vals, a, (size_t)k * sizeof *vals);
    *count = k;
    return EB_OK;
}

/* Reads an optional parameter input; -1 in *count when it is absent. */
static eb_status input_list(const eb_node *n, const eb_tensor *const *in, int k, const char *name, int64_t *vals,
                            int max, int *count, eb_err *err)
{
    const eb_tensor *t = eb_opt_in(n, in, k);
    *count = -1;
    return t ? eb_read_ints(t, vals, max, count, "Slice", name, err) : EB_OK;
}

/* For every dim of x: the first input index, the step and the output dim. */
eb_status eb_slice_params(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x,
                          int64_t first[EB_MAX_RANK], int64_t step[EB_MAX_RANK], int64_t count[EB_MAX_RANK],
                          eb_err *err)
{
    int rank = x->rank;
    int64_t starts[EB_MAX_RANK], ends[EB_MAX_RANK], axes[EB_MAX_RANK], steps[EB_MAX_RANK];
    int ns, ne, na, nst = -1;
    eb_status st;
    if (n->opset < 10) {
        if ((st = attr_list(n, "starts", starts, rank, &ns, err)) != EB_OK ||
            (st = attr_list(n, "ends", ends, rank, &ne, err)) != EB_OK ||
            (st = attr_list(n, "axes", axes, rank, &na, err)) != EB_OK)
            return st;
        if (ns < 0 || ne < 0)
            return eb_errf(err, EB_EINVAL, "Slice: attributes 'starts' and 'ends' are required");
    } else {
        if (!eb_opt_in(n, in, 1) || !eb_opt_in(n, in, 2))
            return eb_errf(err, EB_EINVAL, "Slice: inputs 'starts' and 'ends' are required");
        if ((st = input_list(n, in, 1, "starts", starts, rank, &ns, err)) != EB_OK ||
            (st = input_list(n, in, 2, "ends", ends, rank, &ne, err)) != EB_OK ||
            (st = input_list(n, in, 3, "axes", axes, rank, &na, err)) != EB_OK ||
            (st = input_list(n, in, 4, "steps", steps, rank, &nst, err)) != EB_OK)
            return st;
    }
    if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
        return eb_errf(err, EB_EINVAL, "Slice: starts, ends, axes and steps differ in length (%d, %d, %d, %d)", ns,
                       ne, na, nst);
    for (int d = 0; d < rank; d++) {
        first[d] = 0;
        step[d] = 1;
        count[d] = x->shape[d];
    }
    bool seen[EB_MAX_RANK] = {false};
    for (int k = 0; k < ns; k++) {
        int a; /* without axes, starts[k] is for dim k (and ns <= rank) */
        if ((st = eb_check_axis("Slice", na >= 0 ? axes[k] : k, rank, seen, &a, err)) != EB_OK)
            return st;
        int64_t dim = x->shape[a], sp = nst >= 0 ? steps[k] : 1, s = starts[k], e = ends[k];
        if (sp == 0)
            return eb_errf(err, EB_EINVAL, "Slice: step is 0 on axis %d", a);
        /* dim >= 0, so these additions cannot overflow */
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        int64_t lo_s = 0, hi_s = sp > 0 ? dim : dim - 1, lo_e = sp > 0 ? 0 : -1, hi_e = hi_s;
        s = s < lo_s ? lo_s : s > hi_s ? hi_s : s;
        e = e < lo_e ? lo_e : e > hi_e ? hi_e : e;
        /* s, e in [-1, dim]: the distance fits; a step longer than it gives
         * one element (and -INT64_MIN is never computed) */
        int64_t dist = sp > 0 ? e - s : s - e, c;
        if (dist <= 0)
            c = 0;
        else if (sp > 0)
            c = sp >= dist ? 1 : 1 + (dist - 1) / sp;
        else
            c = sp <= -dist ? 1 : 1 + (dist - 1) / -sp;
        first[a] = s;
        step[a] = sp;
        count[a] = c;
    }
    return EB_OK;
}

eb_status eb_shape_slice(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Slice", x, err);
    if (st != EB_OK)
        return st;
    int64_t first[EB_MAX_RANK], step[EB_MAX_RANK], count[EB_MAX_RANK];
    if ((st = eb_slice_params(n, in, x, first, step, count, err)) != EB_OK)
        return st;
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = x->rank;
    for (int d = 0; d < x->rank; d++)
        y->shape[d] = count[d];
    return EB_OK;
}
