/* cpu_opt_concat.c - Concat into slices (issue 13's "views instead of
 * copies", opt >= 1): the producers of a Concat's inputs write straight
 * into the slices of its output, and the Concat copies only what is left.
 *
 * Two cases, decided per input (piece) once the Concat's copy step has
 * been planned (cpu_plan_movement.c), in the layout that step runs in:
 *  - the piece is one contiguous range of the output (nothing but dims of
 *    1 before the axis, as stored): the piece becomes a view of the output
 *    from its offset (pval.alias), whatever step produces it, and readers
 *    of the piece read it there;
 *  - NHWC along the channels: the piece is produced by a Conv step (GEMM
 *    or Winograd) and read by nothing but this Concat: the Conv writes its
 *    pixels ldy = the output's channels apart (eb_conv2d.ldy) at the
 *    piece's channel offset.  (Other readers would need the piece
 *    contiguous, so a piece read twice, densenet's features, is copied.)
 * A piece qualifies only when it is a buffer of its own (not a view, a
 * constant, a graph input or output, or a piece twice), so nothing else
 * already decides where its bytes live.  The pieces absorbed are dropped
 * from the copy step (in[k] = -1, the step skips their slots); when none
 * is left the step is removed: no Concat runs.  Each Concat that absorbed
 * a piece counts as a "Concat slices" fusion. */
#include "runners/cpu/cpu_plan.h"

/* The Conv step that writes v (and only v), or NULL. */
static step *conv_producer(eb_plan *p, int v)
{
    for (int si = p->n_steps - 1; si >= 0; si--) {
        step *s = &p->steps[si];
        for (int k = 0; k < s->n_out; k++)
            if (s->out[k] == v)
                return s->kind == ST_CONV && s->n_out == 1 && s->conv.ldy == 0 ? s : NULL;
    }
    return NULL;
}

/* A buffer of its own that no other decision places. */
static bool own_buffer(const eb_plan *p, int v, const step *cs, int k)
{
    const pval *pv = &p->pv[v];
    if (pv->is_const || pv->alias >= 0 || pv->fused || pv->decoded || pv->on_grid)
        return false;
    if (pv->gv >= 0 && (p->g->values[pv->gv].is_input || p->is_output[pv->gv]))
        return false;
    for (int j = 0; j < cs->n_in; j++)
        if (j != k && cs->in[j] == v)
            return false;
    return v != cs->out[0];
}

void eb_cpu_concat_slices(eb_plan *p, int ni, step *cs)
{
    if (p->opt < 1 || cs->kind != ST_CONCAT || cs != &p->steps[p->n_steps - 1])
        return;
    int y = cs->out[0];
    bool nhwc = p->pv[y].layout == LAY_NHWC, contiguous = cs->mv.outer == 1;
    size_t off = 0;
    int absorbed = 0, left = 0;
    for (int k = 0; k < cs->n_in; k++) {
        int v = cs->in[k];
        size_t part = cs->mv.part[k];
        bool take = false;
        if (v >= 0 && part > 0 && own_buffer(p, v, cs, k)) {
            if (contiguous) {
                take = true;
            } else if (nhwc && p->pv[v].layout == LAY_NHWC && p->pv[v].twin < 0 && p->pv[v].gv >= 0 &&
                       sole_consumer(p, p->pv[v].gv) == ni) {
                step *ps = conv_producer(p, v);
                if (ps && ps->conv.cout == (int)(part / sizeof(float))) {
                    ps->conv.ldy = (int)(cs->mv.inner / sizeof(float));
                    take = true;
                }
            }
        }
        if (take) {
            p->pv[v].alias = y;
            p->pv[v].alias_off = off;
            cs->in[k] = -1;
            absorbed++;
        } else if (part > 0) {
            left++;
        }
        off += part;
    }
    if (!absorbed)
        return;
    eb_cpu_note_fusion(p, "Concat slices");
    p->pv[y].used = true;
    if (left == 0)
        p->n_steps--; /* nothing to copy: no step */
}
