/* spmm_nm__generic.c - N:M structured sparse weights times a transposed
 * tile of activations in portable C (wgemm.h's eb_spmm_fn): only the kept
 * weights are visited, each at column group * m + its index. */
#include "runners/cpu/wgemm.h"

/* the tile's rows transposed: xt[c][i] = X[i][c] (rows past `rows` read row 0) */
static void tile_load(const float *x, size_t ldx, int rows, int k, float *xt)
{
    for (int i = 0; i < EB_SPMM_TILE; i++)
        for (int c = 0; c < k; c++)
            xt[(size_t)c * EB_SPMM_TILE + i] = x[(size_t)(i < rows ? i : 0) * ldx + (size_t)c];
}

static void spmm(const eb_cweights *w, int p, const float *xt, float *yt, int n0, int n1)
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

void eb_spmm_nm__generic(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                          int n1, float *scratch)
{
    if (rows == 1) {
        spmm(w, 1, x, y + n0, n0, n1);
        return;
    }
    float *xt = scratch, *yt = scratch + (size_t)w->k * EB_SPMM_TILE;
    tile_load(x, ldx, rows, w->k, xt);
    for (int nb = n0; nb < n1; nb += 8) {
        int ne = nb + 8 < n1 ? nb + 8 : n1;
        spmm(w, EB_SPMM_TILE, xt, yt, nb, ne);
        for (int i = 0; i < rows; i++)
            for (int n = nb; n < ne; n++)
                y[(size_t)i * ldy + (size_t)n] = yt[(size_t)(n - nb) * EB_SPMM_TILE + (size_t)i];
    }
}
