/* ref_conv_transpose.c - ConvTranspose: N-d transposed convolution with
 * groups, strides, dilations, pads and output padding, f32 and f64.
 *
 * The geometry is eb_conv_transpose_geometry (models/shape_conv_transpose.c),
 * shared with the shape rule.  The kernel is the definition read as a
 * gather: output position o along a dim sits at o + pad_begin in the full
 * result, which input position i and kernel tap k reach when
 * i * stride + k * dilation equals it; each output element is the bias plus
 * the sum over its group's input channels and the taps that land on it,
 * accumulated in double. */
#include <stdint.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_conv_transpose(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = eb_opt_in(n, in, 2);
    eb_tensor *y = out[0];
    eb_window g;
    int64_t group;
    eb_status st = eb_conv_transpose_geometry(n, x, w, &g, &group, err);
    if (st != EB_OK)
        return st;
    int64_t batch = x->shape[0], c_in = x->shape[1], mg = w->shape[1], cg = c_in / group, c_out = mg * group;
    int64_t in_plane = eb_dims_product(g.in, g.nd), out_plane = eb_dims_product(g.out, g.nd);
    int64_t k_plane = eb_dims_product(g.kernel, g.nd);
    eb_dtype dt = x->dtype;
    for (int64_t nb = 0; nb < batch; nb++)
        for (int64_t m = 0; m < c_out; m++) {
            int64_t gi = m / mg, mm = m % mg;
            int64_t opos[EB_MAX_SPATIAL] = {0};
            for (int64_t o = 0; o < out_plane; o++, eb_next_index(opos, g.out, g.nd)) {
                double acc = b ? eb_dtype_get_f64(dt, b->data, m) : 0.0;
                int64_t kpos[EB_MAX_SPATIAL] = {0};
                for (int64_t k = 0; k < k_plane; k++, eb_next_index(kpos, g.kernel, g.nd)) {
                    int64_t off = 0;
                    bool hit = true;
                    for (int d = 0; d < g.nd && hit; d++) {
                        int64_t num = opos[d] + g.pad_begin[d] - kpos[d] * g.dil[d];
                        hit = num >= 0 && num % g.stride[d] == 0 && num / g.stride[d] < g.in[d];
                        off = off * g.in[d] + (hit ? num / g.stride[d] : 0);
                    }
                    if (!hit)
                        continue;
                    for (int64_t c = 0; c < cg; c++) {
                        int64_t ci = gi * cg + c;
                        acc += eb_dtype_get_f64(dt, x->data, (nb * c_in + ci) * in_plane + off) *
                               eb_dtype_get_f64(dt, w->data, (ci * mg + mm) * k_plane + k);
                    }
                }
                eb_dtype_set_f64(dt, y->data, (nb * c_out + m) * out_plane + o, acc);
            }
        }
    return EB_OK;
}
