/* plot_gnuplot.c - the report's plots as gnuplot data files and scripts,
 * and running gnuplot on them (see plot_gnuplot.h).
 *
 * Every script has the same frame: a comment saying how to redraw it, then
 * a loop over the two outputs (PNG through pngcairo, or gd's png where
 * gnuplot was built without cairo, and SVG) around the plot commands, so
 * the PNG and the SVG are the same figure.  Text goes through `noenhanced`
 * terminals and eb_gp_quote, so a model or variant name is printed as it
 * is, never interpreted. */
#include "reports/plot_gnuplot.h"
#include "reports/report_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/file_replace.h"
#include "reports/pareto.h"

enum { PNG_FONT = 11, SVG_FONT = 13 };
static const char WHISKER_COLOUR[] = "#222222";
static const char FRONT_COLOUR[] = "#444444";
/* point types for thread-scaling lines, one per model */
static const int POINT_TYPES[] = {7, 5, 9, 11, 13, 15};

void eb_gp_quote(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    if (n < 3) {
        if (n)
            buf[0] = '\0';
        return;
    }
    buf[k++] = '\'';
    for (; *s && k + 3 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'') {
            buf[k++] = '\'';
            buf[k++] = '\'';
        } else {
            buf[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
    }
    buf[k++] = '\'';
    buf[k] = '\0';
}

void eb_plot_stem(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return;
    for (; *s && k + 1 < n; s++) {
        char c = *s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || (c == '.' && k > 0);
        buf[k++] = keep ? c : '_';
    }
    if (k == 0 && n > 1)
        buf[k++] = '_';
    buf[k] = '\0';
}

/* s as a double-quoted gnuplot string, broken into two lines before
 * " @ FILE" so that long series labels fit under a tic. */
static void gp_quote_wrapped(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    if (n < 3) {
        if (n)
            buf[0] = '\0';
        return;
    }
    buf[k++] = '"';
    for (; *s && k + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (strncmp(s, " @ ", 3) == 0) {
            memcpy(buf + k, "\\n@", 3);
            k += 3;
            s += 1; /* the loop skips the '@'; the space after it is kept */
        } else if (c == '"' || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = (char)c;
        } else {
            buf[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
    }
    buf[k++] = '"';
    buf[k] = '\0';
}

/* ---- the list ---- */

static eb_plot *add_plot(eb_plot_list *l, const char *name, int model, eb_err *err)
{
    eb_plot *grown = realloc(l->items, (size_t)(l->n + 1) * sizeof *grown);
    if (!grown) {
        eb_errf(err, EB_ENOMEM, "report: out of memory");
        return NULL;
    }
    l->items = grown;
    eb_plot *p = &grown[l->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->model = model;
    return p;
}

void eb_plot_list_free(eb_plot_list *list)
{
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

/* ---- one script and its data file ---- */

typedef struct script {
    FILE *gp, *dat;
    const char *name;
    char gp_path[1024], dat_path[1024];
    eb_file_replace gp_file, dat_file; /* mkstemp + rename: a planted link is not followed */
} script;

static eb_status script_open(script *s, const char *dir, const char *name, const char *what, int w, int h,
                             eb_err *err)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    snprintf(s->gp_path, sizeof s->gp_path, "%s/%s.gp", dir, name);
    snprintf(s->dat_path, sizeof s->dat_path, "%s/%s.dat", dir, name);
    if (eb_file_replace_open(&s->gp_file, s->gp_path, err) != EB_OK)
        return EB_EIO;
    if (eb_file_replace_open(&s->dat_file, s->dat_path, err) != EB_OK) {
        eb_file_replace_abort(&s->gp_file);
        return EB_EIO;
    }
    s->gp = s->gp_file.f;
    s->dat = s->dat_file.f;
    fprintf(s->dat, "# %s.dat - the numbers behind %s.gp (written by edgebench report)\n", name, name);
    fprintf(s->gp,
            "# %s.gp - %s\n"
            "# Written by `edgebench report`; the numbers are in %s.dat.  Edit this\n"
            "# file and run `gnuplot %s.gp` in this folder to redraw %s.png and %s.svg.\n"
            "reset\n"
            "set datafile missing '?'\n"
            "set encoding utf8\n"
            "do for [fmt in \"png svg\"] {\n"
            "  if (fmt eq \"png\") {\n"
            "    if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
            "      set terminal pngcairo size %d,%d font 'DejaVu Sans,%d' noenhanced background rgb 'white'\n"
            "    } else {\n"
            "      set terminal png size %d,%d noenhanced background rgb 'white'\n"
            "    }\n"
            "    set output '%s.png'\n"
            "  } else {\n"
            "    set terminal svg size %d,%d font 'sans-serif,%d' noenhanced background rgb 'white'\n"
            "    set output '%s.svg'\n"
            "  }\n"
            "  set border 3 lc rgb '#555555'\n"
            "  set tics nomirror out scale 0.6\n"
            "  set grid ytics lc rgb '#e0e0e0' lt 1\n"
            "  set key outside right top vertical Left reverse samplen 1.5 spacing 1.15 noenhanced\n",
            name, what, name, name, name, name, w, h, PNG_FONT, w, h, name, w, h, SVG_FONT, name);
    return EB_OK;
}

static eb_status script_close(script *s, eb_err *err)
{
    fprintf(s->gp, "  set output\n}\n");
    if (ferror(s->gp) || ferror(s->dat)) {
        eb_file_replace_abort(&s->gp_file);
        eb_file_replace_abort(&s->dat_file);
        return eb_errf(err, EB_EIO, "%s: write failed", s->gp_path);
    }
    eb_status st = eb_file_replace_commit(&s->dat_file, err);
    if (st != EB_OK) {
        eb_file_replace_abort(&s->gp_file);
        return st;
    }
    return eb_file_replace_commit(&s->gp_file, err);
}

/* ---- shared pieces ---- */

static void q(const char *s, char *buf, size_t n)
{
    eb_gp_quote(s, buf, n);
}

/* Log scale when the values span more than this factor. */
#define LOG_SPAN 30.0

/* xtics at 0..n_models-1 named after the models. */
static void model_xtics(FILE *gp, const eb_report *rep)
{
    size_t longest = 0;
    for (int m = 0; m < rep->n_models; m++)
        longest = strlen(rep->models[m]) > longest ? strlen(rep->models[m]) : longest;
    bool rotate = rep->n_models * (longest + 2) > 70;
    fprintf(gp, "  set xtics (");
    for (int m = 0; m < rep->n_models; m++) {
        char s[300];
        q(rep->models[m], s, sizeof s);
        fprintf(gp, "%s%s %d", m ? ", " : "", s, m);
    }
    fprintf(gp, ") scale 0 %s\n", rotate ? "rotate by 25 right" : "norotate");
    fprintf(gp, "  set xrange [-0.6:%g]\n", rep->n_models - 0.4);
}

/* y axis from lo to hi (positive values): log scale when they span more
 * than `span`.  Returns whether it chose log. */
static bool value_axis_span(FILE *gp, char axis, double lo, double hi, bool from_zero, double span)
{
    if (!(hi > 0))
        hi = 1;
    if (lo > 0 && hi / lo > span) {
        double a = lo / 1.8, b = hi * 1.8;
        fprintf(gp, "  set logscale %c\n  set %crange [%.9g:%.9g]\n  set format %c '%%g'\n", axis, axis, a, b, axis);
        if (b / a < 1e4) { /* few decades: label 1, 2 and 5 of each */
            fprintf(gp, "  set %ctics (", axis);
            int k = 0;
            for (double d = pow(10, floor(log10(a))); d <= b; d *= 10)
                for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
                    if (d * m >= a && d * m <= b)
                        fprintf(gp, "%s%.9g", k++ ? ", " : "", d * m);
            fprintf(gp, ")\n");
        }
        return true;
    }
    fprintf(gp, "  unset logscale %c\n  set %crange [%.9g:%.9g]\n", axis, axis, from_zero ? 0.0 : lo - (hi - lo) * 0.1,
            hi * 1.12);
    return false;
}

static bool value_axis(FILE *gp, char axis, double lo, double hi, bool from_zero)
{
    return value_axis_span(gp, axis, lo, hi, from_zero, LOG_SPAN);
}

/* Box plots of samples 8x apart already squash the faster box flat. */
#define DIST_LOG_SPAN 8.0

/* ---- grouped bars ---- */

/* A bar's value for entry e: returns the class (0, 1: two looks, e.g.
 * measured and estimated energy) or -1 for no bar; lo/hi a whisker or NAN. */
typedef int (*bar_fn)(const eb_report_entry *e, double *v, double *lo, double *hi);

typedef struct bar_blocks {
    int n;
    int *series; /* per block */
    int *cls;    /* per block */
    double lo, hi; /* the smallest and largest positive values, whiskers included */
    double width;
} bar_blocks;

static void bar_blocks_free(bar_blocks *b)
{
    free(b->series);
    free(b->cls);
    b->series = NULL;
    b->cls = NULL;
    b->n = 0;
}

/* Writes one data block per (series, class) that has bars, starting at
 * data-file index `first`: x, value, whisker low, whisker high. */
static eb_status write_bars(const eb_report *rep, FILE *dat, int first, bar_fn fn, bar_blocks *b, eb_err *err)
{
    int n = rep->n_entries;
    memset(b, 0, sizeof *b);
    b->lo = INFINITY;
    b->hi = 0;
    double *x = calloc((size_t)(n > 0 ? n : 1), sizeof *x);
    int *count = calloc((size_t)(rep->n_models > 0 ? rep->n_models : 1), sizeof *count);
    b->series = calloc((size_t)(2 * rep->n_series + 1), sizeof *b->series);
    b->cls = calloc((size_t)(2 * rep->n_series + 1), sizeof *b->cls);
    if (!x || !count || !b->series || !b->cls) {
        free(x);
        free(count);
        bar_blocks_free(b);
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    }
    int most = 1;
    double v, lo, hi;
    for (int i = 0; i < n; i++)
        if (fn(&rep->entries[i], &v, &lo, &hi) >= 0 && ++count[rep->entries[i].model] > most)
            most = count[rep->entries[i].model];
    b->width = fmin(0.8 / most, 0.22); /* a lone bar is not a wall */
    /* entries are ordered by model, then series: place them left to right */
    int *seen = calloc((size_t)(rep->n_models > 0 ? rep->n_models : 1), sizeof *seen);
    if (!seen) {
        free(x);
        free(count);
        bar_blocks_free(b);
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    }
    for (int i = 0; i < n; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (fn(e, &v, &lo, &hi) < 0)
            continue;
        int j = seen[e->model]++;
        x[i] = e->model + (j - (count[e->model] - 1) / 2.0) * b->width;
    }
    for (int s = 0; s < rep->n_series; s++)
        for (int c = 0; c < 2; c++) {
            bool any = false;
            for (int i = 0; i < n; i++) {
                const eb_report_entry *e = &rep->entries[i];
                if (e->series != s || fn(e, &v, &lo, &hi) != c)
                    continue;
                if (!any)
                    fprintf(dat, "# block %d: %s\n", first + b->n, rep->series[s].label);
                any = true;
                fprintf(dat, "%.9g %.9g ", x[i], v);
                if (isfinite(lo) && isfinite(hi))
                    fprintf(dat, "%.9g %.9g\n", lo, hi);
                else
                    fprintf(dat, "? ?\n");
                double vals[3] = {v, lo, hi};
                for (int k = 0; k < 3; k++)
                    if (isfinite(vals[k]) && vals[k] > 0) {
                        b->lo = fmin(b->lo, vals[k]);
                        b->hi = fmax(b->hi, vals[k]);
                    }
            }
            if (any) {
                fprintf(dat, "\n\n");
                b->series[b->n] = s;
                b->cls[b->n] = c;
                b->n++;
            }
        }
    free(x);
    free(count);
    free(seen);
    return EB_OK;
}

/* The plot command for bars written by write_bars (blocks from index
 * `first` of data file `dat`); class 1 bars are hatched and titled with
 * cls1_suffix. */
static void plot_bars(FILE *gp, const eb_report *rep, const char *dat, int first, const bar_blocks *b, bool whiskers,
                      bool titles, const char *cls1_suffix)
{
    fprintf(gp, "  set boxwidth %.6g absolute\n", b->width * 0.92);
    fprintf(gp, "  plot \\\n");
    bool whisker_titled = false;
    for (int k = 0; k < b->n; k++) {
        const eb_report_series *s = &rep->series[b->series[k]];
        char title[700], label[660];
        snprintf(label, sizeof label, "%s%s", s->label, b->cls[k] ? cls1_suffix : "");
        q(label, title, sizeof title);
        fprintf(gp, "    '%s' index %d using 1:2 with boxes %s lc rgb '%s' fc rgb '%s' %s%s%s", dat, first + k,
                b->cls[k] ? "fs pattern 4 border" : "fs solid 0.9 noborder", s->colour, s->colour,
                titles ? "title " : "notitle", titles ? title : "", k + 1 < b->n || whiskers ? ", \\\n" : "\n");
    }
    for (int k = 0; whiskers && k < b->n; k++) {
        fprintf(gp,
                "    '%s' index %d using 1:3:(0):($4-$3) with vectors heads size screen 0.005,90 lw 1.5 "
                "lc rgb '%s' %s%s",
                dat, first + k, WHISKER_COLOUR, titles && !whisker_titled ? "title '95% CI of the median'" : "notitle",
                k + 1 < b->n ? ", \\\n" : "\n");
        whisker_titled = true;
    }
}

/* ---- latency bars ---- */

static int latency_bar(const eb_report_entry *e, double *v, double *lo, double *hi)
{
    if (!eb_report_has_latency(e))
        return -1;
    *v = e->r->latency.median;
    *lo = e->r->latency.ci_available ? e->r->latency.ci_low : NAN;
    *hi = e->r->latency.ci_available ? e->r->latency.ci_high : NAN;
    return 0;
}

/* The latency bars of rep as plot NAME; device: the device of a merged
 * document the entries are limited to (named in the title), or NULL. */
static eb_status plot_latency_as(const eb_report *rep, const char *name, const char *device, const char *dir,
                                 eb_plot_list *out, eb_err *err)
{
    eb_plot *p = add_plot(out, name, -1, err);
    if (!p)
        return EB_ENOMEM;
    char on[160] = "", qon[400] = "";
    if (device) {
        snprintf(on, sizeof on, " on %s", device);
        eb_gp_quote(on, qon, sizeof qon);
        qon[strlen(qon) - 1] = '\0'; /* inside the title's quotes */
    }
    snprintf(p->title, sizeof p->title, "Latency per variant%s", on);
    bool any = false;
    int with_ci = 0, n = 0;
    for (int i = 0; i < rep->n_entries; i++)
        if (eb_report_has_latency(&rep->entries[i])) {
            any = true;
            n++;
            with_ci += rep->entries[i].r->latency.ci_available;
        }
    if (!any) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "no result has latency samples (no variant ran successfully)");
        return EB_OK;
    }
    script s;
    eb_status st = script_open(&s, dir, p->name, "median latency per variant, grouped by model", 1100, 560, err);
    if (st != EB_OK)
        return st;
    bar_blocks b;
    if ((st = write_bars(rep, s.dat, 0, latency_bar, &b, err)) != EB_OK) {
        script_close(&s, err);
        return st;
    }
    bool log = value_axis(s.gp, 'y', b.lo, b.hi, true);
    fprintf(s.gp, "  set title 'Median latency per variant%s%s'\n", device ? qon + 1 : "",
            with_ci ? " (whiskers: 95% confidence interval of the median)"
                    : " (too few samples for a confidence interval of the median)");
    fprintf(s.gp, "  set ylabel 'median latency (ms%s)'\n  set xlabel 'model'\n", log ? ", log scale" : "");
    model_xtics(s.gp, rep);
    char dat[128];
    snprintf(dat, sizeof dat, "%s.dat", name);
    plot_bars(s.gp, rep, dat, 0, &b, with_ci > 0, true, "");
    bar_blocks_free(&b);
    snprintf(p->caption, sizeof p->caption,
             "Bars: median latency per inference (warm-up runs excluded), one colour per variant. Whiskers: the "
             "distribution-free 95%% confidence interval of the median (%d of %d results have one; with fewer "
             "than 6 samples there is none).%s",
             with_ci, n, log ? " The latency axis is logarithmic because the medians span more than 30x." : "");
    return script_close(&s, err);
}

static eb_status plot_latency(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    return plot_latency_as(rep, "latency", NULL, dir, out, err);
}

/* Merged documents: one latency plot per device, latency_DEVICE, from the
 * report's entries of that device (report_devices.h). */
static eb_status plot_latency_per_device(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    const char *ids[EB_REPORT_MAX_DEVICES];
    int n = eb_report_devices(rep, ids, EB_REPORT_MAX_DEVICES);
    if (n == 0)
        return EB_OK;
    eb_report_entry *keep = calloc((size_t)rep->n_entries, sizeof *keep);
    if (!keep)
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    eb_status st = EB_OK;
    for (int d = 0; d < n && st == EB_OK; d++) {
        eb_report sub = *rep;
        sub.entries = keep;
        sub.n_entries = 0;
        for (int i = 0; i < rep->n_entries; i++)
            if (strcmp(rep->entries[i].r->device_id, ids[d]) == 0)
                keep[sub.n_entries++] = rep->entries[i];
        char stem[64], name[80];
        eb_plot_stem(ids[d], stem, sizeof stem);
        snprintf(name, sizeof name, "latency_%s", stem);
        for (int k = 2, clash = 1; clash; k++) { /* two ids may map to one stem */
            clash = 0;
            for (int j = 0; j < out->n && !clash; j++)
                clash = strcmp(out->items[j].name, name) == 0;
            if (clash)
                snprintf(name, sizeof name, "latency_%s-%d", stem, k);
        }
        st = plot_latency_as(&sub, name, ids[d], dir, out, err);
    }
    free(keep);
    return st;
}

/* ---- accuracy against latency, with the Pareto front ---- */

enum acc_kind { ACC_NONE, ACC_TASK, ACC_DRIFT };

static bool acc_value(enum acc_kind k, const eb_report_entry *e, double *v)
{
    const eb_result *r = e->r;
    if (!eb_report_has_latency(e))
        return false;
    if (k == ACC_TASK && r->task.available && isfinite(r->task.value)) {
        *v = r->task.value * 100;
        return true;
    }
    if (k == ACC_DRIFT && r->is_baseline) {
        *v = 0; /* the baseline is the reference itself */
        return true;
    }
    if (k == ACC_DRIFT && r->drift.available && isfinite(r->drift.rel_l2)) {
        *v = r->drift.rel_l2;
        return true;
    }
    return false;
}

/* Where the accuracy plot's axes and legend put things, to place labels
 * in pixels: the ranges set, and the longest legend entry. */
typedef struct label_frame {
    double x0, x1, y0, y1;
    bool logx;
    size_t legend_chars;
    double left, right, top, bottom; /* the plot area in pixels, estimated */
} label_frame;

enum { ACC_W = 1000, ACC_H = 560 }; /* the accuracy plot's size in pixels */

static double frame_px(const label_frame *f, double x)
{
    double t = f->logx ? log(x / f->x0) / log(f->x1 / f->x0) : (x - f->x0) / (f->x1 - f->x0);
    return f->left + (f->right - f->left) * t;
}

static double frame_py(const label_frame *f, double y)
{
    return f->bottom - (f->bottom - f->top) * ((y - f->y0) / (f->y1 - f->y0));
}

/* Labels the front points, fastest first, each at the first of a few
 * spots around its point (right above, right below, left above, ...)
 * where it overlaps no label placed before and no point, and stays inside
 * the plot - estimated in pixels from the plot's size and font, so a
 * cluster of front points does not print its names over each other. */
static void place_front_labels(FILE *gp, const eb_report *rep, const double *cost, const double *value,
                               const bool *front, int n, bool negate, label_frame fr)
{
    enum { CHAR_W = 7, LINE_H = 15, MAX_LABELS = 256 };
    fr.left = 85;
    fr.right = ACC_W - (fr.legend_chars * 7.5 + 75);
    fr.top = 45;
    fr.bottom = ACC_H - 62;
    struct box {
        double x0, y0, x1, y1;
    } placed[MAX_LABELS];
    int n_placed = 0;
    for (int last = -1;;) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (front[i] && (last < 0 || cost[i] > cost[last] || (cost[i] == cost[last] && i > last)) &&
                (best < 0 || cost[i] < cost[best] || (cost[i] == cost[best] && i < best)))
                best = i;
        if (best < 0)
            break;
        last = best;
        const char *text = rep->series[rep->entries[best].series].label;
        double y = negate ? -value[best] : value[best], px = frame_px(&fr, cost[best]), py = frame_py(&fr, y);
        double w = strlen(text) * CHAR_W + 4;
        /* candidate boxes: offset of the left edge and the top from the point */
        static const double SPOTS[][2] = {{12, -LINE_H - 6}, {12, 6}, {-12, -LINE_H - 6}, {-12, 6},
                                          {12, -2 * LINE_H - 8}, {12, LINE_H + 10}, {-12, -2 * LINE_H - 8},
                                          {-12, LINE_H + 10}};
        int chosen = 0;
        for (int c = 0; c < (int)(sizeof SPOTS / sizeof SPOTS[0]); c++) {
            double bx0 = SPOTS[c][0] > 0 ? px + SPOTS[c][0] : px + SPOTS[c][0] - w, by0 = py + SPOTS[c][1];
            struct box b = {bx0, by0, bx0 + w, by0 + LINE_H};
            bool ok = b.x0 >= fr.left && b.x1 <= fr.right + 40 && b.y0 >= fr.top && b.y1 <= fr.bottom;
            for (int k = 0; k < n_placed && ok; k++)
                ok = b.x1 <= placed[k].x0 || b.x0 >= placed[k].x1 || b.y1 <= placed[k].y0 || b.y0 >= placed[k].y1;
            for (int i = 0; i < n && ok; i++) { /* nor over a point (radius about 9 px) */
                if (!isfinite(cost[i]) || !isfinite(value[i]))
                    continue;
                double qx = frame_px(&fr, cost[i]), qy = frame_py(&fr, negate ? -value[i] : value[i]);
                ok = qx + 9 <= b.x0 || qx - 9 >= b.x1 || qy + 9 <= b.y0 || qy - 9 >= b.y1;
            }
            if (ok) {
                chosen = c;
                if (n_placed < MAX_LABELS)
                    placed[n_placed++] = b;
                break;
            }
        }
        /* offsets in screen fractions to the box's middle (gnuplot centres
         * a label vertically on its position; its y grows upwards) */
        double dx = SPOTS[chosen][0] / ACC_W, dy = -(SPOTS[chosen][1] + LINE_H / 2.0) / ACC_H;
        char lab[700];
        q(text, lab, sizeof lab);
        fprintf(gp, "  set label %s at %.9g,%.9g offset screen %.4f,screen %.4f %s front tc rgb '%s'\n", lab,
                cost[best], y, dx, dy, SPOTS[chosen][0] > 0 ? "left" : "right", FRONT_COLOUR);
    }
}

/* "top1_accuracy" -> "top-1 accuracy" */
static void metric_name(const char *m, char *buf, size_t n)
{
    if (strncmp(m, "top1", 4) == 0)
        snprintf(buf, n, "top-1%s", m + 4);
    else
        snprintf(buf, n, "%s", *m ? m : "task metric");
    for (char *c = buf; *c; c++)
        if (*c == '_')
            *c = ' ';
}

static eb_status plot_accuracy(const eb_report *rep, int m, const char *stem, const char *dir, eb_plot_list *out,
                               eb_err *err)
{
    char name[96];
    snprintf(name, sizeof name, "accuracy_%s", stem);
    eb_plot *p = add_plot(out, name, m, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "%s: accuracy against latency", rep->models[m]);
    enum acc_kind kind = ACC_NONE;
    const eb_report_entry *first_task = NULL;
    int n_ok = 0;
    char drift_why[200] = "";
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (e->model != m || !eb_report_has_latency(e))
            continue;
        n_ok++;
        if (e->r->task.available && isfinite(e->r->task.value) && !first_task)
            first_task = e;
        if (!e->r->is_baseline && e->r->drift.available && isfinite(e->r->drift.rel_l2) && kind == ACC_NONE)
            kind = ACC_DRIFT;
        if (!e->r->is_baseline && !e->r->drift.available && !*drift_why)
            snprintf(drift_why, sizeof drift_why, "%s", e->r->drift.reason);
    }
    if (first_task)
        kind = ACC_TASK;
    if (kind == ACC_NONE) {
        p->skipped = true;
        if (n_ok == 0)
            snprintf(p->caption, sizeof p->caption, "no variant of %s ran successfully", rep->models[m]);
        else if (*drift_why)
            snprintf(p->caption, sizeof p->caption, "no task metric, and no output drift (%s)", drift_why);
        else
            snprintf(p->caption, sizeof p->caption,
                     "no task metric, and only the baseline ran: no drift to compare (run compressed or other "
                     "variants of %s)",
                     rep->models[m]);
        return EB_OK;
    }
    int n = rep->n_entries;
    double *cost = malloc((size_t)n * sizeof *cost), *value = malloc((size_t)n * sizeof *value);
    bool *front = malloc((size_t)n * sizeof *front);
    if (!cost || !value || !front) {
        free(cost);
        free(value);
        free(front);
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    }
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = -INFINITY;
    int points = 0, left_out = 0;
    for (int i = 0; i < n; i++) {
        const eb_report_entry *e = &rep->entries[i];
        double v;
        cost[i] = value[i] = NAN;
        if (e->model != m)
            continue;
        if (!acc_value(kind, e, &v)) {
            left_out += eb_report_has_latency(e);
            continue;
        }
        cost[i] = e->r->latency.median;
        value[i] = kind == ACC_DRIFT ? -v : v; /* drift: lower is better */
        xlo = fmin(xlo, cost[i]);
        xhi = fmax(xhi, cost[i]);
        ylo = fmin(ylo, v);
        yhi = fmax(yhi, v);
        points++;
    }
    int on_front = eb_pareto_front(cost, value, n, front);
    script s;
    eb_status st = script_open(&s, dir, name, "accuracy against median latency, with the Pareto front", ACC_W,
                               ACC_H, err);
    if (st != EB_OK)
        goto done;
    /* one block per series, then the front */
    int blocks = 0;
    int *block_series = calloc((size_t)(rep->n_series + 1), sizeof *block_series);
    if (!block_series) {
        script_close(&s, err);
        st = eb_errf(err, EB_ENOMEM, "report: out of memory");
        goto done;
    }
    for (int sr = 0; sr < rep->n_series; sr++) {
        bool any = false;
        for (int i = 0; i < n; i++) {
            if (rep->entries[i].series != sr || !isfinite(cost[i]))
                continue;
            if (!any)
                fprintf(s.dat, "# block %d: %s\n", blocks, rep->series[sr].label);
            any = true;
            fprintf(s.dat, "%.9g %.9g\n", cost[i], kind == ACC_DRIFT ? -value[i] : value[i]);
        }
        if (any) {
            fprintf(s.dat, "\n\n");
            block_series[blocks++] = sr;
        }
    }
    fprintf(s.dat, "# block %d: the Pareto front, fastest first\n", blocks);
    /* the front, by latency (a handful of points: selection sort) */
    bool *used = calloc((size_t)n, sizeof *used);
    if (!used) {
        free(block_series);
        script_close(&s, err);
        st = eb_errf(err, EB_ENOMEM, "report: out of memory");
        goto done;
    }
    for (int k = 0; k < on_front; k++) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (front[i] && !used[i] && (best < 0 || cost[i] < cost[best]))
                best = i;
        used[best] = true;
        fprintf(s.dat, "%.9g %.9g\n", cost[best], kind == ACC_DRIFT ? -value[best] : value[best]);
    }
    free(used);
    fprintf(s.dat, "\n\n");

    bool logx = value_axis(s.gp, 'x', xlo, xhi, true);
    double x0 = logx ? xlo / 1.8 : 0, x1 = logx ? xhi * 3 : xhi * 1.25, y0, y1; /* room for labels */
    fprintf(s.gp, "  set xrange [%.9g:%.9g]\n", x0, x1);
    char ylabel[300], metric[64];
    if (kind == ACC_TASK) {
        metric_name(first_task->r->task.metric, metric, sizeof metric);
        snprintf(ylabel, sizeof ylabel, "%s on %lld %s test images (%%, higher is better)", metric,
                 (long long)first_task->r->task.count, first_task->r->task.dataset);
        double pad = fmax(0.5, (yhi - ylo) * 0.15);
        y0 = ylo - pad;
        y1 = yhi + pad;
        fprintf(s.gp, "  set yrange [%.9g:%.9g]\n  set format y '%%.1f'\n", y0, y1);
    } else {
        snprintf(ylabel, sizeof ylabel, "output drift vs the ref baseline: relative L2 error (lower is better)");
        y0 = -0.05 * (yhi > 0 ? yhi : 1);
        y1 = yhi > 0 ? yhi * 1.2 : 1;
        fprintf(s.gp, "  set yrange [%.9g:%.9g]\n  set format y '%%.1e'\n", y0, y1);
    }
    char qlabel[400], qtitle[400], title[300];
    q(ylabel, qlabel, sizeof qlabel);
    snprintf(title, sizeof title, "%s: accuracy against latency (front: variants no other beats on both)",
             rep->models[m]);
    q(title, qtitle, sizeof qtitle);
    fprintf(s.gp, "  set ylabel %s\n  set xlabel 'median latency (ms%s)'\n  set title %s\n  set grid xtics\n",
            qlabel, logx ? ", log scale" : "", qtitle);
    fprintf(s.gp, "  unset label\n  set key samplen 3\n");
    size_t longest = 0;
    for (int k = 0; k < blocks; k++)
        if (strlen(rep->series[block_series[k]].label) > longest)
            longest = strlen(rep->series[block_series[k]].label);
    label_frame fr = {.x0 = x0, .x1 = x1, .y0 = y0, .y1 = y1, .logx = logx, .legend_chars = longest};
    place_front_labels(s.gp, rep, cost, value, front, n, kind == ACC_DRIFT, fr);
    fprintf(s.gp, "  plot \\\n");
    fprintf(s.gp,
            "    '%s.dat' index %d using 1:2 with steps dt 2 lw 2 lc rgb '%s' "
            "title 'Pareto front (fastest-most-accurate)', \\\n",
            name, blocks, FRONT_COLOUR);
    for (int k = 0; k < blocks; k++) {
        const eb_report_series *sr = &rep->series[block_series[k]];
        char t[700];
        q(sr->label, t, sizeof t);
        /* open circles, each series smaller than the one before, so that
         * variants with the same latency and accuracy show as rings */
        fprintf(s.gp,
                "    '%s.dat' index %d using 1:2 with points pt 6 lw 2.5 ps %.2f lc rgb '%s' notitle, \\\n"
                "    keyentry with points pt 6 lw 2.5 ps 1.3 lc rgb '%s' title %s%s",
                name, k, fmax(1.0, 2.8 - 0.35 * k), sr->colour, sr->colour, t, k + 1 < blocks ? ", \\\n" : "\n");
    }
    free(block_series);
    if (kind == ACC_TASK)
        snprintf(p->caption, sizeof p->caption,
                 "Each point is one variant: its median latency and its %s on the first %lld %s test images. The "
                 "dashed staircase is the Pareto front: the labelled variants are those no other variant beats on "
                 "both latency and accuracy (%d of %d).%s",
                 metric, (long long)first_task->r->task.count, first_task->r->task.dataset, on_front, points,
                 left_out ? " Variants without a task metric are left out." : "");
    else
        snprintf(p->caption, sizeof p->caption,
                 "No task metric for this model, so accuracy is the drift of the outputs from the ref baseline on "
                 "the same inputs: relative L2 error, 0 for the baseline itself. The dashed staircase is the "
                 "Pareto front: the labelled variants are those no other variant beats on both latency and drift "
                 "(%d of %d).%s",
                 on_front, points, left_out ? " Variants without drift are left out." : "");
    st = script_close(&s, err);
