/* counters_papi.c - cycles, instructions, LLC accesses and misses, branch
 * misses, dTLB misses and L1D misses through PAPI's preset events (see
 * counters_papi.h for when PAPI is the source and why it is dlopened).
 *
 * On Linux PAPI's CPU component (component 0, perf_event) reads the same
 * kernel counters perf does, through libpfm4; where the machine exposes no
 * PMU (a VM without a virtual one) PAPI still initialises but disables
 * that component and says why ("Error libpfm4 no default PMU found"):
 * that sentence is the reason recorded.  The presets are added one by one,
 * so that an event this CPU lacks (PAPI_ENOEVNT) or that finds no free
 * counter (PAPI_ECNFLCT) leaves only its own figure unknown.  The LLC
 * events are the L3's, the L2's where PAPI has no L3 preset. */
#include "bench/counters_papi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EB_HAVE_PAPI

int eb_papi_open(eb_papi **out, char *source, size_t sn, char *events, size_t en, char *why, size_t n)
{
    *out = NULL;
    snprintf(why, n, "PAPI not built in (papi.h was not found at build time: install libpapi-dev)");
    return -1;
}

bool eb_papi_read(eb_papi *p, uint64_t v[EB_HW_COUNT], bool known[EB_HW_COUNT])
{
    return false;
}

void eb_papi_close(eb_papi *p)
{
}

#else

#include <dlfcn.h>
#include <papi.h>

/* the loaded library, once per process and name (the tests switch names) */
static struct {
    void *lib;
    char name[256];
    int version;        /* PAPI_library_init's answer: > 0 ok */
    char why[300];      /* why PAPI is absent, "" when it is present */
    int (*library_init)(int);
    void (*shutdown)(void);
    const char *(*strerror_)(int);
    const PAPI_component_info_t *(*component_info)(int);
    int (*create)(int *);
    int (*assign)(int, int);
    int (*set_opt)(int, PAPI_option_t *);
    int (*add)(int, int);
    int (*start)(int);
    int (*read)(int, long long *);
    int (*stop)(int, long long *);
    int (*cleanup)(int);
    int (*destroy)(int *);
} L;

struct eb_papi {
    int set;
    int n;                    /* events added */
    int which[EB_HW_COUNT];   /* the eb_hw index of each added event, in order */
    long long v[EB_HW_COUNT];
};

/* each eb_hw counter's preset, and a second choice (0: none) */
static const struct {
    int code, alt;
    const char *name, *alt_name;
} EVT[EB_HW_COUNT] = {
    [EB_HW_CYCLES] = {PAPI_TOT_CYC, 0, "PAPI_TOT_CYC", NULL},
    [EB_HW_INSTRUCTIONS] = {PAPI_TOT_INS, 0, "PAPI_TOT_INS", NULL},
    [EB_HW_CACHE_REFERENCES] = {PAPI_L3_TCA, PAPI_L2_TCA, "PAPI_L3_TCA", "PAPI_L2_TCA"},
    [EB_HW_CACHE_MISSES] = {PAPI_L3_TCM, PAPI_L2_TCM, "PAPI_L3_TCM", "PAPI_L2_TCM"},
    [EB_HW_BRANCH_MISSES] = {PAPI_BR_MSP, 0, "PAPI_BR_MSP", NULL},
    [EB_HW_DTLB_MISSES] = {PAPI_TLB_DM, 0, "PAPI_TLB_DM", NULL},
    [EB_HW_L1D_MISSES] = {PAPI_L1_DCM, 0, "PAPI_L1_DCM", NULL},
};

static const char *code_name(int r)
{
    switch (r) {
    case PAPI_ENOEVNT: return "PAPI_ENOEVNT";
    case PAPI_ECNFLCT: return "PAPI_ECNFLCT";
    case PAPI_ECMP_DISABLED: return "PAPI_ECMP_DISABLED";
    case PAPI_EPERM: return "PAPI_EPERM";
    case PAPI_ENOSUPP: return "PAPI_ENOSUPP";
    case PAPI_ESYS: return "PAPI_ESYS";
    case PAPI_EINVAL: return "PAPI_EINVAL";
    case PAPI_ENOCMP: return "PAPI_ENOCMP";
    default: return "PAPI error";
    }
}

