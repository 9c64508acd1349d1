/* shape_einsum.c - the shape rule of Einsum and its equation parser, shared
 * with the kernels.
 *
 * An equation names each input's axes by letters ("ij,jk->ik"); "..."
 * stands for the remaining (broadcast, right-aligned) leading axes.  With
 * "->" the output is given; without it (implicit form) the output is the
 * ellipsis axes, then the letters that occur exactly once, in ASCII order.
 * A letter repeated within one input takes its diagonal; a letter absent
 * from the output is summed over.  Sizes of a letter must agree across
 * its occurrences; ellipsis axes broadcast as numpy does (1 stretches). */
#include <string.h>

#include "models/op_params.h"

static int letter_id(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return 26 + (c - 'A');
    return -1;
}

/* Reads one term (up to ',' '-' or the end) into labels; ellipsis axes are
 * marked -2 - k for the k-th axis from the left within the ellipsis. */
static eb_status read_term(const char **s, int *labels, int *count, bool *ell, int *ell_pos, eb_err *err)
{
    *count = 0;
    *ell = false;
    *ell_pos = 0;
    while (**s && **s != ',' && **s != '-') {
        char c = **s;
        if (c == ' ') {
            (*s)++;
            continue;
        }
        if (c == '.') {
            if (strncmp(*s, "...", 3) != 0 || *ell)
                return eb_errf(err, EB_EINVAL, "Einsum: malformed ellipsis in the equation");
            *ell = true;
            *ell_pos = *count;
            *s += 3;
            continue;
        }
        int id = letter_id(c);
        if (id < 0)
            return eb_errf(err, EB_EINVAL, "Einsum: character '%c' in the equation is not a letter", c);
        if (*count >= EB_MAX_RANK)
            return eb_errf(err, EB_EINVAL, "Einsum: a term has more than %d axes", EB_MAX_RANK);
        labels[(*count)++] = id;
        (*s)++;
    }
    return EB_OK;
}

