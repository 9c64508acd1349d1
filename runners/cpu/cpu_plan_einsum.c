/* cpu_plan_einsum.c - the cpu runner's planner for Einsum with two f32
 * operands whose equation is a batched matrix product: lowered to the
 * runner's own steps, no kernel of its own.
 *
 * Each label of the equation (eb_einsum_parse, the shape rule's parser) is
 * a batch label (in both operands and the output), a row label (the first
 * operand and the output), a column label (the second and the output) or
 * a summed label (both operands, not the output).  The first operand is
 * transposed to [batch, rows, summed], the second to [batch, summed,
 * columns] (ST_TRANSPOSE into buffers of the plan's own, skipped where the
 * order already is that), their product is one ST_MATMUL over the batch,
 * and [batch, rows, columns] is transposed to the output's order.  So
 * "ij,jk->ik", "bhqd,bhkd->bhqk" (attention scores), "bid,bjd->bij",
 * "i,j->ij" and "bi,bi->b" run on the GEMM.  Equations with a label
 * repeated in one term (diagonals), a label in one operand only and not in
 * the output (a sum of one operand), broadcast ellipsis dims, an empty
 * dim, or other than two operands fall back to the reference kernel. */
#include "runners/cpu/cpu_plan.h"

#include <string.h>

enum { L_NONE = 0, L_BATCH, L_ROW, L_COL, L_SUM };

/* A buffer of the plan's own (no graph value), f32 of the given shape;
 * -1 when out of memory. */
static int new_temp(eb_plan *p, int rank, const int64_t *shape, eb_err *err)
{
    if (eb_cpu_grow((void **)&p->pv, &p->cap_pv, p->n_pv + 1, sizeof(pval), err) != EB_OK)
        return -1;
    int t = p->n_pv++;
    pval *v = &p->pv[t];
    memset(v, 0, sizeof *v);
    v->t.dtype = EB_DT_F32;
    v->t.rank = rank;
    memcpy(v->t.shape, shape, sizeof(int64_t) * (size_t)rank);
    v->gv = -1;
    v->layout = LAY_NCHW;
    v->twin = v->alias = -1;
    v->item = -1;
    return t;
}

static bool is_identity(const int *perm, int rank)
{
    for (int d = 0; d < rank; d++)
        if (perm[d] != d)
            return false;
    return true;
}

/* A transpose step x -> y by perm (x's shape), node ni. */
static bool add_transpose(eb_plan *p, int ni, int xv, const int64_t *xshape, int rank, const int *perm, int yv,
                          eb_err *err)
{
    step *s = eb_cpu_new_step(p, ST_TRANSPOSE, ni, err);
    if (!s)
        return false;
    s->n_in = s->n_out = 1;
    s->in[0] = xv;
    s->out[0] = yv;
    s->tr.rank = rank;
    for (int d = 0; d < rank; d++) {
        s->tr.shape[d] = xshape[d];
        s->tr.perm[d] = perm[d];
    }
    return true;
}

