/* shape_resize.c - the shape rule of Resize (opsets 10, 11, 13, 18) and of
 * the deprecated Upsample (opsets 7, 9), and the resampling geometry their
 * kernels share: output size, per-axis scale, coordinate transform and the
 * taps (input indices and weights) of each output coordinate.
 *
 * The arithmetic follows the ONNX reference implementation (onnx/reference/
 * ops/op_resize.py), which is what the conformance vectors were made with:
 * the separable, per-axis interpolation of nearest (one tap), linear (two)
 * and cubic (four, Keys' kernel with coefficient A) samples; taps outside
 * the input read its edge element; tf_crop_and_resize gives the
 * extrapolation value where the mapped coordinate leaves [0, len - 1].
 * Notable details kept from it: align_corners, pytorch_half_pixel and
 * tf_crop_and_resize use the fractional resized length scale * len, not
 * the integer output dim (they differ when the scale does not divide
 * evenly); a coordinate that is an integer k interpolates between k - 1
 * and k with weight 1 on k.
 *
 * Before Resize-11 (Resize-10, Upsample) there is no coordinate mode: the
 * transform is asymmetric and nearest rounds down.  Resize-18's antialias
 * is refused (EB_EUNSUPPORTED); its axes and keep_aspect_ratio_policy are
 * implemented. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"

/* Reads a float (f32, f64 or f16) tensor into vals[0..max). */
static eb_status read_floats(const eb_tensor *t, double *vals, int max, int *n, const char *what, eb_err *err)
{
    if (!t->data)
        return eb_errf(err, EB_EUNSUPPORTED, "Resize: input '%s' must be known at load time (constant)", what);
    if (t->dtype != EB_DT_F32 && t->dtype != EB_DT_F64 && t->dtype != EB_DT_F16)
        return eb_errf(err, EB_EINVAL, "Resize: input '%s' has dtype %s, expected a float type", what,
                       eb_dtype_name(t->dtype));
    int64_t cnt = eb_tensor_numel(t);
    if (cnt < 0 || cnt > max)
        return eb_errf(err, EB_EINVAL, "Resize: input '%s' has %lld values, at most %d allowed", what, (long long)cnt,
                       max);
    for (int64_t i = 0; i < cnt; i++)
        vals[i] = eb_dtype_get_f64(t->dtype, t->data, i);
    *n = (int)cnt;
    return EB_OK;
}

/* An optional input given with at least one element (an empty tensor means
 * "not given" in Resize-11/13). */
static const eb_tensor *given(const eb_node *n, const eb_tensor *const *in, int k)
{
    const eb_tensor *t = eb_opt_in(n, in, k);
    return t && eb_tensor_numel(t) != 0 ? t : NULL;
}