eb_status eb_einsum_parse(const eb_node *n, const eb_tensor *const *in, eb_einsum_plan *p, eb_err *err)
{
    char s1[128];
    memset(p, 0, sizeof *p);
    const eb_attr *a = eb_node_attr(n, "equation");
    if (!a || a->type != EB_ATTR_STRING)
        return eb_errf(err, EB_EINVAL, "Einsum: attribute equation (string) is missing");
    const char *s = a->s;
    if (n->n_in < 1)
        return eb_errf(err, EB_EINVAL, "Einsum: no inputs");
    if (n->n_in > EB_EINSUM_MAX_IN)
        return eb_errf(err, EB_EUNSUPPORTED, "Einsum: %d inputs, at most %d supported", n->n_in, EB_EINSUM_MAX_IN);
    p->n_in = n->n_in;
    int ell_rank = 0, letters[EB_MAX_RANK];
    bool has_ell[EB_EINSUM_MAX_IN];
    int ell_pos[EB_EINSUM_MAX_IN], count[EB_EINSUM_MAX_IN];
    int raw[EB_EINSUM_MAX_IN][EB_MAX_RANK];
    eb_status st;
    for (int k = 0; k < p->n_in; k++) {
        if (!in[k])
            return eb_errf(err, EB_EINVAL, "Einsum: input %d is missing", k);
        if ((st = read_term(&s, raw[k], &count[k], &has_ell[k], &ell_pos[k], err)) != EB_OK)
            return st;
        const eb_tensor *t = in[k];
        int er = t->rank - count[k];
        if (er < 0 || (!has_ell[k] && er != 0))
            return eb_errf(err, EB_EINVAL, "Einsum: term %d of the equation names %d axes, input %d is %s", k,
                           count[k], k, eb_tensor_describe(t, s1, sizeof s1));
        if (er > ell_rank)
            ell_rank = er;
        if (k + 1 < p->n_in) {
            if (*s != ',')
                return eb_errf(err, EB_EINVAL, "Einsum: the equation has fewer terms than the %d inputs", p->n_in);
            s++;
        }
    }
    while (*s == ' ')
        s++;
    if (*s == ',')
        return eb_errf(err, EB_EINVAL, "Einsum: the equation has more terms than the %d inputs", p->n_in);
    p->n_labels = EB_EINSUM_LETTERS + ell_rank;
    for (int l = 0; l < p->n_labels; l++)
        p->size[l] = -1;

    /* map each input axis to a label and agree on the sizes */
    int occurrences[EB_EINSUM_LETTERS] = {0};
    for (int k = 0; k < p->n_in; k++) {
        const eb_tensor *t = in[k];
        int er = t->rank - count[k], ax = 0;
        for (int i = 0; i <= count[k]; i++) {
            if (has_ell[k] && i == ell_pos[k])
                for (int e = 0; e < er; e++)
                    p->label[k][ax++] = EB_EINSUM_LETTERS + (ell_rank - er) + e;
            if (i < count[k]) {
                p->label[k][ax++] = raw[k][i];
                occurrences[raw[k][i]]++;
            }
        }
        p->rank[k] = t->rank;
        for (int d = 0; d < t->rank; d++) {
            int l = p->label[k][d];
            int64_t dim = t->shape[d];
            if (p->size[l] < 0 || p->size[l] == dim)
                p->size[l] = dim;
            else if (l >= EB_EINSUM_LETTERS && (p->size[l] == 1 || dim == 1))
                p->size[l] = p->size[l] == 1 ? dim : p->size[l];
            else
                return eb_errf(err, EB_EINVAL, "Einsum: an axis has size %lld in input %d and %lld elsewhere",
                               (long long)dim, k, (long long)p->size[l]);
        }
    }
    for (int l = EB_EINSUM_LETTERS; l < p->n_labels; l++)
        if (p->size[l] < 0)
            p->size[l] = 1;

    int out_n = 0;
    if (*s == '-') {
        if (s[1] != '>')
            return eb_errf(err, EB_EINVAL, "Einsum: malformed '->' in the equation");
        s += 2;
        bool ell;
        int pos;
        if ((st = read_term(&s, letters, &out_n, &ell, &pos, err)) != EB_OK)
            return st;
        if (*s)
            return eb_errf(err, EB_EINVAL, "Einsum: unexpected '%c' in the output term", *s);
        if (out_n + (ell ? ell_rank : 0) > EB_MAX_RANK)
            return eb_errf(err, EB_EINVAL, "Einsum: the output has more than %d axes", EB_MAX_RANK);
        bool used[EB_EINSUM_LETTERS] = {false};
        for (int i = 0; i < out_n; i++) {
            if (used[letters[i]] || occurrences[letters[i]] == 0)
                return eb_errf(err, EB_EINVAL, "Einsum: output letter %d is repeated or in no input", i);
            used[letters[i]] = true;
        }
        int r = 0;
        for (int i = 0; i <= out_n; i++) {
            if (ell && i == pos)
                for (int e = 0; e < ell_rank; e++)
                    p->out_label[r++] = EB_EINSUM_LETTERS + e;
            if (i < out_n)
                p->out_label[r++] = letters[i];
        }
        p->out_rank = r;
    } else {
        int r = 0;
        for (int e = 0; e < ell_rank; e++)
            p->out_label[r++] = EB_EINSUM_LETTERS + e;
        /* ASCII order: the upper-case letters (ids 26..51) first */
        for (int pass = 0; pass < 2; pass++)
            for (int l = pass ? 0 : 26; l < (pass ? 26 : EB_EINSUM_LETTERS); l++)
                if (occurrences[l] == 1) {
                    if (r >= EB_MAX_RANK)
                        return eb_errf(err, EB_EINVAL, "Einsum: the output has more than %d axes", EB_MAX_RANK);
                    p->out_label[r++] = l;
                }
        p->out_rank = r;
    }
    return EB_OK;
}

eb_status eb_shape_einsum(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_einsum_plan p;
    eb_status st = eb_einsum_parse(n, in, &p, err);
    if (st != EB_OK)
        return st;
    for (int k = 0; k < p.n_in; k++) {
        if (!eb_is_numeric(in[k]->dtype))
            return eb_errf(err, EB_EUNSUPPORTED, "Einsum: input %d has dtype %s, not supported", k,
                           eb_dtype_name(in[k]->dtype));
        if (in[k]->dtype != in[0]->dtype)
            return eb_errf(err, EB_EINVAL, "Einsum: input %d has dtype %s, input 0 has %s", k,
                           eb_dtype_name(in[k]->dtype), eb_dtype_name(in[0]->dtype));
    }
    out[0]->dtype = in[0]->dtype;
    out[0]->rank = p.out_rank;
    for (int d = 0; d < p.out_rank; d++)
        out[0]->shape[d] = p.size[p.out_label[d]];
    if (eb_tensor_numel(out[0]) < 0)
        return eb_errf(err, EB_EINVAL, "Einsum: output size overflows");
    return EB_OK;
}