/* "Event does not exist (PAPI_ENOEVNT)" */
static void err_text(int r, char *buf, size_t n)
{
    const char *s = L.strerror_ ? L.strerror_(r) : NULL;
    snprintf(buf, n, "%s (%s %d)", s ? s : "unknown", code_name(r), r);
}

#define SYM(field, name) (*(void **)&L.field = dlsym(L.lib, name))

static void unload(void)
{
    if (L.lib) {
        if (L.version > 0 && L.shutdown)
            L.shutdown();
        dlclose(L.lib);
    }
    memset(&L, 0, sizeof L);
}

/* true: PAPI initialised (L.version); false: L.why says why it is absent */
static bool load(void)
{
    /* the soname of the header's version: "libpapi.so.7.0" */
    char soname[32];
    snprintf(soname, sizeof soname, "libpapi.so.%d.%d", PAPI_VERSION_MAJOR(PAPI_VERSION), PAPI_VERSION_MINOR(PAPI_VERSION));
    const char *name = getenv("EB_PAPI_LIB");
    if (!name || !*name)
        name = soname;
    if (L.name[0] && strcmp(L.name, name) == 0)
        return L.version > 0;
    unload();
    snprintf(L.name, sizeof L.name, "%s", name);
    if (!(L.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) && !getenv("EB_PAPI_LIB"))
        L.lib = dlopen("libpapi.so", RTLD_NOW | RTLD_LOCAL); /* another version's -dev link */
    if (!L.lib) {
        const char *e = dlerror();
        snprintf(L.why, sizeof L.why, "%s cannot be loaded (libpapi not installed): %s", name, e ? e : "?");
        return false;
    }
    SYM(library_init, "PAPI_library_init");
    SYM(shutdown, "PAPI_shutdown");
    SYM(strerror_, "PAPI_strerror");
    SYM(component_info, "PAPI_get_component_info");
    SYM(create, "PAPI_create_eventset");
    SYM(assign, "PAPI_assign_eventset_component");
    SYM(set_opt, "PAPI_set_opt");
    SYM(add, "PAPI_add_event");
    SYM(start, "PAPI_start");
    SYM(read, "PAPI_read");
    SYM(stop, "PAPI_stop");
    SYM(cleanup, "PAPI_cleanup_eventset");
    SYM(destroy, "PAPI_destroy_eventset");
    if (!L.library_init || !L.component_info || !L.create || !L.add || !L.start || !L.read || !L.stop ||
        !L.cleanup || !L.destroy) {
        snprintf(L.why, sizeof L.why, "%s lacks one of the PAPI calls edgebench makes", name);
        return false;
    }
    int v = L.library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) {
        char e[128];
        if (v > 0)
            snprintf(e, sizeof e, "it is PAPI %d.%d, edgebench was built for %d.%d", PAPI_VERSION_MAJOR(v),
                     PAPI_VERSION_MINOR(v), PAPI_VERSION_MAJOR(PAPI_VER_CURRENT), PAPI_VERSION_MINOR(PAPI_VER_CURRENT));
        else
            err_text(v, e, sizeof e);
        snprintf(L.why, sizeof L.why, "PAPI_library_init (%s) failed: %s", name, e);
        return false;
    }
    L.version = v;
    return true;
}

/* adds event i (its second choice when the first does not exist); 0 or the error */
static int add_event(eb_papi *p, int i, const char **name)
{
    *name = EVT[i].name;
    int r = L.add(p->set, EVT[i].code);
    if (r == PAPI_ENOEVNT && EVT[i].alt) {
        int r2 = L.add(p->set, EVT[i].alt);
        if (r2 == PAPI_OK) {
            *name = EVT[i].alt_name;
            r = r2;
        }
    }
    return r;
}