static eb_status read_mode(const eb_node *n, const char *op, bool resize11, eb_resize_plan *p, eb_err *err)
{
    const char *mode = eb_attr_string(n, "mode", "nearest");
    if (strcmp(mode, "nearest") == 0)
        p->mode = EB_RESIZE_NEAREST;
    else if (strcmp(mode, "linear") == 0 || (!resize11 && strcmp(mode, "bilinear") == 0))
        p->mode = EB_RESIZE_LINEAR;
    else if (resize11 && strcmp(mode, "cubic") == 0)
        p->mode = EB_RESIZE_CUBIC;
    else
        return eb_errf(err, EB_EINVAL, "%s: mode '%s' is not nearest, linear%s", op, mode,
                       resize11 ? " or cubic" : "");
    p->coord = EB_RESIZE_ASYMMETRIC;
    p->nearest = EB_RESIZE_FLOOR;
    p->cubic_a = -0.75;
    p->exclude_outside = false;
    p->extrapolation = 0.0;
    if (!resize11)
        return EB_OK;

    static const char *const coords[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                         "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
    const char *coord = eb_attr_string(n, "coordinate_transformation_mode", "half_pixel");
    int c = 0;
    while (c < 7 && strcmp(coord, coords[c]) != 0)
        c++;
    if (c == 7)
        return eb_errf(err, EB_EINVAL, "%s: coordinate_transformation_mode '%s' is not one ONNX defines", op, coord);
    p->coord = (eb_resize_coord)c;

    static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    const char *nm = eb_attr_string(n, "nearest_mode", "round_prefer_floor");
    int k = 0;
    while (k < 4 && strcmp(nm, nearests[k]) != 0)
        k++;
    if (k == 4)
        return eb_errf(err, EB_EINVAL, "%s: nearest_mode '%s' is not round_prefer_floor, round_prefer_ceil, "
                       "floor or ceil", op, nm);
    p->nearest = (eb_resize_nearest)k;
    p->cubic_a = eb_attr_float(n, "cubic_coeff_a", -0.75f);
    int64_t ex = eb_attr_int(n, "exclude_outside", 0);
    if (ex != 0 && ex != 1)
        return eb_errf(err, EB_EINVAL, "%s: exclude_outside %lld is not 0 or 1", op, (long long)ex);
    p->exclude_outside = ex == 1;
    p->extrapolation = eb_attr_float(n, "extrapolation_value", 0.0f);
    if (eb_attr_int(n, "antialias", 0) != 0)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: antialias=1 is not supported", op);
    return EB_OK;
}

eb_status eb_resize_plan_make(const eb_node *n, const eb_tensor *const *in, eb_resize_plan *p, eb_err *err)
{
    const char *op = n->op == EB_OP_UPSAMPLE ? "Upsample" : "Resize";
    const eb_tensor *x = in[0];
    char s1[128];
    memset(p, 0, sizeof *p);
    bool resize11 = n->op == EB_OP_RESIZE && n->opset >= 11;
    eb_status st = read_mode(n, op, resize11, p, err);
    if (st != EB_OK)
        return st;
    if (!x || !eb_valid_shape(x) || x->rank < 1)
        return eb_errf(err, EB_EINVAL, "%s: input X is missing or has an invalid shape", op);
    int rank = x->rank;

    /* the axes the scales, sizes and roi speak of (all, before Resize-18) */
    int axes[EB_MAX_RANK], n_axes = rank;
    for (int d = 0; d < rank; d++)
        axes[d] = d;
    const int64_t *ax = NULL;
    int na = n->op == EB_OP_RESIZE && n->opset >= 18 ? eb_attr_ints(n, "axes", &ax) : -1;
    if (na >= 0) {
        bool seen[EB_MAX_RANK] = {false};
        if (na < 1 || na > rank)
            return eb_errf(err, EB_EINVAL, "%s: %d axes for X of rank %d", op, na, rank);
        for (int i = 0; i < na; i++)
            if ((st = eb_check_axis(op, ax[i], rank, seen, &axes[i], err)) != EB_OK)
                return st;
        n_axes = na;
    }

    for (int d = 0; d < rank; d++) {
        p->scale[d] = 1.0;
        p->roi_start[d] = 0.0;
        p->roi_end[d] = 1.0;
        p->out[d] = x->shape[d];
    }

    double scales[EB_MAX_PARAMS];
    int64_t sizes[EB_MAX_PARAMS];
    int ns = 0, nz = 0;
    const eb_tensor *ts = NULL, *tz = NULL, *troi = NULL;
    if (n->op == EB_OP_UPSAMPLE && n->opset < 9) {
        const eb_attr *a = eb_node_attr(n, "scales");
        if (!a || a->type != EB_ATTR_FLOATS)
            return eb_errf(err, EB_EINVAL, "%s: attribute scales (floats) is missing", op);
        if (a->n > EB_MAX_PARAMS)
            return eb_errf(err, EB_EINVAL, "%s: attribute scales has %zu values", op, a->n);
        ns = (int)a->n;
        for (int i = 0; i < ns; i++)
            scales[i] = a->floats[i];
    } else if (!resize11) {
        if (!(ts = eb_opt_in(n, in, 1)))
            return eb_errf(err, EB_EINVAL, "%s: input scales is missing", op);
    } else {
        troi = given(n, in, 1);
        ts = given(n, in, 2);
        tz = given(n, in, 3);
        if (ts && tz)
            return eb_errf(err, EB_EINVAL, "%s: both scales and sizes are given, expected one", op);
        if (!ts && !tz)
            return eb_errf(err, EB_EINVAL, "%s: neither scales nor sizes is given", op);
    }
    if (ts && (st = read_floats(ts, scales, EB_MAX_PARAMS, &ns, "scales", err)) != EB_OK)
        return st;
    if (tz && (st = eb_read_ints(tz, sizes, EB_MAX_PARAMS, &nz, op, "sizes", err)) != EB_OK)
        return st;
    int given_n = tz ? nz : ns;
    if (given_n != n_axes)
        return eb_errf(err, EB_EINVAL, "%s: %s has %d values, X %s needs %d", op, tz ? "sizes" : "scales", given_n,
                       eb_tensor_describe(x, s1, sizeof s1), n_axes);

    if (!tz) {
        for (int i = 0; i < n_axes; i++) {
            int d = axes[i];
            if (!(scales[i] > 0.0) || !isfinite(scales[i]))
                return eb_errf(err, EB_EINVAL, "%s: scales[%d] = %g, expected > 0", op, i, scales[i]);
            if (n->op == EB_OP_UPSAMPLE && scales[i] < 1.0)
                return eb_errf(err, EB_EINVAL, "%s: scales[%d] = %g, expected >= 1", op, i, scales[i]);
            double o = floor((double)x->shape[d] * scales[i]);
            if (o > (double)INT32_MAX)
                return eb_errf(err, EB_EINVAL, "%s: output dim %d is too large", op, d);
            p->scale[d] = scales[i];
            p->out[d] = (int64_t)o;
        }
    } else {
        for (int i = 0; i < n_axes; i++)
            if (sizes[i] < 0 || sizes[i] > INT32_MAX)
                return eb_errf(err, EB_EINVAL, "%s: sizes[%d] = %lld is out of range", op, i, (long long)sizes[i]);
        const char *policy = n->opset >= 18 ? eb_attr_string(n, "keep_aspect_ratio_policy", "stretch") : "stretch";
        bool larger = strcmp(policy, "not_smaller") == 0;
        if (!larger && strcmp(policy, "not_larger") != 0 && strcmp(policy, "stretch") != 0)
            return eb_errf(err, EB_EINVAL, "%s: keep_aspect_ratio_policy '%s' is not stretch, not_larger or "
                           "not_smaller", op, policy);
        if (strcmp(policy, "stretch") != 0) {
            /* one scale for every listed axis: the smallest (not_larger) or
             * largest (not_smaller) ratio; the dims round half up */
            double s = larger ? 0.0 : INFINITY;
            for (int i = 0; i < n_axes; i++) {
                if (x->shape[axes[i]] == 0)
                    return eb_errf(err, EB_EINVAL, "%s: input dim %d is 0", op, axes[i]);
                double r = (double)sizes[i] / (double)x->shape[axes[i]];
                s = larger ? fmax(s, r) : fmin(s, r);
            }
            for (int i = 0; i < n_axes; i++)
                sizes[i] = (int64_t)floor(s * (double)x->shape[axes[i]] + 0.5);
            for (int i = 0; i < n_axes; i++)
                p->scale[axes[i]] = s;
        } else {
            for (int i = 0; i < n_axes; i++) {
                if (x->shape[axes[i]] == 0 && sizes[i] != 0)
                    return eb_errf(err, EB_EINVAL, "%s: input dim %d is 0, cannot resize it to %lld", op, axes[i],
                                   (long long)sizes[i]);
                p->scale[axes[i]] = x->shape[axes[i]] ? (double)sizes[i] / (double)x->shape[axes[i]] : 1.0;
            }
        }
        for (int i = 0; i < n_axes; i++)
            p->out[axes[i]] = sizes[i];
    }

    if (p->coord == EB_RESIZE_TF_CROP_AND_RESIZE) {
        double roi[2 * EB_MAX_PARAMS];
        int nr = 0;
        if (!troi)
            return eb_errf(err, EB_EINVAL, "%s: tf_crop_and_resize needs the roi input", op);
        if ((st = read_floats(troi, roi, 2 * EB_MAX_PARAMS, &nr, "roi", err)) != EB_OK)
            return st;
        if (nr != 2 * n_axes)
            return eb_errf(err, EB_EINVAL, "%s: roi has %d values, expected %d (starts, then ends)", op, nr,
                           2 * n_axes);
        for (int i = 0; i < n_axes; i++) {
            p->roi_start[axes[i]] = roi[i];
            p->roi_end[axes[i]] = roi[n_axes + i];
        }
    }
    p->rank = rank;
    return EB_OK;
}

/* Keys' cubic convolution kernel at the four taps around a sample at
 * ratio r in (0, 1] past tap 1. */
static void cubic_coeffs(double r, double a, double w[4])
{
    double s = r + 1, t = 1 - r, u = 2 - r;
    w[0] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
    w[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
    w[2] = ((a + 2) * t - (a + 3)) * t * t + 1;
    w[3] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
}

int eb_resize_taps(const eb_resize_plan *p, int d, int64_t in_len, int64_t x, int64_t idx[4], double w[4])
{
    double scale = p->scale[d], len_in = (double)in_len, len_out = scale * len_in, xr = (double)x, xo;
    switch (p->coord) {
    case EB_RESIZE_ALIGN_CORNERS: xo = len_out == 1 ? 0.0 : xr * (len_in - 1) / (len_out - 1); break;
    case EB_RESIZE_ASYMMETRIC: xo = xr / scale; break;
    case EB_RESIZE_TF_CROP_AND_RESIZE: {
        double s = p->roi_start[d], e = p->roi_end[d];
        xo = len_out == 1 ? (e - s) * (len_in - 1) / 2 : xr * (e - s) * (len_in - 1) / (len_out - 1);
        xo += s * (len_in - 1);
        if (xo < 0 || xo > len_in - 1)
            return 0;
        break;
    }
    case EB_RESIZE_PYTORCH_HALF_PIXEL: xo = len_out == 1 ? -0.5 : (xr + 0.5) / scale - 0.5; break;
    case EB_RESIZE_HALF_PIXEL_SYMMETRIC: {
        double adjustment = (double)p->out[d] / len_out, center = len_in / 2;
        xo = center * (1 - adjustment) + (xr + 0.5) / scale - 0.5;
        break;
    }
    case EB_RESIZE_TF_HALF_PIXEL_FOR_NN: xo = (xr + 0.5) / scale; break;
    case EB_RESIZE_HALF_PIXEL:
    default: xo = (xr + 0.5) / scale - 0.5; break;
    }
    /* x0 is the tap at or left of xo, strictly left when xo is an integer,
     * so that the ratio lies in (0, 1] */
    double x0 = ceil(xo) - 1, r = xo - x0;
    int k;
    int64_t base;
    if (p->mode == EB_RESIZE_NEAREST) {
        bool right;
        switch (p->nearest) {
        case EB_RESIZE_ROUND_PREFER_CEIL: right = r >= 0.5; break;
        case EB_RESIZE_FLOOR: right = r == 1.0; break;
        case EB_RESIZE_CEIL: right = true; break;
        case EB_RESIZE_ROUND_PREFER_FLOOR:
        default: right = r > 0.5; break;
        }
        k = 1;
        base = (int64_t)x0 + (right ? 1 : 0);
        w[0] = 1.0;
    } else if (p->mode == EB_RESIZE_LINEAR) {
        k = 2;
        base = (int64_t)x0;
        w[0] = 1 - r;
        w[1] = r;
    } else {
        k = 4;
        base = (int64_t)x0 - 1;
        cubic_coeffs(r, p->cubic_a, w);
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
        int64_t j = base + i;
        if (p->exclude_outside && (j < 0 || j >= in_len))
            w[i] = 0;
        sum += w[i];
        idx[i] = j < 0 ? 0 : j >= in_len ? in_len - 1 : j;
    }
    if (p->exclude_outside && sum != 0)
        for (int i = 0; i < k; i++)
            w[i] /= sum;
    return k;
}

eb_status eb_shape_resize(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const char *op = n->op == EB_OP_UPSAMPLE ? "Upsample" : "Resize";
    eb_status st = eb_check_inputs(op, in, 1, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *x = in[0];
    eb_resize_plan p;
    if ((st = eb_resize_plan_make(n, in, &p, err)) != EB_OK)
        return st;
    if (p.mode == EB_RESIZE_NEAREST) {
        if ((st = eb_check_byte_dtype(op, x, err)) != EB_OK)
            return st;
    } else if (eb_check_dtype(op, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_UNDEFINED) != EB_OK) {
        return EB_EUNSUPPORTED;
    }
    out[0]->dtype = x->dtype;
    out[0]->rank = x->rank;
    for (int d = 0; d < x->rank; d++)
        out[0]->shape[d] = p.out[d];
    if (eb_tensor_numel(out[0]) < 0)
        return eb_errf(err, EB_EINVAL, "%s: output size overflows", op);
    return EB_OK;
}