done:
    free(cost);
    free(value);
    free(front);
    return st;
}

/* ---- latency distribution ---- */

static eb_status plot_distribution(const eb_report *rep, int m, const char *stem, const char *dir,
                                   eb_plot_list *out, eb_err *err)
{
    char name[96];
    snprintf(name, sizeof name, "latency_dist_%s", stem);
    eb_plot *p = add_plot(out, name, m, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "%s: latency distribution", rep->models[m]);
    int k = 0, min_n = 0, max_n = 0;
    double lo = INFINITY, hi = 0;
    size_t longest = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (e->model != m || !eb_report_has_latency(e))
            continue;
        k++;
        min_n = k == 1 || e->r->n_samples < min_n ? e->r->n_samples : min_n;
        max_n = e->r->n_samples > max_n ? e->r->n_samples : max_n;
        const char *label = rep->series[e->series].label, *at = strstr(label, " @ ");
        size_t len = at ? (size_t)(at - label) : strlen(label); /* the file goes on a second line */
        if (at && strlen(at + 1) > len)
            len = strlen(at + 1);
        longest = len > longest ? len : longest;
        for (int j = 0; j < e->r->n_samples; j++)
            if (isfinite(e->r->samples_ms[j]) && e->r->samples_ms[j] > 0) {
                lo = fmin(lo, e->r->samples_ms[j]);
                hi = fmax(hi, e->r->samples_ms[j]);
            }
    }
    if (k == 0) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "no variant of %s has latency samples", rep->models[m]);
        return EB_OK;
    }
    /* wide enough for each variant's label (two lines: spec, "@ file")
     * under its box; past 1400 pixels the labels turn instead */
    int slot = (int)(longest * 8.6) + 24, width = k * slot + 130;
    bool rotate = width > 1400;
    if (rotate)
        width = k * 140 + 130;
    width = width < 760 ? 760 : width > 1400 ? 1400 : width;
    script s;
    eb_status st = script_open(&s, dir, name, "latency distribution per variant (box plots of the raw samples)",
                               width, 540, err);
    if (st != EB_OK)
        return st;
    bool log = value_axis_span(s.gp, 'y', lo, hi, false, DIST_LOG_SPAN);
    char title[300], qt[400];
    if (min_n == max_n)
        snprintf(title, sizeof title, "%s: latency per inference, %d samples per variant", rep->models[m], min_n);
    else
        snprintf(title, sizeof title, "%s: latency per inference, %d to %d samples per variant", rep->models[m],
                 min_n, max_n);
    q(title, qt, sizeof qt);
    fprintf(s.gp, "  set title %s\n  set ylabel 'latency per inference (ms%s)'\n  set xlabel 'variant'%s\n", qt,
            log ? ", log scale" : "", rotate ? "" : " offset 0,-1");
    fprintf(s.gp, "  unset key\n  set rmargin 4\n  set style boxplot outliers pointtype 7\n  set pointsize 0.5\n");
    fprintf(s.gp, "  set boxwidth 0.5\n  set style fill solid 0.35 border\n");
    fprintf(s.gp, "  set xrange [0.4:%g]\n  set xtics (", k + 0.6);
    int j = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (e->model != m || !eb_report_has_latency(e))
            continue;
        char t[700];
        if (rotate)
            q(rep->series[e->series].label, t, sizeof t);
        else
            gp_quote_wrapped(rep->series[e->series].label, t, sizeof t);
        fprintf(s.gp, "%s%s %d", j ? ", " : "", t, j + 1);
        j++;
        fprintf(s.dat, "# block %d: %s, %d samples (ms)\n", j - 1, rep->series[e->series].label, e->r->n_samples);
        for (int x = 0; x < e->r->n_samples; x++)
            if (isfinite(e->r->samples_ms[x]))
                fprintf(s.dat, "%.9g\n", e->r->samples_ms[x]);
            else
                fprintf(s.dat, "?\n");
        fprintf(s.dat, "\n\n");
    }
    fprintf(s.gp, ") scale 0 %s\n", rotate ? "rotate by 25 right" : "norotate");
    fprintf(s.gp, "  plot \\\n");
    j = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (e->model != m || !eb_report_has_latency(e))
            continue;
        const char *col = rep->series[e->series].colour;
        fprintf(s.gp, "    '%s.dat' index %d using (%d):1 with boxplot lw 1.5 lc rgb '%s'%s", name, j, j + 1, col,
                j + 1 < k ? ", \\\n" : "\n");
        j++;
    }
    snprintf(p->caption, sizeof p->caption,
             "One box per variant, from every timed run (warm-up excluded): the box spans the quartiles, the line "
             "inside is the median, the whiskers reach the furthest sample within 1.5 times the interquartile range "
             "and the dots beyond them are outliers.%s",
             log ? " The latency axis is logarithmic because the samples span more than 8x." : "");
    return script_close(&s, err);
}

