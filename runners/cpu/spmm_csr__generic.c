/* spmm_csr__generic.c - CSR sparse weights times a transposed tile of
 * activations in portable C (wgemm.h's eb_spmm_fn): each nonzero of row n
 * multiplies the p pixels of its input channel. */
#include "runners/cpu/wgemm.h"

void eb_spmm_csr__generic(const eb_cweights *w, int p, const float *xt, float *yt, int n0, int n1)
{
    for (int n = n0; n < n1; n++) {
        float acc[EB_SPMM_TILE] = {0};
        for (int32_t j = w->row_ptr[n]; j < w->row_ptr[n + 1]; j++) {
            const float *xr = xt + (size_t)w->col[j] * (size_t)p;
            float v = w->val[j];
            for (int i = 0; i < p; i++)
                acc[i] += v * xr[i];
        }
        for (int i = 0; i < p; i++)
            yt[(size_t)(n - n0) * (size_t)p + i] = acc[i];
    }
}