bool eb_cpu_plan_einsum(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || !single_output(n))
        return false;
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    const eb_tensor *in[2] = {&p->pv[av].t, &p->pv[bv].t}, *y = &p->pv[yv].t;
    if (!is_f32(in[0]) || !is_f32(in[1]) || !is_f32(y) || eb_tensor_numel(y) < 1)
        return false;
    eb_einsum_plan ep;
    eb_err ignored;
    if (eb_einsum_parse(n, in, &ep, &ignored) != EB_OK || ep.n_in != 2)
        return false;
    enum { NL = EB_EINSUM_LETTERS + EB_MAX_RANK };
    int where[NL] = {0}; /* bit 0: first operand, 1: second, 2: output */
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < ep.rank[k]; d++) {
            int l = ep.label[k][d];
            if (where[l] & (1 << k) || in[k]->shape[d] != ep.size[l] || ep.size[l] < 1)
                return false; /* a diagonal, a broadcast dim or an empty one */
            where[l] |= 1 << k;
        }
    for (int d = 0; d < ep.out_rank; d++) {
        int l = ep.out_label[d];
        if (where[l] & 4 || !(where[l] & 3))
            return false;
        where[l] |= 4;
    }
    int kind[NL] = {0};
    for (int l = 0; l < NL; l++)
        kind[l] = where[l] == 7 ? L_BATCH : where[l] == 5 ? L_ROW : where[l] == 6 ? L_COL : where[l] == 3 ? L_SUM
                  : where[l] ? -1 : L_NONE;
    for (int l = 0; l < NL; l++)
        if (kind[l] < 0)
            return false; /* a sum over one operand alone */
    /* the labels in order: batch, rows, columns as in the output; summed as in the first operand */
    int batch[EB_MAX_RANK], rows[EB_MAX_RANK], cols[EB_MAX_RANK], sums[EB_MAX_RANK];
    int nb = 0, nr = 0, nc = 0, ns = 0;
    for (int d = 0; d < ep.out_rank; d++) {
        int l = ep.out_label[d];
        if (kind[l] == L_BATCH)
            batch[nb++] = l;
        else if (kind[l] == L_ROW)
            rows[nr++] = l;
        else
            cols[nc++] = l;
    }
    for (int d = 0; d < ep.rank[0]; d++)
        if (kind[ep.label[0][d]] == L_SUM)
            sums[ns++] = ep.label[0][d];
    int64_t m = 1, kk = 1, nn = 1, bt = 1;
    for (int i = 0; i < nb; i++)
        bt *= ep.size[batch[i]];
    for (int i = 0; i < nr; i++)
        m *= ep.size[rows[i]];
    for (int i = 0; i < nc; i++)
        nn *= ep.size[cols[i]];
    for (int i = 0; i < ns; i++)
        kk *= ep.size[sums[i]];
    if (m > INT32_MAX || kk > INT32_MAX || nn > INT32_MAX || bt > INT32_MAX)
        return false;
    /* where each label sits in each operand */
    int pos[2][NL];
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < ep.rank[k]; d++)
            pos[k][ep.label[k][d]] = d;
    int perm_a[EB_MAX_RANK], perm_b[EB_MAX_RANK], ra = 0, rb = 0;
    for (int i = 0; i < nb; i++)
        perm_a[ra++] = pos[0][batch[i]], perm_b[rb++] = pos[1][batch[i]];
    for (int i = 0; i < nr; i++)
        perm_a[ra++] = pos[0][rows[i]];
    for (int i = 0; i < ns; i++)
        perm_a[ra++] = pos[0][sums[i]], perm_b[rb++] = pos[1][sums[i]];
    for (int i = 0; i < nc; i++)
        perm_b[rb++] = pos[1][cols[i]];
    /* [batch, rows, columns] -> the output's order */
    int mid_label[EB_MAX_RANK], nm = 0, perm_y[EB_MAX_RANK];
    int64_t mid_shape[EB_MAX_RANK];
    for (int i = 0; i < nb; i++)
        mid_label[nm++] = batch[i];
    for (int i = 0; i < nr; i++)
        mid_label[nm++] = rows[i];
    for (int i = 0; i < nc; i++)
        mid_label[nm++] = cols[i];
    for (int i = 0; i < nm; i++)
        mid_shape[i] = ep.size[mid_label[i]];
    for (int d = 0; d < ep.out_rank; d++)
        for (int i = 0; i < nm; i++)
            if (mid_label[i] == ep.out_label[d])
                perm_y[d] = i;

    /* (p->pv may move below: the shapes are copied first) */
    int64_t a_shape[EB_MAX_RANK], b_shape[EB_MAX_RANK];
    memcpy(a_shape, in[0]->shape, sizeof a_shape);
    memcpy(b_shape, in[1]->shape, sizeof b_shape);
    int ain = eb_cpu_want_layout(p, av, LAY_NCHW, err), bin = ain < 0 ? -2 : eb_cpu_want_layout(p, bv, LAY_NCHW, err);
    if (ain < 0 || bin < 0) {
        *st = EB_ENOMEM;
        return false;
    }
    int64_t sa_shape[3] = {bt, m, kk}, sb_shape[3] = {bt, kk, nn}, sy_shape[3] = {bt, m, nn};
    int a2 = ain, b2 = bin, y2 = yv;
    bool ok = true;
    if (!is_identity(perm_a, ra)) {
        ok = (a2 = new_temp(p, 3, sa_shape, err)) >= 0 && add_transpose(p, ni, ain, a_shape, ra, perm_a, a2, err);
    }
    if (ok && !is_identity(perm_b, rb)) {
        ok = (b2 = new_temp(p, 3, sb_shape, err)) >= 0 && add_transpose(p, ni, bin, b_shape, rb, perm_b, b2, err);
    }
    bool out_moves = !is_identity(perm_y, ep.out_rank);
    if (ok && out_moves)
        ok = (y2 = new_temp(p, 3, sy_shape, err)) >= 0;
    step *s = ok ? eb_cpu_new_step(p, ST_MATMUL, ni, err) : NULL;
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->mm.m = m;
    s->mm.k = kk;
    s->mm.n = nn;
    s->mm.batches = bt;
    s->mm.yb.dtype = EB_DT_F32;
    s->mm.yb.rank = 1;
    s->mm.yb.shape[0] = bt;
    s->mm.sa[0] = s->mm.sb[0] = 1;
    s->n_in = 2;
    s->in[0] = a2;
    s->in[1] = b2;
    s->n_out = 1;
    s->out[0] = y2;
    if (out_moves && !add_transpose(p, ni, y2, mid_shape, nm, perm_y, yv, err)) {
        *st = EB_ENOMEM;
        return false;
    }
    p->pv[yv].layout = LAY_NCHW;
    return true;
}