/* ---- thread scaling ---- */

static eb_status plot_scaling(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    eb_plot *p = add_plot(out, "thread_scaling", -1, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "Thread scaling");
    eb_report_scaling *g;
    int n;
    char why[300];
    eb_status st = eb_report_scaling_groups(rep, &g, &n, why, sizeof why, err);
    if (st != EB_OK)
        return st;
    if (n == 0) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "%s", why);
        return EB_OK;
    }
    script s;
    if ((st = script_open(&s, dir, p->name, "speedup against threads, relative to threads=1", 1000, 560, err)) !=
        EB_OK) {
        eb_report_scaling_free(g, n);
        return st;
    }
    int max_t = 1;
    double max_speedup = 1;
    int tics[64], n_tics = 0;
    for (int k = 0; k < n; k++) {
        double t1 = rep->entries[g[k].entries[0]].r->latency.median;
        fprintf(s.dat, "# block %d: %s (threads, speedup = median at threads=1 / median)\n", k, g[k].label);
        for (int i = 0; i < g[k].n; i++) {
            const eb_result *r = rep->entries[g[k].entries[i]].r;
            double sp = t1 / r->latency.median;
            fprintf(s.dat, "%d %.9g\n", r->variant.threads, sp);
            max_t = r->variant.threads > max_t ? r->variant.threads : max_t;
            max_speedup = fmax(max_speedup, sp);
            bool seen = false;
            for (int t = 0; t < n_tics && !seen; t++)
                seen = tics[t] == r->variant.threads;
            if (!seen && n_tics < 64)
                tics[n_tics++] = r->variant.threads;
        }
        fprintf(s.dat, "\n\n");
    }
    fprintf(s.dat, "# block %d: ideal linear scaling\n1 1\n%d %d\n\n\n", n, max_t, max_t);
    fprintf(s.gp, "  set title 'Speedup over one thread (median latency at threads=1 / median latency)'\n");
    fprintf(s.gp, "  set xlabel 'threads'\n  set ylabel 'speedup (x)'\n  set grid xtics\n");
    fprintf(s.gp, "  set xrange [0.8:%g]\n  set yrange [0:%.9g]\n  set xtics (", max_t + 0.2,
            fmax(max_t, max_speedup) * 1.1);
    for (int t = 0; t < n_tics; t++)
        fprintf(s.gp, "%s%d", t ? ", " : "", tics[t]);
    fprintf(s.gp, ")\n  plot \\\n");
    fprintf(s.gp,
            "    'thread_scaling.dat' index %d using 1:2 with lines dt 2 lw 1.5 lc rgb '#000000' "
            "title 'ideal (speedup = threads)', \\\n",
            n);
    for (int k = 0; k < n; k++) {
        char t[700];
        q(g[k].label, t, sizeof t);
        fprintf(s.gp,
                "    'thread_scaling.dat' index %d using 1:2 with linespoints lw 2 pt %d ps 1.6 lc rgb '%s' title %s%s",
                k, POINT_TYPES[g[k].model % (int)(sizeof POINT_TYPES / sizeof POINT_TYPES[0])],
                rep->series[g[k].series].colour, t, k + 1 < n ? ", \\\n" : "\n");
    }
    snprintf(p->caption, sizeof p->caption,
             "Each line is one model and variant at several thread counts (coloured as its threads=1 variant, one "
             "point shape per model); the speedup is the threads=1 median divided by the median at each thread "
             "count. The dashed line is ideal linear scaling.");
    eb_report_scaling_free(g, n);
    return script_close(&s, err);
}

