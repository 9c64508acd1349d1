/* compare.h - two result sets side by side: which (model, variant, device)
 * got slower, faster, less accurate or bigger, and whether that is beyond
 * noise.
 *
 * Results are paired by (model, variant spec, device), where the model is
 * its identity, name and SHA-256 (model_label.h), not its file name: two
 * different models both called net.onnx are two models.  The k-th
 * occurrence of a key in BASE pairs with the k-th in NEW.  Then a result
 * left over in BASE pairs with one left over in NEW of the same model path
 * and name, variant and device whose SHA-256 differs: the model changed.
 * Such a pair has verdict `model changed` and nothing judged but its
 * status (a latency, accuracy or memory change of another model is not a
 * regression of this code), unless allow_model_change asks for the usual
 * judgement.  The rest are listed as only in one side.  For a pair where
 * both ran (status ok):
 *   latency   ratio of medians new/base from the raw samples, with a 95%
 *             percentile-bootstrap interval (stats.h), and a two-sided
 *             Mann-Whitney U test; the verdict is `slower` when p < alpha
 *             and ratio > 1 + threshold, `faster` when p < alpha and
 *             ratio < 1 / (1 + threshold), else `same`.  When either side
 *             ran in several worker processes (run --processes), the
 *             interval and the test are the hierarchical bootstrap's
 *             (processes resampled first, then samples), so a shift from
 *             one process to the next is not mistaken for a change; with
 *             one process a side they cover the within-process scatter
 *             only, and the pair's note says so.  The rule's calibration
 *             (A/A pairs called slower, 10% slowdowns caught) is measured
 *             on generated data by tests/test_compare_calibration.c;
 *   accuracy  when both have the same task metric on the same image count,
 *             a drop of more than acc_threshold percentage points is a
 *             regression; drift (rel_l2 against each run's own baseline)
 *             is shown side by side, never judged;
 *   memory    the figure is the peak growth over prepare + timed runs when
 *             both results have it (what the runner and its settings add,
 *             steady to a few pages from run to run, where the process
 *             peak is mostly the model's loading, the same for every
 *             variant), else the process peak (older files, no /proc).
 *             Growth of more than mem_threshold percent AND more
 *             than mem_floor_bytes is a regression: the peak RSS of one
 *             build varies from run to run by up to 1.3 MiB (15.1 to 16.4
 *             MiB over 30 runs of the zoo's MLP on one machine), so small
 *             processes need an absolute floor as well.
 *   energy    shown, not judged: the ratio of joules per inference when
 *             both are measured, or both estimated by the same method,
 *             and both valid; otherwise the pair says why not (an
 *             estimate and a measurement are not alike).
 * A pair where either side did not run has verdict n/a; ok in BASE and
 * failed, crashed or timed out in NEW is a regression (ok -> unsupported
 * is reported, not counted: unsupported is a result, not a failure).
 *
 * The comparison borrows the two sets: keep them alive until
 * eb_comparison_free. */
#ifndef EB_COMPARE_H
#define EB_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "reports/processes.h"
#include "reports/results_load.h"
#include "reports/stats.h"

struct cJSON;

typedef enum eb_verdict {
    EB_VERDICT_SAME,
    EB_VERDICT_FASTER,
    EB_VERDICT_SLOWER,
    EB_VERDICT_NA,
    EB_VERDICT_MODEL_CHANGED, /* the model's SHA-256 differs: not judged */
} eb_verdict;

/* "same", "faster", "slower", "n/a", "model changed". */
const char *eb_verdict_name(eb_verdict v);

typedef struct eb_compare_opts {
    double threshold_pct;     /* latency: a change must exceed this (5 = 5%) */
    double alpha;             /* significance level of the U test (0.01) */
    double acc_threshold_pp;  /* task metric drop in percentage points (0.5) */
    double mem_threshold_pct; /* peak RSS growth (5) */
    double mem_floor_bytes;   /* ... and at least this many bytes (2 MiB) */
    int resamples;            /* bootstrap resamples (EB_BOOT_RESAMPLES) */
    uint64_t seed;            /* bootstrap seed (EB_BOOT_SEED) */
    bool allow_model_change;  /* judge pairs whose model changed as any other */
} eb_compare_opts;

/* The defaults above. */
eb_compare_opts eb_compare_opts_default(void);

/* The latency verdict rule, alone: slower/faster/same from a ratio new/base
 * and a p-value. */
eb_verdict eb_compare_verdict(double ratio, double p, const eb_compare_opts *o);

