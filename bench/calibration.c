/* calibration.c - the calibration file (see calibration.h) and the
 * roofline of a result from it.
 *
 * Roofline (Williams, Waterman, Patterson, CACM 2009): at arithmetic
 * intensity I (FLOPs per byte), the attainable rate is min(peak,
 * bandwidth x I).  I is the cost model's flops / bytes_moved (every
 * node's inputs read and outputs written, not measured DRAM traffic); the
 * compute roof is the int8 peak for quant=int8 / int8-static variants
 * (their GEMMs run on int8 dot products), else the fp32 peak; the thread
 * count is the calibrated one nearest below the variant's.  Results of
 * GPU and other non-CPU devices get no roofline: the calibration is the
 * host CPU's.  A share above 1 is possible, and said (the record's note):
 * the roof is DRAM's, and a model whose weights and activations fit in
 * the caches is not bound by it. */
#include "bench/calibration.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "models/file_replace.h"
#include "runners/cpu_features.h"

static void sanitize(char *dst, size_t n, const char *src)
{
    size_t k = 0;
    for (; *src && k + 1 < n; src++)
        dst[k++] = (*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') || (*src >= '0' && *src <= '9') ||
                           *src == '.' || *src == '_' || *src == '-'
                       ? *src
                       : '_';
    dst[k] = '\0';
}

static bool mkdirs(char *path)
{
    for (char *s = path + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
            *s = '/';
            if (!ok)
                return false;
        }
    return mkdir(path, 0777) == 0 || errno == EEXIST;
}

/* host and CPU as the file name has them */
static void identity(char *host, size_t hn, char *cpu, size_t cn)
{
    char h[64] = "unknown";
    if (gethostname(h, sizeof h) != 0)
        snprintf(h, sizeof h, "unknown");
    h[sizeof h - 1] = '\0';
    snprintf(host, hn, "%s", h);
    const char *brand = eb_cpu_features_get()->brand;
    struct utsname u;
    if (!brand[0])
        brand = uname(&u) == 0 ? u.machine : "cpu";
    snprintf(cpu, cn, "%s", brand);
}

bool eb_calibration_path(char *path, size_t n)
{
    const char *env = getenv("EDGEBENCH_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[512];
    if (env && *env)
        snprintf(dir, sizeof dir, "%s/calibration", env);
    else if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/edgebench/calibration", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.cache/edgebench/calibration", home);
    else
        return false;
    char host[64], cpu[128], h[64], c[128];
    identity(host, sizeof host, cpu, sizeof cpu);
    sanitize(h, sizeof h, host);
    sanitize(c, sizeof c, cpu);
    return snprintf(path, n, "%s/%s-%s.json", dir, h, c) < (int)n;
}

static cJSON *energy_json(const eb_calib_energy *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "date", e->date);
    cJSON_AddStringToObject(o, "meter", e->meter);
    cJSON_AddStringToObject(o, "meter_name", e->meter_name);
    cJSON_AddNumberToObject(o, "static_w", e->static_w);
    cJSON_AddNumberToObject(o, "j_per_fp32_flop", e->j_per_fp32_flop);
    cJSON_AddNumberToObject(o, "j_per_int8_op", e->j_per_int8_op);
    cJSON_AddNumberToObject(o, "j_per_byte", e->j_per_byte);
    cJSON_AddNumberToObject(o, "fit_mape", e->fit_mape);
    cJSON_AddNumberToObject(o, "heldout_mape", e->heldout_mape);
    cJSON *fit = cJSON_AddArrayToObject(o, "fit"), *held = cJSON_AddArrayToObject(o, "heldout");
    for (int i = 0; i < e->n_fit + e->n_heldout && i < EB_CALIB_MAX_OBS; i++) {
        const eb_calib_obs *b = &e->obs[i];
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "workload", b->workload);
        cJSON_AddNumberToObject(w, "seconds", b->seconds);
        cJSON_AddNumberToObject(w, "fp32_flops", b->fp32_flops);
        cJSON_AddNumberToObject(w, "int8_ops", b->int8_ops);
        cJSON_AddNumberToObject(w, "bytes", b->bytes);
        cJSON_AddNumberToObject(w, "joules", b->joules);
        cJSON_AddNumberToObject(w, "fitted_j", b->fitted_j);
        cJSON_AddNumberToObject(w, "residual_j", b->joules - b->fitted_j);
        cJSON_AddItemToArray(i < e->n_fit ? fit : held, w);
    }
    return o;
}