/* ---- memory ---- */

static int peak_bar(const eb_report_entry *e, double *v, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (e->r->status != EB_RESULT_OK || !e->r->peak_rss_bytes)
        return -1;
    *v = (double)e->r->peak_rss_bytes / 1048576.0;
    return 0;
}

static int weight_bar(const eb_report_entry *e, double *v, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (e->r->status != EB_RESULT_OK || !e->r->weight_bytes)
        return -1;
    *v = (double)e->r->weight_bytes / 1024.0;
    return 0;
}

static eb_status plot_memory(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    eb_plot *p = add_plot(out, "memory", -1, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "Memory per variant");
    int peaks = 0, weights = 0;
    double v, lo, hi;
    for (int i = 0; i < rep->n_entries; i++) {
        peaks += peak_bar(&rep->entries[i], &v, &lo, &hi) >= 0;
        weights += weight_bar(&rep->entries[i], &v, &lo, &hi) >= 0;
    }
    if (peaks + weights == 0) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "no successful result recorded peak memory or weight bytes");
        return EB_OK;
    }
    script s;
    eb_status st = script_open(&s, dir, p->name, "peak resident memory and weight bytes per variant", 1100, 820, err);
    if (st != EB_OK)
        return st;
    bar_blocks bp = {0}, bw = {0};
    if ((st = write_bars(rep, s.dat, 0, peak_bar, &bp, err)) != EB_OK ||
        (st = write_bars(rep, s.dat, bp.n, weight_bar, &bw, err)) != EB_OK) {
        bar_blocks_free(&bp);
        script_close(&s, err);
        return st;
    }
    fprintf(s.gp, "  set multiplot layout 2,1 title 'Memory per variant'\n");
    /* both panels share the margins, so their bars line up; the right one
     * leaves room for the legend */
    size_t longest = 0;
    for (int k = 0; k < rep->n_series; k++)
        longest = strlen(rep->series[k].label) > longest ? strlen(rep->series[k].label) : longest;
    double right = 1 - (longest * 8.6 + 70) / 1100.0;
    right = right < 0.45 ? 0.45 : right > 0.86 ? 0.86 : right;
    fprintf(s.gp, "  set lmargin at screen 0.09\n  set rmargin at screen %.3f\n", right);
    model_xtics(s.gp, rep);
    bool log1 = false, log2 = false;
    if (bp.n) {
        log1 = value_axis(s.gp, 'y', bp.lo, bp.hi, true);
        fprintf(s.gp, "  set ylabel 'peak resident memory (MiB%s)'\n  unset xlabel\n", log1 ? ", log scale" : "");
        plot_bars(s.gp, rep, "memory.dat", 0, &bp, false, true, "");
    }
    if (bw.n) {
        log2 = value_axis(s.gp, 'y', bw.lo, bw.hi, true);
        fprintf(s.gp, "  set ylabel 'weights as stored (KiB%s)'\n  set xlabel 'model'\n", log2 ? ", log scale" : "");
        plot_bars(s.gp, rep, "memory.dat", bp.n, &bw, false, !bp.n, "");
    }
    fprintf(s.gp, "  unset multiplot\n");
    snprintf(p->caption, sizeof p->caption,
             "Top: peak resident memory (VmHWM) of each variant's own process, from loading the model to the last "
             "inference%s. Bottom: the weights as the runner stores them%s.%s%s",
             log1 ? " (log scale)" : "", log2 ? " (log scale)" : "", bp.n ? "" : " No result recorded peak memory.",
             bw.n ? "" : " No result recorded weight bytes.");
    bar_blocks_free(&bp);
    bar_blocks_free(&bw);
    return script_close(&s, err);
}

