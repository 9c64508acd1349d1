/* papi_stub.c - a stand-in for libpapi.so with the calls
 * bench/counters_papi.c makes, so that tests/test_counters.c can drive the
 * PAPI source with known counts on a machine without a PMU.  Built as
 * $(BUILD)/tests/libpapi_stub.so where papi.h is (its structures are
 * PAPI's); the test sets it up through the eb_stub_papi_* calls, found with
 * dlsym on the same loaded library.
 *
 * Each preset event has a value and a step: PAPI_read returns the values
 * of the events added, then adds each its step.  By default every event
 * counts (its step below: cycles 2000, instructions 3000, so IPC 1.5, and
 * so on) on an enabled "perf_event" component with 6 counters. */
#include <string.h>

#include <papi.h>

enum { SLOTS = PAPI_MAX_PRESET_EVENTS };

static long long value[SLOTS], step[SLOTS];
static int dropped[SLOTS];
static int added[16], n_added;
static int inherit;
static PAPI_component_info_t comp;
static int configured;

static int slot(int code)
{
    return code & PAPI_PRESET_AND_MASK;
}

static void defaults(void)
{
    if (configured)
        return;
    configured = 1;
    static const struct { int code; long long step; } d[] = {
        {PAPI_TOT_CYC, 2000}, {PAPI_TOT_INS, 3000}, {PAPI_L3_TCA, 40}, {PAPI_L3_TCM, 10},
        {PAPI_L2_TCA, 80}, {PAPI_L2_TCM, 20}, {PAPI_BR_MSP, 5}, {PAPI_TLB_DM, 3}, {PAPI_L1_DCM, 100},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        step[slot(d[i].code)] = d[i].step;
    strcpy(comp.name, "perf_event");
    comp.num_cntrs = 6;
}

/* the test's controls */
void eb_stub_papi_reset(void)
{
    memset(value, 0, sizeof value);
    memset(step, 0, sizeof step);
    memset(dropped, 0, sizeof dropped);
    memset(&comp, 0, sizeof comp);
    configured = 0;
    defaults();
}

void eb_stub_papi_set(int code, long long v, long long s)
{
    defaults();
    value[slot(code)] = v;
    step[slot(code)] = s;
}

/* the event does not exist here: PAPI_add_event answers PAPI_ENOEVNT */
void eb_stub_papi_drop(int code)
{
    defaults();
    dropped[slot(code)] = 1;
}

/* the CPU component disabled with reason (a machine without a PMU) */
void eb_stub_papi_disable(const char *reason)
{
    defaults();
    comp.disabled = PAPI_ECMP;
    comp.num_cntrs = 0;
    strncpy(comp.disabled_reason, reason, sizeof comp.disabled_reason - 1);
}

int eb_stub_papi_inherit(void)
{
    return inherit;
}

/* PAPI */
int PAPI_library_init(int version)
{
    defaults();
    return version == PAPI_VER_CURRENT ? PAPI_VER_CURRENT : PAPI_EINVAL;
}

void PAPI_shutdown(void)
{
}

char *PAPI_strerror(int r)
{
    static char text[64];
    strcpy(text, r == PAPI_ENOEVNT ? "Event does not exist"
                 : r == PAPI_ECMP_DISABLED ? "Component containing event is disabled" : "Stub error");
    return text;
}

const PAPI_component_info_t *PAPI_get_component_info(int cidx)
{
    defaults();
    return cidx == 0 ? &comp : NULL;
}

int PAPI_create_eventset(int *set)
{
    n_added = 0;
    inherit = 0;
    *set = 1;
    return PAPI_OK;
}

int PAPI_assign_eventset_component(int set, int cidx)
{
    return set == 1 && cidx == 0 ? PAPI_OK : PAPI_EINVAL;
}

int PAPI_set_opt(int option, PAPI_option_t *opt)
{
    if (option == PAPI_INHERIT)
        inherit = opt->inherit.inherit;
    return PAPI_OK;
}

int PAPI_add_event(int set, int code)
{
    if (comp.disabled)
        return PAPI_ECMP_DISABLED;
    if (dropped[slot(code)] || n_added == 16)
        return PAPI_ENOEVNT;
    added[n_added++] = code;
    return set == 1 ? PAPI_OK : PAPI_EINVAL;
}

int PAPI_start(int set)
{
    return PAPI_OK;
}

int PAPI_read(int set, long long *v)
{
    for (int k = 0; k < n_added; k++) {
        v[k] = value[slot(added[k])];
        value[slot(added[k])] += step[slot(added[k])];
    }
    return PAPI_OK;
}

int PAPI_stop(int set, long long *v)
{
    return PAPI_read(set, v);
}

int PAPI_cleanup_eventset(int set)
{
    n_added = 0;
    return PAPI_OK;
}

int PAPI_destroy_eventset(int *set)
{
    *set = PAPI_NULL;
    return PAPI_OK;
}
