/* farm_contract.c - `edgebench run`'s contract with a device farm:
 * --out-dir (every file under one folder), --deadline (stop starting
 * variants, end the one in flight, partial results, exit 3) and the
 * EDGEBENCH_DONE line a dispatcher reads last (bench/farm_contract.h).
 * The folder is made with mkdir(2) per component, the digest of the
 * result file is OpenSSL's SHA-256, streamed from the file as written. */
#include "bench/farm_contract.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void eb_farm_begin(eb_farm *f, int argc, char **argv)
{
    memset(f, 0, sizeof *f);
    f->started = mono_s();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc)
            f->out_dir = argv[i + 1];
        else if (strncmp(argv[i], "--out-dir=", 10) == 0)
            f->out_dir = argv[i] + 10;
    }
}

/* mkdir -p */
static eb_status make_dirs(const char *dir, eb_err *err)
{
    char p[PATH_MAX];
    if (!*dir || strlen(dir) >= sizeof p)
        return eb_errf(err, EB_EINVAL, "--out-dir '%s': not a usable folder name", dir);
    snprintf(p, sizeof p, "%s", dir);
    for (char *c = p + 1;; c++) {
        if (*c == '/' || !*c) {
            char keep = *c;
            *c = 0;
            struct stat st;
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return eb_errf(err, EB_EIO, "--out-dir %s: cannot create %s: %s", dir, p, strerror(errno));
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                return eb_errf(err, EB_EINVAL, "--out-dir %s: %s is not a folder", dir, p);
            *c = keep;
            if (!keep)
                break;
        }
    }
    return EB_OK;
}

/* *path (NULL: dflt, when dflt is not NULL) resolved inside the out dir
 * (canon: its real path) into buf. */
static eb_status place(const eb_farm *f, const char *canon, const char *opt, const char **path, const char *dflt,
                       char *buf, size_t n, eb_err *err)
{
    const char *p = *path ? *path : dflt;
    if (!p || strcmp(p, "-") == 0)
        return EB_OK;
    if (*p == '/') {
        size_t lc = strlen(canon), lo = strlen(f->out_dir);
        bool inside = (strncmp(p, canon, lc) == 0 && p[lc] == '/') ||
                      (*f->out_dir == '/' && strncmp(p, f->out_dir, lo) == 0 && (p[lo] == '/' || f->out_dir[lo - 1] == '/'));
        if (!inside)
            return eb_errf(err, EB_EINVAL, "%s %s: with --out-dir %s every file goes inside it: give a relative path",
                           opt, p, f->out_dir);
        snprintf(buf, n, "%s", p);
    } else if ((size_t)snprintf(buf, n, "%s/%s", f->out_dir, p) >= n) {
        return eb_errf(err, EB_EINVAL, "%s %s: path too long inside --out-dir", opt, p);
    }
    *path = buf;
    return EB_OK;
}

eb_status eb_farm_resolve(eb_farm *f, const char *format, const char **o, const char **save_outputs,
                          const char **save_model, eb_err *err)
{
    if (!f->out_dir)
        return EB_OK;
    eb_status st = make_dirs(f->out_dir, err);
    if (st != EB_OK)
        return st;
    char canon[PATH_MAX];
    if (!realpath(f->out_dir, canon))
        return eb_errf(err, EB_EIO, "--out-dir %s: %s", f->out_dir, strerror(errno));
    snprintf(f->dflt, sizeof f->dflt, "results.%s", format && *format && strlen(format) < 16 ? format : "json");
    if ((st = place(f, canon, "-o", o, f->dflt, f->results, sizeof f->results, err)) != EB_OK ||
        (st = place(f, canon, "--save-outputs", save_outputs, NULL, f->save_outputs, sizeof f->save_outputs, err)) !=
            EB_OK ||
        (st = place(f, canon, "--save-model", save_model, NULL, f->save_model, sizeof f->save_model, err)) != EB_OK)
        return st;
    const char *cache = getenv("EDGEBENCH_CACHE_DIR");
    if (!cache || !*cache) {
        snprintf(f->cache, sizeof f->cache, "%s/cache", canon);
        setenv("EDGEBENCH_CACHE_DIR", f->cache, 1);
    }
    return EB_OK;
}

void eb_farm_input(eb_farm *f, const char **path)
{
    if (!f->out_dir || !*path || **path == '/' || strcmp(*path, "-") == 0)
        return;
    if ((size_t)snprintf(f->resume, sizeof f->resume, "%s/%s", f->out_dir, *path) < sizeof f->resume)
        *path = f->resume;
}

double eb_farm_left(const eb_farm *f)
{
    if (!(f->deadline_s > 0))
        return INFINITY;
    return f->started + f->deadline_s - mono_s();
}

bool eb_farm_deadline_passed(const eb_farm *f)
{
    return eb_farm_left(f) <= 0;
}

/* The file's SHA-256 in hex; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    unsigned len = 0;
    ok = ok && !ferror(in) && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
    for (unsigned i = 0; ok && i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(ctx);
    fclose(in);
    return ok;
}

void eb_farm_done(FILE *out, int rc, const char *results)
{
    char hex[65] = "-";
    bool have = results && *results && file_sha256(results, hex);
    fflush(stdout);
    fflush(stderr);
    fprintf(out, "EDGEBENCH_DONE rc=%d results=%s sha256=%s\n", rc, have ? results : "-", have ? hex : "-");
    fflush(out);
}