/* ---- energy ---- */

static int energy_bar(const eb_report_entry *e, double *v, double *lo, double *hi)
{
    *lo = *hi = NAN;
    /* op counts rank variants but are not joules; an invalid window is no figure */
    if (e->r->status != EB_RESULT_OK || !isfinite(e->r->energy.joules_per_inference) || e->r->energy.relative_only ||
        !e->r->energy.valid)
        return -1;
    *v = e->r->energy.joules_per_inference * 1000;
    return e->r->energy.kind == EB_ENERGY_MEASURED ? 0 : 1;
}

static eb_status plot_energy(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    eb_plot *p = add_plot(out, "energy", -1, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "Energy per inference");
    char summary[sizeof p->caption];
    if (!eb_report_energy_summary(rep, summary, sizeof summary)) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "%s", summary);
        return EB_OK;
    }
    /* figures that are all relative (op counts) or invalid: no bar to draw,
     * and a plot command without a series is a gnuplot error */
    int drawable = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        double v, lo, hi;
        drawable += energy_bar(&rep->entries[i], &v, &lo, &hi) >= 0;
    }
    if (!drawable) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "%s; no figure in joules to plot", summary);
        return EB_OK;
    }
    script s;
    eb_status st = script_open(&s, dir, p->name, "energy per inference per variant", 1100, 560, err);
    if (st != EB_OK)
        return st;
    bar_blocks b;
    if ((st = write_bars(rep, s.dat, 0, energy_bar, &b, err)) != EB_OK) {
        script_close(&s, err);
        return st;
    }
    bool log = value_axis(s.gp, 'y', b.lo, b.hi, true);
    bool estimated = false;
    for (int k = 0; k < b.n; k++)
        estimated |= b.cls[k] == 1;
    fprintf(s.gp, "  set title 'Energy per inference%s'\n", estimated ? " (hatched: estimated, not measured)" : "");
    fprintf(s.gp, "  set ylabel 'energy per inference (mJ%s)'\n  set xlabel 'model'\n", log ? ", log scale" : "");
    model_xtics(s.gp, rep);
    plot_bars(s.gp, rep, "energy.dat", 0, &b, false, true, " (estimated)");
    bar_blocks_free(&b);
    snprintf(p->caption, sizeof p->caption,
             "Energy per inference in millijoules, %s.%s Results without an energy figure have no bar.", summary,
             estimated ? " Hatched bars are estimates, not measurements." : "");
    return script_close(&s, err);
}

