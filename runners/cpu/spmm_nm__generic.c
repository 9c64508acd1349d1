/* spmm_nm__generic.c - N:M structured sparse weights times a transposed
 * tile of activations in portable C (wgemm.h's eb_spmm_fn): only the kept
 * weights are visited, each at column group * m + its index. */
#include "runners/cpu/wgemm.h"

void eb_spmm_nm__generic(const eb_cweights *w, int p, const float *xt, float *yt, int n0, int n1)
{
    int groups = w->k / w->m, nn = w->nn;
    for (int n = n0; n < n1; n++) {
        float acc[EB_SPMM_TILE] = {0};
        const float *v = w->val + (size_t)n * (size_t)groups * (size_t)nn;
        const uint8_t *ix = w->idx + (size_t)n * (size_t)groups * (size_t)nn;
        for (int q = 0; q < groups; q++)
            for (int t = 0; t < nn; t++) {
                const float *xr = xt + (size_t)(q * w->m + ix[q * nn + t]) * (size_t)p;
                float vv = v[q * nn + t];
                for (int i = 0; i < p; i++)
                    acc[i] += vv * xr[i];
            }
        for (int i = 0; i < p; i++)
            yt[(size_t)(n - n0) * (size_t)p + i] = acc[i];
    }
}