typedef struct eb_latency_cmp {
    int n_base, n_new;
    double base_median, new_median; /* ms, from the raw samples */
    eb_ratio_ci ratio;              /* new/base, 95% bootstrap interval */
    eb_mw mw;                       /* new (x) against base (y); only the test with one process a side */
    eb_verdict verdict;
    /* processes (--processes): with more than one on either side, the
     * interval and the test are the hierarchical bootstrap's (stats.h) */
    int k_base, k_new;              /* worker processes behind each side, >= 1 */
    bool hierarchical;              /* processes resampled first; else within-process only */
    double p;                       /* the p the verdict used: mw.p, or the hierarchical bootstrap test's */
} eb_latency_cmp;

/* Compares two arrays of raw latency samples (ms).  EB_EINVAL (with the
 * reason) when either is empty, holds a non-finite value or the base median
 * is not positive; EB_ENOMEM. */
eb_status eb_compare_latency(const double *base, int nb, const double *new, int nn, const eb_compare_opts *o,
                             eb_latency_cmp *out, eb_err *err);

/* The same on samples grouped by process.  One process a side: exactly
 * eb_compare_latency (Mann-Whitney U and the plain bootstrap; the interval
 * and test then only know the scatter within one process, and say so).
 * More than one on either side: the ratio's 95% interval and the test are
 * the hierarchical bootstrap's (eb_hier_ratio_ci: processes first, then
 * samples), and the verdict uses that test's p. */
eb_status eb_compare_latency_groups(const eb_sample_groups *base, const eb_sample_groups *new,
                                    const eb_compare_opts *o, eb_latency_cmp *out, eb_err *err);

typedef struct eb_compare_pair {
    const eb_result *base, *new; /* borrowed; one of them is NULL when unpaired */
    bool latency_compared;
    eb_latency_cmp lat;
    eb_verdict verdict;          /* the latency verdict; n/a when not compared */
    char note[320];              /* why n/a, status changes, what was not compared */
    bool status_regressed;       /* ok -> failed, crashed or timeout */
    bool acc_compared;
    double acc_delta_pp;         /* (new - base) * 100 */
    bool acc_regressed;
    bool drift_shown;            /* both have rel_l2 */
    bool mem_compared;
    double mem_growth_pct;       /* (new / base - 1) * 100 */
    bool mem_by_growth;          /* judged on the peak growth over prepare + runs, else the process peak */
    bool mem_regressed;
    /* energy: shown, never judged; only two figures of the same kind and
     * method, both valid, are put side by side (an estimate is never
     * compared with a measurement); energy_note says why not */
    bool energy_compared;
    double energy_ratio;         /* new / base joules per inference */
    char energy_note[200];       /* why not compared, "" when compared or neither has a figure */
    bool regressed;              /* slower, or any of the three above */
    bool model_changed;          /* same path and name, another SHA-256 */
    char base_label[160], new_label[160]; /* the models' names, told apart (model_label.h) */
} eb_compare_pair;

typedef struct eb_compare_counts {
    int paired, slower, faster, same, na;
    int acc_regressed, mem_regressed, status_regressed;
    int only_base, only_new;
    int model_changed; /* pairs whose model's SHA-256 differs */
    int regressed; /* pairs with any regression */
} eb_compare_counts;

typedef struct eb_comparison {
    eb_compare_opts opts;
    const eb_result_set *base, *new;
    eb_compare_pair *pairs; /* paired ones in BASE's order, then only-in-base, then only-in-new */
    int n;
    eb_compare_counts count;
} eb_comparison;

/* Merged documents (reports/merge.h): pairs also match on the results'
 * device_id, and the reports give a table and a verdict per device. */
#define EB_COMPARE_MAX_DEVICES 256

/* The device_id of a pair ("" outside merged documents). */
const char *eb_compare_pair_device_id(const eb_compare_pair *p);

/* The counts of the pairs of one device (all pairs for device_id NULL). */
void eb_compare_count(const eb_comparison *c, const char *device_id, eb_compare_counts *k);

/* The distinct non-empty device ids of the pairs, in order, at most max
 * (borrowed from the sets); 0 outside merged documents. */
int eb_compare_devices(const eb_comparison *c, const char **ids, int max);

/* Pairs and compares; fails only on EB_ENOMEM.  Free with
 * eb_comparison_free. */
eb_status eb_compare_sets(const eb_result_set *base, const eb_result_set *new, const eb_compare_opts *o,
                          eb_comparison *out, eb_err *err);
void eb_comparison_free(eb_comparison *c);

/* The markdown report: a header naming both files, the table (model,
 * variant, device, base median, new median, ratio [95% CI], p, verdict,
 * notes), the unpaired results, and the summary line. */
void eb_compare_write_md(FILE *f, const eb_comparison *c);

/* One line: "3 paired: 1 slower, 0 faster, 2 same, 0 n/a; ... -> REGRESSED". */
void eb_compare_summary(const eb_comparison *c, char *buf, size_t n);

/* The same as a JSON document (caller owns it; NULL on OOM). */
struct cJSON *eb_compare_json(const eb_comparison *c);

#endif