int eb_papi_open(eb_papi **out, char *source, size_t sn, char *events, size_t en, char *why, size_t n)
{
    *out = NULL;
    why[0] = events[0] = '\0';
    if (!load()) {
        snprintf(why, n, "%s", L.why);
        return -1;
    }
    snprintf(source, sn, "PAPI %d.%d", PAPI_VERSION_MAJOR(L.version), PAPI_VERSION_MINOR(L.version));
    const PAPI_component_info_t *ci = L.component_info(0);
    char lead[200] = "";
    if (ci && ci->disabled) /* no counter will add: PAPI's own reason first */
        snprintf(lead, sizeof lead, "PAPI_library_init ok, but its CPU component %.32s is disabled: %.120s; %d hardware "
                 "counters", ci->name, ci->disabled_reason, ci->num_cntrs > 0 ? ci->num_cntrs : 0);
    eb_papi *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(why, n, "out of memory");
        return 0;
    }
    p->set = PAPI_NULL;
    char e[160];
    int r;
    if ((r = L.create(&p->set)) != PAPI_OK) {
        err_text(r, e, sizeof e);
        snprintf(why, n, "%s%sPAPI_create_eventset: %s", lead, lead[0] ? "; " : "", e);
        free(p);
        return 0;
    }
    /* inherit: the runner's worker threads, started after this, count too */
    const char *inherit_note = "";
    if (L.assign && L.assign(p->set, 0) == PAPI_OK && L.set_opt) {
        PAPI_option_t opt;
        memset(&opt, 0, sizeof opt);
        opt.inherit.eventset = p->set;
        opt.inherit.inherit = PAPI_INHERIT_ALL;
        if (L.set_opt(PAPI_INHERIT, &opt) != PAPI_OK)
            inherit_note = " (PAPI_INHERIT refused: this thread only)";
    }
    size_t k = 0;
    for (int i = 0; i < EB_HW_COUNT; i++) {
        const char *name;
        if ((r = add_event(p, i, &name)) == PAPI_OK) {
            p->which[p->n++] = i;
            k += (size_t)snprintf(events + k, k < en ? en - k : 0, "%s%s", k ? " " : "", name);
        } else if (!why[0]) {
            err_text(r, e, sizeof e);
            snprintf(why, n, "%s%sPAPI_add_event(%s): %s", lead, lead[0] ? "; " : "", name, e);
        }
    }
    if (p->n > 0 && (r = L.start(p->set)) != PAPI_OK) {
        err_text(r, e, sizeof e);
        snprintf(why, n, "PAPI_start: %s", e);
        p->n = 0;
    }
    if (p->n == 0) {
        if (!why[0])
            snprintf(why, n, "%s", lead[0] ? lead : "PAPI added no event");
        L.cleanup(p->set);
        L.destroy(&p->set);
        free(p);
        events[0] = '\0';
        return 0;
    }
    if (inherit_note[0] && k < en)
        snprintf(events + k, en - k, "%s", inherit_note);
    *out = p;
    return p->n;
}

bool eb_papi_read(eb_papi *p, uint64_t v[EB_HW_COUNT], bool known[EB_HW_COUNT])
{
    for (int i = 0; i < EB_HW_COUNT; i++)
        known[i] = false;
    if (!p || L.read(p->set, p->v) != PAPI_OK)
        return false;
    for (int k = 0; k < p->n; k++) {
        v[p->which[k]] = p->v[k] < 0 ? 0 : (uint64_t)p->v[k];
        known[p->which[k]] = true;
    }
    return true;
}

void eb_papi_close(eb_papi *p)
{
    if (!p)
        return;
    long long dummy[EB_HW_COUNT];
    L.stop(p->set, dummy);
    L.cleanup(p->set);
    L.destroy(&p->set);
    free(p);
}

#endif
