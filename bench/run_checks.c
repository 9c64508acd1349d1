/* run_checks.c - the checks `edgebench run` makes before it measures (see
 * run_checks.h).  Choices made here:
 *   - a runner name outside the known list is a usage error, one inside it
 *     but not built is a result (unsupported), because a sweep written for
 *     a GPU machine should still run its CPU variants elsewhere;
 *   - threads above the usable CPUs are warned about and recorded, not
 *     refused: oversubscription is a legitimate experiment, but a reader of
 *     the numbers must know the threads shared CPUs;
 *   - --eval above the test set is refused rather than clamped, so that the
 *     count in the result is the count asked for. */
/* sched_getaffinity and CPU_COUNT need _GNU_SOURCE, which the Makefile defines */
#include "bench/run_checks.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/cli.h"
#include "runners/runner.h"

eb_status eb_run_check_runners(const eb_variant_list *l, eb_err *err)
{
    int n_known = 0;
    while (eb_runner_known_names[n_known])
        n_known++;
    for (int i = 0; i < l->n; i++) {
        const char *name = l->items[i].runner;
        if (eb_runner_known(name))
            continue;
        char list[128] = "";
        size_t k = 0;
        for (int j = 0; j < n_known && k < sizeof list; j++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", eb_runner_known_names[j]);
        const char *near = eb_cli_suggest(name, eb_runner_known_names, n_known);
        if (near)
            return eb_errf(err, EB_EINVAL, "variant '%s': no runner named '%s' (did you mean '%s'? runners: %s)",
                           l->items[i].spec, name, near, list);
        return eb_errf(err, EB_EINVAL, "variant '%s': no runner named '%s' (runners: %s)", l->items[i].spec, name,
                       list);
    }
    return EB_OK;
}

/* The zoo model a mistyped reference most likely meant: the same name
 * (with or without .onnx), or a close one.  NULL when none. */
static const char *zoo_guess(const char *word)
{
    const eb_zoo_entry *zoo;
    eb_err err = {{0}};
    int n = eb_zoo_entries(&zoo, &err);
    if (n <= 0)
        return NULL;
    char base[128];
    const char *slash = strrchr(word, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : word);
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".onnx") == 0)
        base[len - 5] = '\0';
    const char *names[64];
    int k = 0;
    for (int i = 0; i < n && k < 64; i++)
        names[k++] = zoo[i].name;
    return eb_cli_suggest(base, names, k);
}

eb_status eb_run_check_model_ref(const char *ref, eb_err *err)
{
    if (strncmp(ref, "zoo:", 4) == 0) {
        if (eb_zoo_find(ref + 4))
            return EB_OK;
        const char *near = zoo_guess(ref + 4);
        if (near)
            return eb_errf(err, EB_EINVAL, "%s: no such zoo model (did you mean 'zoo:%s'? see edgebench models)", ref,
                           near);
        return eb_errf(err, EB_EINVAL, "%s: no such zoo model (see edgebench models)", ref);
    }
    struct stat sb;
    if (stat(ref, &sb) != 0) {
        int e = errno;
        const char *near = e == ENOENT ? zoo_guess(ref) : NULL;
        if (near)
            return eb_errf(err, EB_EINVAL, "%s: %s (did you mean 'zoo:%s'?)", ref, strerror(e), near);
        return eb_errf(err, EB_EINVAL, "%s: %s", ref, strerror(e));
    }
    if (S_ISDIR(sb.st_mode))
        return eb_errf(err, EB_EINVAL, "%s: is a directory, not an ONNX file", ref);
    if (!S_ISREG(sb.st_mode))
        return eb_errf(err, EB_EINVAL, "%s: not a regular file", ref);
    if (access(ref, R_OK) != 0)
        return eb_errf(err, EB_EINVAL, "%s: cannot read: %s", ref, strerror(errno));
    return EB_OK;
}

void eb_run_mark_dims(const eb_graph *g, const eb_shape_opts *opts, bool used[8])
{
    for (int k = 0; k < opts->n_dims && k < 8; k++)
        for (int i = 0; i < g->n_inputs && !used[k]; i++) {
            const eb_value *v = &g->values[g->inputs[i]];
            for (int d = 0; d < v->t.rank && d < EB_MAX_RANK; d++)
                if (v->dim_param[d] && strcmp(v->dim_param[d], opts->dims[k].name) == 0)
                    used[k] = true;
        }
}

void eb_run_list_dims(const eb_graph *g, char *buf, size_t n)
{
    size_t len = strlen(buf);
    for (int i = 0; i < g->n_inputs; i++) {
        const eb_value *v = &g->values[g->inputs[i]];
        for (int d = 0; d < v->t.rank && d < EB_MAX_RANK; d++) {
            const char *p = v->dim_param[d];
            if (!p || !*p)
                continue;
            /* already listed? (whole names between ", ") */
            bool seen = false;
            for (const char *s = buf; !seen && (s = strstr(s, p)) != NULL; s++)
                seen = (s == buf || s[-1] == ' ') && (s[strlen(p)] == ',' || s[strlen(p)] == '\0');
            if (!seen && len + strlen(p) + 3 < n)
                len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", p);
        }
    }
}

eb_status eb_run_check_dims(const eb_shape_opts *opts, const bool used[8], const char *dims_seen, eb_err *err)
{
    for (int k = 0; k < opts->n_dims && k < 8; k++)
        if (!used[k])
            return eb_errf(err, EB_EINVAL, "--dim %s: no model has a symbolic dimension named '%s' (%s%s)",
                           opts->dims[k].name, opts->dims[k].name, *dims_seen ? "they have: " : "they have none",
                           dims_seen);
    return EB_OK;
}

eb_status eb_run_check_eval(int64_t eval_count, const eb_zoo_entry *zoo, const char *model_name, eb_err *err)
{
    if (!zoo || eval_count == INT64_MAX || zoo->test_count <= 0 || eval_count <= zoo->test_count)
        return EB_OK;
    return eb_errf(err, EB_EINVAL,
                   "--eval %lld: the %s test set of %s has %d images (give at most %d, or --eval all)",
                   (long long)eval_count, zoo->dataset, model_name, zoo->test_count, zoo->test_count);
}

int eb_run_usable_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    return CPU_COUNT(&set);
}

static bool oversubscribed(const eb_variant *v, int cpus)
{
    return cpus > 0 && v->threads > cpus;
}

void eb_run_warn_threads(const eb_variant_list *l, int cpus)
{
    for (int i = 0; i < l->n; i++)
        if (oversubscribed(&l->items[i], cpus))
            eb_cli_error("warning: variant '%s': %d threads on %d usable CPU%s (sched_getaffinity): the threads "
                         "will share CPUs; the result records this",
                         l->items[i].spec, l->items[i].threads, cpus, cpus == 1 ? "" : "s");
}

void eb_run_add_warnings(eb_result *r, int cpus)
{
    if (cpus > 0 && r->variant.threads > cpus)
        eb_result_warn(r, "threads=%d is more than the %d CPU%s this process may use (sched_getaffinity): the "
                          "threads shared CPUs",
                       r->variant.threads, cpus, cpus == 1 ? "" : "s");
}