eb_status eb_calibration_save(const eb_calibration *c, const char *path, eb_err *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", "edgebench-calibration-1");
    cJSON_AddStringToObject(o, "host", c->host);
    cJSON_AddStringToObject(o, "cpu", c->cpu);
    cJSON_AddStringToObject(o, "date", c->date);
    cJSON_AddStringToObject(o, "fp32_isa", c->fp32_isa);
    cJSON_AddStringToObject(o, "int8_isa", c->int8_isa);
    cJSON_AddNumberToObject(o, "triad_array_bytes", c->triad_array_bytes);
    cJSON_AddNumberToObject(o, "llc_bytes", c->llc_bytes);
    cJSON *pts = cJSON_AddArrayToObject(o, "points");
    for (int i = 0; i < c->n_points; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "threads", c->points[i].threads);
        cJSON_AddNumberToObject(p, "fp32_gflops", c->points[i].fp32_gflops);
        cJSON_AddNumberToObject(p, "int8_gops", c->points[i].int8_gops);
        cJSON_AddNumberToObject(p, "triad_gbytes_per_s", c->points[i].triad_gbytes_per_s);
        cJSON_AddItemToArray(pts, p);
    }
    cJSON *g = cJSON_AddObjectToObject(o, "gemm_check");
    cJSON_AddNumberToObject(g, "n", c->gemm_n);
    cJSON_AddNumberToObject(g, "threads", c->gemm_threads);
    cJSON_AddNumberToObject(g, "gflops", c->gemm_gflops);
    if (c->energy.present)
        cJSON_AddItemToObject(o, "energy", energy_json(&c->energy));
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (!mkdirs(dir)) {
            free(text);
            return eb_errf(err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno));
        }
    }
    /* written whole to a mkstemp file, then renamed: a reader never sees
     * half a file, a planted link is not followed (models/file_replace.h) */
    size_t len = strlen(text);
    text[len] = '\n'; /* the NUL's place: written without it */
    eb_status st = eb_file_replace_write(path, text, len + 1, err);
    free(text);
    return st;
}

static void str(const cJSON *o, const char *k, char *dst, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int energy_obs(const cJSON *arr, eb_calib_obs *obs, int room)
{
    int n = 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, arr) {
        if (n == room)
            break;
        eb_calib_obs *b = &obs[n++];
        str(w, "workload", b->workload, sizeof b->workload);
        b->seconds = num(w, "seconds");
        b->fp32_flops = num(w, "fp32_flops");
        b->int8_ops = num(w, "int8_ops");
        b->bytes = num(w, "bytes");
        b->joules = num(w, "joules");
        b->fitted_j = num(w, "fitted_j");
    }
    return n;
}

static void energy_load(const cJSON *o, eb_calib_energy *e)
{
    if (!cJSON_IsObject(o))
        return;
    str(o, "date", e->date, sizeof e->date);
    str(o, "meter", e->meter, sizeof e->meter);
    str(o, "meter_name", e->meter_name, sizeof e->meter_name);
    e->static_w = num(o, "static_w");
    e->j_per_fp32_flop = num(o, "j_per_fp32_flop");
    e->j_per_int8_op = num(o, "j_per_int8_op");
    e->j_per_byte = num(o, "j_per_byte");
    e->fit_mape = num(o, "fit_mape");
    e->heldout_mape = num(o, "heldout_mape");
    e->n_fit = energy_obs(cJSON_GetObjectItemCaseSensitive(o, "fit"), e->obs, EB_CALIB_MAX_OBS);
    e->n_heldout = energy_obs(cJSON_GetObjectItemCaseSensitive(o, "heldout"), e->obs + e->n_fit,
                              EB_CALIB_MAX_OBS - e->n_fit);
    e->present = isfinite(e->static_w) && isfinite(e->j_per_fp32_flop) && isfinite(e->j_per_int8_op) &&
                 isfinite(e->j_per_byte);
}