/* ---- all of them ---- */

/* ---- drift along the graph (--layers) ---- */

/* Per model: rel L2 of every compared node output against the fp32 graph,
 * by node index, one line per variant with layer_drift; the threshold as a
 * dashed line.  Log y; a zero (identical) value cannot be drawn there and
 * is left out, as the caption says. */
static eb_status plot_layer_drift(const eb_report *rep, int m, const char *stem, const char *dir, eb_plot_list *out,
                                  eb_err *err)
{
    int k = 0;
    double threshold = NAN;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (e->model == m && e->r->layer_drift.available && e->r->layer_drift.n_values > 0) {
            k++;
            threshold = e->r->layer_drift.threshold;
        }
    }
    if (k == 0)
        return EB_OK; /* no --layers for this model: no plot to list */
    char name[96];
    snprintf(name, sizeof name, "layer_drift_%s", stem);
    eb_plot *p = add_plot(out, name, m, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "%s: drift along the graph", rep->models[m]);
    script s;
    eb_status st = script_open(&s, dir, name, "rel L2 of each node output against the fp32 graph (--layers)", 900,
                               520, err);
    if (st != EB_OK)
        return st;
    char title[300], qt[400];
    snprintf(title, sizeof title, "%s: rel L2 error of each node output vs the fp32 graph (reference kernels)",
             rep->models[m]);
    q(title, qt, sizeof qt);
    fprintf(s.gp, "  set title %s\n  set xlabel 'node index (graph order)'\n", qt);
    fprintf(s.gp, "  set ylabel 'rel L2 vs fp32 (log scale)'\n  set logscale y\n  set format y '%%.0e'\n");
    fprintf(s.gp, "  set pointsize 0.8\n");
    if (isfinite(threshold) && threshold > 0)
        fprintf(s.gp, "  set arrow from graph 0, first %.9g to graph 1, first %.9g nohead dt 2 lc rgb '#aa0000'\n",
                threshold, threshold);
    fprintf(s.gp, "  plot \\\n");
    int j = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        const eb_layer_drift *ld = &e->r->layer_drift;
        if (e->model != m || !ld->available || ld->n_values == 0)
            continue;
        fprintf(s.dat, "# block %d: %s; node_index rel_l2 cosine node output\n", j, rep->series[e->series].label);
        for (int x = 0; x < ld->n_values; x++) {
            const eb_layer_drift_value *v = &ld->values[x];
            if (v->compared && isfinite(v->rel_l2) && v->rel_l2 > 0)
                fprintf(s.dat, "%d %.9g %.9g \"%s\" \"%s\"\n", v->node_index, v->rel_l2, v->cosine, v->node, v->output);
            else
                fprintf(s.dat, "%d ? ? \"%s\" \"%s\"\n", v->node_index, v->node, v->output);
        }
        fprintf(s.dat, "\n\n");
        char t[700];
        q(rep->series[e->series].label, t, sizeof t);
        fprintf(s.gp, "    '%s.dat' index %d using 1:2 with linespoints lw 1.5 pt 7 lc rgb '%s' title %s%s", name, j,
                rep->series[e->series].colour, t, j + 1 < k ? ", \\\n" : "\n");
        j++;
    }
    snprintf(p->caption, sizeof p->caption,
             "Each compressed variant's node outputs against the same values of the uncompressed fp32 graph, both "
             "run on the reference kernels on the first input batch, so the error is the compression's alone. The "
             "dashed line is the --layers threshold (%.3g); values not compared (shape changed by channel pruning, "
             "not float32) or exactly equal (rel L2 0, which a log axis cannot show) are left out.",
             threshold);
    return script_close(&s, err);
}

