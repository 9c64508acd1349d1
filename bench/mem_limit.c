/* mem_limit.c - --mem-limit: parsing, the default, and RLIMIT_DATA in the
 * variant's process (see mem_limit.h). */
#include "bench/mem_limit.h"

#include "bench/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define EB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EB_ASAN 1
#endif
#endif

/* the limit this process runs under (eb_mem_limit_apply), 0 none */
static uint64_t eb_mem_applied;

/* "256 MiB", "1.5 GiB" */
static void human(uint64_t b, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, n, v == floor(v) ? "%.0f %s" : "%.1f %s", v, units[u]);
}

/* A cgroup's memory limit file, under the mount point or at its root
 * (inside a container the path of /proc/self/cgroup is often not there). */
static uint64_t cgroup_limit(const char *mount, const char *path, const char *file)
{
    char p[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s%s/%s", mount, i == 0 ? path : "", file);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        char buf[64] = "";
        bool ok = fgets(buf, sizeof buf, f) != NULL;
        fclose(f);
        if (!ok || strncmp(buf, "max", 3) == 0)
            return 0;
        unsigned long long v = strtoull(buf, NULL, 10);
        return v >= (UINT64_C(1) << 60) ? 0 : (uint64_t)v; /* v1's "no limit" is a page-rounded LONG_MAX */
    }
    return 0;
}

/* This process's cgroup memory limit (v2 memory.max, or v1
 * memory.limit_in_bytes), 0 none or unknown. */
static uint64_t cgroup_memory(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    char line[1024];
    uint64_t limit = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        uint64_t v = 0;
        if (strncmp(line, "0::", 3) == 0)
            v = cgroup_limit("/sys/fs/cgroup", c2 + 1, "memory.max");
        else if (c2 - c1 - 1 == 6 && strncmp(c1 + 1, "memory", 6) == 0)
            v = cgroup_limit("/sys/fs/cgroup/memory", c2 + 1, "memory.limit_in_bytes");
        if (v && (!limit || v < limit))
            limit = v;
    }
    fclose(f);
    return limit;
}

uint64_t eb_mem_usable(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t phys = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
    uint64_t cg = cgroup_memory();
    return cg && (!phys || cg < phys) ? cg : phys;
}

uint64_t eb_mem_limit_default(char *desc, size_t n)
{
    uint64_t usable = eb_mem_usable();
    uint64_t b = usable / 100 * EB_MEM_LIMIT_DEFAULT_PERCENT;
    char u[32], l[32];
    human(usable, u, sizeof u);
    human(b, l, sizeof l);
    if (usable)
        snprintf(desc, n, "%s: the default, %d%% of the %s this process may use", l, EB_MEM_LIMIT_DEFAULT_PERCENT, u);
    else
        snprintf(desc, n, "none: the usable memory is unknown");
    return b;
}

eb_status eb_mem_limit_parse(const char *arg, uint64_t *bytes, char *desc, size_t n, eb_err *err)
{
    if (strcmp(arg, "none") == 0) {
        *bytes = 0;
        snprintf(desc, n, "none: --mem-limit none");
        return EB_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || !isfinite(v) || v <= 0)
        return eb_errf(err, EB_EINVAL, "--mem-limit: '%s' is not a size (512M, 4G, 75%%) or none", arg);
    char l[32];
    if (strcmp(end, "%") == 0) {
        if (v > 100)
            return eb_errf(err, EB_EINVAL, "--mem-limit: '%s': a share of memory is at most 100%%", arg);
        uint64_t usable = eb_mem_usable();
        if (!usable)
            return eb_errf(err, EB_EINVAL, "--mem-limit %s: the usable memory of this machine is unknown; give a size",
                           arg);
        *bytes = (uint64_t)((double)usable * v / 100);
        char u[32];
        human(usable, u, sizeof u);
        human(*bytes, l, sizeof l);
        snprintf(desc, n, "%s: --mem-limit %s of the %s this process may use", l, arg, u);
        return EB_OK;
    }
    static const char suffixes[] = "KMGT";
    double scale = 1;
    if (*end) {
        const char *s = strchr(suffixes, end[0] & ~0x20);
        if (!s || !end[0] || (end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0))
            return eb_errf(err, EB_EINVAL, "--mem-limit: '%s': the suffix is K, M, G or T (powers of 1024) or %%", arg);
        scale = pow(1024, (double)(s - suffixes + 1));
    }
    if (v * scale < 1 << 20 || v * scale > 1e18)
        return eb_errf(err, EB_EINVAL, "--mem-limit: '%s' is out of range (1M to 1e18 bytes)", arg);
    *bytes = (uint64_t)(v * scale);
    human(*bytes, l, sizeof l);
    snprintf(desc, n, "%s: --mem-limit %s", l, arg);
    return EB_OK;
}