eb_status eb_calibration_load(const char *path, eb_calibration *c, eb_err *err)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f)
        return eb_errf(err, EB_EIO, "%s: %s", path, strerror(errno));
    enum { CAP = 1 << 16 }; /* the roofs and up to EB_CALIB_MAX_OBS energy windows */
    char *buf = malloc(CAP);
    size_t len = buf ? fread(buf, 1, CAP - 1, f) : 0;
    fclose(f);
    if (!buf)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    buf[len] = '\0';
    cJSON *o = cJSON_Parse(buf);
    free(buf);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
    if (!o || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "edgebench-calibration-1") != 0) {
        cJSON_Delete(o);
        return eb_errf(err, EB_EFORMAT, "%s: not an edgebench calibration file (format edgebench-calibration-1)", path);
    }
    str(o, "host", c->host, sizeof c->host);
    str(o, "cpu", c->cpu, sizeof c->cpu);
    str(o, "date", c->date, sizeof c->date);
    str(o, "fp32_isa", c->fp32_isa, sizeof c->fp32_isa);
    str(o, "int8_isa", c->int8_isa, sizeof c->int8_isa);
    c->triad_array_bytes = num(o, "triad_array_bytes");
    c->llc_bytes = num(o, "llc_bytes");
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "points")) {
        if (c->n_points == EB_CALIB_MAX_POINTS)
            break;
        eb_calib_point *d = &c->points[c->n_points];
        d->threads = (int)num(p, "threads");
        d->fp32_gflops = num(p, "fp32_gflops");
        d->int8_gops = num(p, "int8_gops");
        d->triad_gbytes_per_s = num(p, "triad_gbytes_per_s");
        if (d->threads >= 1 && d->fp32_gflops > 0 && d->int8_gops > 0 && d->triad_gbytes_per_s > 0)
            c->n_points++;
    }
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "gemm_check");
    c->gemm_n = (int)num(g, "n");
    c->gemm_threads = (int)num(g, "threads");
    c->gemm_gflops = num(g, "gflops");
    energy_load(cJSON_GetObjectItemCaseSensitive(o, "energy"), &c->energy);
    cJSON_Delete(o);
    if (c->n_points == 0 && !c->energy.present)
        return eb_errf(err, EB_EFORMAT, "%s: no calibrated point with positive peaks", path);
    return EB_OK;
}

const eb_calib_point *eb_calibration_point(const eb_calibration *c, int threads)
{
    const eb_calib_point *best = NULL;
    for (int i = 0; i < c->n_points; i++) {
        const eb_calib_point *p = &c->points[i];
        if (p->threads <= threads && (!best || p->threads > best->threads))
            best = p;
    }
    for (int i = 0; !best && i < c->n_points; i++) /* all above: the smallest */
        if (!best || c->points[i].threads < best->threads)
            best = &c->points[i];
    return best;
}

void eb_roofline_fill(eb_result *r)
{
    eb_roofline *f = &r->roofline;
    memset(f, 0, sizeof *f);
    char path[512];
    eb_calibration c;
    eb_err err = {{0}};
    if (r->device_kind[0] && strcmp(r->device_kind, "cpu") != 0) {
        snprintf(f->reason, sizeof f->reason, "the calibration is the host CPU's; this result ran on a %s",
                 r->device_kind);
        return;
    }
    if (!(r->cost.flops > 0 && r->cost.bytes_moved > 0 && r->gflops_per_s > 0)) {
        snprintf(f->reason, sizeof f->reason, "the result has no FLOP count, byte count or median");
        return;
    }
    if (!eb_calibration_path(path, sizeof path)) {
        snprintf(f->reason, sizeof f->reason, "no cache folder (EDGEBENCH_CACHE_DIR, XDG_CACHE_HOME and HOME unset)");
        return;
    }
    if (eb_calibration_load(path, &c, &err) != EB_OK) {
        snprintf(f->reason, sizeof f->reason, "not calibrated (run edgebench calibrate): %.150s", err.msg);
        return;
    }
    if (c.n_points == 0) {
        snprintf(f->reason, sizeof f->reason, "not calibrated (run edgebench calibrate): %.150s has energy only", path);
        return;
    }
    const eb_calib_point *p = eb_calibration_point(&c, r->variant.threads);
    bool int8 = strncmp(r->variant.quant, "int8", 4) == 0;
    f->available = true;
    snprintf(f->calibration, sizeof f->calibration, "%s", path);
    snprintf(f->calibrated_at, sizeof f->calibrated_at, "%s", c.date);
    snprintf(f->dtype, sizeof f->dtype, "%s", int8 ? "int8" : "fp32");
    f->threads = p->threads;
    f->peak_gops = int8 ? p->int8_gops : p->fp32_gflops;
    f->peak_gbytes_per_s = p->triad_gbytes_per_s;
    f->intensity = (double)r->cost.flops / (double)r->cost.bytes_moved;
    double mem_roof = f->peak_gbytes_per_s * f->intensity;
    f->memory_bound = mem_roof < f->peak_gops;
    f->roof_gops = f->memory_bound ? mem_roof : f->peak_gops;
    f->share = r->gflops_per_s / f->roof_gops;
    if (f->share > 1)
        snprintf(f->reason, sizeof f->reason,
                 "above the DRAM roof: the working set (%.1f MiB of weights and activations) stays in the caches, "
                 "whose bandwidth the triad does not measure",
                 (double)(r->weight_bytes + r->activation_bytes) / (1 << 20));
}