/* ---- the roofline ---- */

/* Each successful result with a roofline (its machine calibrated: bench/
 * calibration.c) placed at (arithmetic intensity, achieved GFLOP/s), one
 * colour per series and labelled with its model; each distinct roof (dtype,
 * calibrated threads, peak, bandwidth) drawn as min(peak, bandwidth x I).
 * Log-log, as rooflines are drawn. */
enum { MAX_ROOFS = 6 };

static bool has_roofline(const eb_result *r)
{
    return r->status == EB_RESULT_OK && r->roofline.available && r->roofline.intensity > 0 && r->gflops_per_s > 0;
}

static eb_status plot_roofline(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    eb_plot *p = add_plot(out, "roofline", -1, err);
    if (!p)
        return EB_ENOMEM;
    snprintf(p->title, sizeof p->title, "Roofline");
    const eb_roofline *roofs[MAX_ROOFS];
    int n_roofs = 0, points = 0, above = 0;
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
    const char *why = NULL;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_result *r = rep->entries[i].r;
        const eb_roofline *f = &r->roofline;
        if (!has_roofline(r)) {
            if (!why && r->status == EB_RESULT_OK)
                why = f->reason;
            continue;
        }
        points++;
        above += f->share > 1;
        xlo = fmin(xlo, f->intensity);
        xhi = fmax(xhi, f->intensity);
        ylo = fmin(ylo, r->gflops_per_s);
        yhi = fmax(yhi, fmax(r->gflops_per_s, f->peak_gops));
        bool seen = false;
        for (int k = 0; k < n_roofs && !seen; k++)
            seen = strcmp(roofs[k]->dtype, f->dtype) == 0 && roofs[k]->threads == f->threads &&
                   roofs[k]->peak_gops == f->peak_gops && roofs[k]->peak_gbytes_per_s == f->peak_gbytes_per_s;
        if (!seen && n_roofs < MAX_ROOFS)
            roofs[n_roofs++] = f;
    }
    if (points == 0) {
        p->skipped = true;
        snprintf(p->caption, sizeof p->caption, "no result has a roofline: %s",
                 why && *why ? why : "no variant ran successfully");
        return EB_OK;
    }
    script s;
    eb_status st = script_open(&s, dir, p->name, "achieved GFLOP/s against arithmetic intensity, under the roofs",
                               1100, 700, err);
    if (st != EB_OK)
        return st;
    int blocks = 0;
    int *block_series = calloc((size_t)rep->n_series + 1, sizeof *block_series);
    if (!block_series) {
        script_close(&s, err);
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    }
    for (int sr = 0; sr < rep->n_series; sr++) {
        bool any = false;
        for (int i = 0; i < rep->n_entries; i++) {
            const eb_report_entry *e = &rep->entries[i];
            if (e->series != sr || !has_roofline(e->r))
                continue;
            if (!any)
                fprintf(s.dat, "# block %d: %s (intensity FLOP/byte, achieved GFLOP/s, model, share of the roof)\n",
                        blocks, rep->series[sr].label);
            any = true;
            char m[128]; /* a data-file string: double quotes, none inside */
            snprintf(m, sizeof m, "%s", rep->models[e->model]);
            for (char *c = m; *c; c++)
                *c = *c == '"' ? '\'' : *c;
            fprintf(s.dat, "%.9g %.9g \"%s\" %.4g\n", e->r->roofline.intensity, e->r->gflops_per_s, m,
                    e->r->roofline.share);
        }
        if (any) {
            fprintf(s.dat, "\n\n");
            block_series[blocks++] = sr;
        }
    }
    double x0 = fmin(xlo, 0.1) / 2, x1 = xhi * 4;
    for (int k = 0; k < n_roofs; k++) /* show each ridge point */
        x1 = fmax(x1, roofs[k]->peak_gops / roofs[k]->peak_gbytes_per_s * 4);
    fprintf(s.gp, "  set logscale xy\n  set xrange [%.6g:%.6g]\n  set yrange [%.6g:%.6g]\n", x0, x1, ylo / 4,
            yhi * 2.5);
    fprintf(s.gp, "  set xlabel 'arithmetic intensity (FLOP per byte moved, cost model; log scale)'\n"
                  "  set ylabel 'achieved GFLOP/s (GOP/s for int8; log scale)'\n"
                  "  set title 'Roofline: each (model, variant) under its roof'\n  set grid xtics ytics\n");
    fprintf(s.gp, "  plot \\\n");
    for (int k = 0; k < n_roofs; k++) {
        const eb_roofline *f = roofs[k];
        char t[200];
        snprintf(t, sizeof t, "'roof %s, %d thread%s: %.0f GOP/s, %.1f GB/s'", f->dtype, f->threads,
                 f->threads == 1 ? "" : "s", f->peak_gops, f->peak_gbytes_per_s);
        fprintf(s.gp, "    (x * %.9g < %.9g ? x * %.9g : %.9g) with lines dt %d lw 2 lc rgb '#444444' title %s, \\\n",
                f->peak_gbytes_per_s, f->peak_gops, f->peak_gbytes_per_s, f->peak_gops, k + 1, t);
    }
    for (int k = 0; k < blocks; k++) {
        const eb_report_series *sr = &rep->series[block_series[k]];
        char t[700];
        q(sr->label, t, sizeof t);
        fprintf(s.gp,
                "    'roofline.dat' index %d using 1:2 with points pt 7 ps 1.4 lc rgb '%s' title %s, \\\n"
                "    'roofline.dat' index %d using 1:2:3 with labels left offset 0.7,0.4 font ',8' tc rgb '%s' "
                "notitle%s",
                k, sr->colour, t, k, sr->colour, k + 1 < blocks ? ", \\\n" : "\n");
    }
    free(block_series);
    snprintf(p->caption, sizeof p->caption,
             "Each point is one (model, variant): its arithmetic intensity (the cost model's FLOPs per byte its "
             "nodes read and write) and the GFLOP/s its median reached. The lines are the roofs `edgebench "
             "calibrate` measured on this machine: min(peak, triad bandwidth x intensity), fp32 and int8 (int8 "
             "variants under the int8 roof), for the calibrated thread count.%s",
             above ? " Points above their roof have a working set that stays in the caches, whose bandwidth "
                     "the DRAM roof does not include."
                   : "");
    return script_close(&s, err);
}