#ifndef EB_ASAN /* (an ASan build never applies the limit) */
/* Whether RLIMIT_DATA stops an allocation here: a forked child sets 64 MiB
 * and asks for 128 MiB.  An emulator such as qemu-user accepts the call but
 * ignores it (it maps the guest's memory itself), and the limit would then
 * be recorded as applied when it is not.  Probed once per process. */
static bool rlimit_data_works(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_DATA, &rl) != 0)
            _exit(2);
        rl.rlim_cur = UINT64_C(64) << 20;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
            rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_DATA, &rl) != 0)
            _exit(2);
        void *volatile p = malloc(UINT64_C(128) << 20);
        _exit(p == NULL ? 0 : 1);
    }
    int st;
    known = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    return known;
}
#endif

bool eb_mem_limit_enforceable(char *why, size_t n)
{
#ifdef EB_ASAN
    snprintf(why, n, "not applied: an AddressSanitizer build (its shadow maps count as data, so every allocation "
                     "would fail)");
    return false;
#else
    if (!rlimit_data_works()) {
        snprintf(why, n, "not applied: RLIMIT_DATA does not stop allocations here (an emulator such as qemu-user "
                         "ignores it)");
        return false;
    }
    if (n)
        why[0] = '\0';
    return true;
#endif
}

eb_status eb_mem_limit_choose(const char *arg, bool isolated, uint64_t *bytes, char *desc, size_t n, eb_err *err)
{
    char why[160];
    if (arg && eb_mem_limit_parse(arg, bytes, desc, n, err) != EB_OK)
        return EB_EINVAL;
    if (!arg)
        *bytes = eb_mem_limit_default(desc, n);
    if (*bytes && !isolated) {
        *bytes = 0;
        snprintf(desc, n, "not applied: --no-isolate (it would bind the sweep)");
    } else if (*bytes && !eb_mem_limit_enforceable(why, sizeof why)) {
        *bytes = 0;
        snprintf(desc, n, "%s", why);
        if (arg)
            eb_cli_error("warning: --mem-limit %s %s", arg, why);
    }
    return EB_OK;
}

void eb_mem_limit_apply(uint64_t bytes)
{
    char why[160];
    if (!bytes || !eb_mem_limit_enforceable(why, sizeof why))
        return;
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < bytes)
        bytes = rl.rlim_max; /* a hard limit already lower stays */
    rl.rlim_cur = bytes;
    if (setrlimit(RLIMIT_DATA, &rl) == 0)
        eb_mem_applied = bytes;
}

void eb_mem_limit_reason(char *out, size_t n, const char *msg)
{
    char l[32];
    human(eb_mem_applied, l, sizeof l);
    if (strncmp(msg, "out of memory", 13) == 0) /* said once */
        msg += strspn(msg + 13, ": ") + 13;
    if (!*msg)
        msg = "an allocation failed";
    if (eb_mem_applied)
        snprintf(out, n, "out of memory (under --mem-limit %s): %s", l, msg);
    else
        snprintf(out, n, "out of memory: %s", msg);
}