eb_status eb_plot_write(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err)
{
    eb_status st = plot_latency(rep, dir, out, err);
    if (st == EB_OK)
        st = plot_latency_per_device(rep, dir, out, err);
    char(*stems)[64] = calloc((size_t)(rep->n_models > 0 ? rep->n_models : 1), sizeof *stems);
    if (!stems)
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    for (int m = 0; m < rep->n_models && st == EB_OK; m++) {
        char base[48];
        eb_plot_stem(rep->models[m], base, sizeof base);
        snprintf(stems[m], sizeof stems[m], "%s", base);
        for (int k = 2, clash = 1; clash; k++) { /* two model names may map to one stem */
            clash = 0;
            for (int j = 0; j < m && !clash; j++)
                clash = strcmp(stems[j], stems[m]) == 0;
            if (clash)
                snprintf(stems[m], sizeof stems[m], "%s-%d", base, k);
        }
        if ((st = plot_accuracy(rep, m, stems[m], dir, out, err)) == EB_OK)
            st = plot_distribution(rep, m, stems[m], dir, out, err);
        if (st == EB_OK)
            st = plot_layer_drift(rep, m, stems[m], dir, out, err);
    }
    free(stems);
    if (st == EB_OK)
        st = plot_scaling(rep, dir, out, err);
    if (st == EB_OK)
        st = plot_memory(rep, dir, out, err);
    if (st == EB_OK)
        st = plot_energy(rep, dir, out, err);
    if (st == EB_OK)
        st = plot_roofline(rep, dir, out, err);
    return st;
}

/* ---- running gnuplot ---- */

bool eb_gnuplot_available(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s/gnuplot", (int)len, len ? path : ".");
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISREG(sb.st_mode) && access(dir, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

/* The last non-empty line of a file, for a one-line error message. */
static void last_line(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "no output");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (*line)
            snprintf(buf, n, "%s", line);
    }
    fclose(f);
}

static bool non_empty(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

eb_status eb_plot_render(const char *dir, eb_plot_list *list, eb_err *err)
{
    if (!eb_gnuplot_available())
        return eb_errf(err, EB_EUNSUPPORTED,
                       "gnuplot not found on PATH: install it (Debian: apt-get install gnuplot-nox) to draw the "
                       "plots; their scripts are in %s",
                       dir);
    for (int i = 0; i < list->n; i++) {
        eb_plot *p = &list->items[i];
        if (p->skipped)
            continue;
        char gp[128], log[1024], png[1024], svg[1024];
        snprintf(gp, sizeof gp, "%s.gp", p->name);
        snprintf(log, sizeof log, "%s/%s.log", dir, p->name);
        snprintf(png, sizeof png, "%s/%s.png", dir, p->name);
        snprintf(svg, sizeof svg, "%s/%s.svg", dir, p->name);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            return eb_errf(err, EB_EIO, "cannot start gnuplot: fork: %s", strerror(errno));
        if (pid == 0) {
            /* a fresh file: a link planted at the log's name is removed, not followed;
             * gnuplot's own outputs likewise (it opens them with fopen) */
            unlink(log);
            unlink(png);
            unlink(svg);
            int fd = open(log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
            int null = open("/dev/null", O_RDONLY);
            if (fd < 0 || null < 0 || chdir(dir) != 0)
                _exit(126);
            dup2(null, STDIN_FILENO);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            execlp("gnuplot", "gnuplot", gp, (char *)NULL);
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                return eb_errf(err, EB_EIO, "gnuplot %s: waitpid: %s", gp, strerror(errno));
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return eb_errf(err, EB_EUNSUPPORTED, "gnuplot could not be started (see %s)", log);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char why[512];
            last_line(log, why, sizeof why);
            return eb_errf(err, EB_EIO, "gnuplot failed on %s/%s: %s (full output in %s)", dir, gp, why, log);
        }
        if (!non_empty(png) || !non_empty(svg))
            return eb_errf(err, EB_EIO, "gnuplot ran %s/%s but wrote no %s (see %s)", dir, gp,
                           non_empty(png) ? "SVG" : "PNG", log);
        p->rendered = true;
        struct stat sb; /* keep a log only when gnuplot had something to say */
        if (stat(log, &sb) == 0 && sb.st_size == 0)
            remove(log);
    }
    return EB_OK;
}
