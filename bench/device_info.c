/* device_info.c - what machine a result was measured on.
 *
 * The CPU is identified by libcpuid where it is built in and the CPU is x86;
 * otherwise, or when libcpuid fails (its error goes into `notes`), by
 * parsing /proc/cpuinfo.  Whatever is still unknown afterwards (caches on
 * arm, physical cores) is filled from sysfs.  Memory comes from
 * /proc/meminfo, the OS from os-release, the kernel and architecture from
 * uname.  Nothing here measures anything: the clock is what the OS reports
 * (cpu_clock_by_os / "cpu MHz"), never a timed loop, so `edgebench info` and
 * result provenance stay instant.
 *
 * SIMD features are named as Linux names them in /proc/cpuinfo (sse4_2, fma,
 * avx512_vnni; asimd, i8mm), plus "neon" on arm, so that the two sources
 * agree.  libcpuid 0.6.2 does not know the newer ML extensions (bf16, fp16,
 * AMX, AVX-VNNI) and misses AVX-512 on AMD Zen 4, so on Linux the kernel's
 * flags are merged in and `notes` says which came from the kernel.  What the
 * CPU has is then cut to what this OS saves the registers of, by the probe
 * the cpu runner's dispatch uses (runners/cpu_features.h): AVX and AVX-512
 * are listed only when XCR0 enables their state, so `simd` never names an
 * extension the kernels would refuse. */
#include "bench/device_info.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "runners/cpu_features.h"
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#if defined(EB_HAVE_LIBCPUID) && (defined(__x86_64__) || defined(__i386__))
#define EB_USE_LIBCPUID 1
#include <libcpuid.h>
#define LC(f) CPU_FEATURE_##f
#else
#define LC(f) (-1)
#endif

/* ---- feature names ----------------------------------------------------- */

/* x86 features that matter to inference kernels, in the order they are
 * listed; `flag` is the /proc/cpuinfo name, `lc` the libcpuid flag (-1 where
 * libcpuid 0.6.2 has none). */
static const struct x86_feature {
    const char *name, *flag;
    int lc;
} x86_features[] = {
    {"sse", "sse", LC(SSE)},
    {"sse2", "sse2", LC(SSE2)},
    {"sse3", "pni", LC(PNI)},
    {"ssse3", "ssse3", LC(SSSE3)},
    {"sse4_1", "sse4_1", LC(SSE4_1)},
    {"sse4_2", "sse4_2", LC(SSE4_2)},
    {"avx", "avx", LC(AVX)},
    {"f16c", "f16c", LC(F16C)},
    {"fma", "fma", LC(FMA3)},
    {"avx2", "avx2", LC(AVX2)},
    {"avx512f", "avx512f", LC(AVX512F)},
    {"avx512dq", "avx512dq", LC(AVX512DQ)},
    {"avx512cd", "avx512cd", LC(AVX512CD)},
    {"avx512bw", "avx512bw", LC(AVX512BW)},
    {"avx512vl", "avx512vl", LC(AVX512VL)},
    {"avx512ifma", "avx512ifma", -1},
    {"avx512vbmi", "avx512vbmi", LC(AVX512VBMI)},
    {"avx512_vbmi2", "avx512_vbmi2", LC(AVX512VBMI2)},
    {"avx512_vnni", "avx512_vnni", LC(AVX512VNNI)},
    {"avx512_bf16", "avx512_bf16", -1},
    {"avx512_fp16", "avx512_fp16", -1},
    {"avx_vnni", "avx_vnni", -1},
    {"amx_tile", "amx_tile", -1},
    {"amx_int8", "amx_int8", -1},
    {"amx_bf16", "amx_bf16", -1},
};

/* arm "Features" that matter to inference kernels ("neon" is added first
 * when asimd, or 32-bit neon, is there). */
static const char *const arm_features[] = {
    "asimd", "asimdhp", "asimddp", "asimdfhm", "asimdrdm", "fphp", "bf16", "i8mm",
    "sve", "sve2", "svebf16", "svei8mm", "sme", "sme2",
};

/* MIDR implementer codes and part numbers (Arm's and vendors' TRMs; the
 * Linux arch/arm64 cputype.h list). */
static const struct arm_name {
    unsigned code;
    const char *name;
} arm_implementers[] = {
    {0x41, "ARM"}, {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"}, {0x48, "HiSilicon"},
    {0x4e, "NVIDIA"}, {0x50, "APM"}, {0x51, "Qualcomm"}, {0x53, "Samsung"}, {0x61, "Apple"},
    {0x6d, "Microsoft"}, {0xc0, "Ampere"},
};

static const struct arm_part {
    unsigned impl, part;
    const char *name;
} arm_parts[] = {
    {0x41, 0xc07, "Cortex-A7"},     {0x41, 0xc09, "Cortex-A9"},       {0x41, 0xc0f, "Cortex-A15"},
    {0x41, 0xd03, "Cortex-A53"},    {0x41, 0xd04, "Cortex-A35"},      {0x41, 0xd05, "Cortex-A55"},
    {0x41, 0xd07, "Cortex-A57"},    {0x41, 0xd08, "Cortex-A72"},      {0x41, 0xd09, "Cortex-A73"},
    {0x41, 0xd0a, "Cortex-A75"},    {0x41, 0xd0b, "Cortex-A76"},      {0x41, 0xd0c, "Neoverse-N1"},
    {0x41, 0xd0d, "Cortex-A77"},    {0x41, 0xd40, "Neoverse-V1"},     {0x41, 0xd41, "Cortex-A78"},
    {0x41, 0xd44, "Cortex-X1"},     {0x41, 0xd46, "Cortex-A510"},     {0x41, 0xd47, "Cortex-A710"},
    {0x41, 0xd48, "Cortex-X2"},     {0x41, 0xd49, "Neoverse-N2"},     {0x41, 0xd4b, "Cortex-A78C"},
    {0x41, 0xd4d, "Cortex-A715"},   {0x41, 0xd4e, "Cortex-X3"},       {0x41, 0xd4f, "Neoverse-V2"},
    {0x41, 0xd80, "Cortex-A520"},   {0x41, 0xd81, "Cortex-A720"},     {0x41, 0xd82, "Cortex-X4"},
    {0x51, 0x800, "Kryo 2xx Gold"}, {0x51, 0x801, "Kryo 2xx Silver"}, {0x51, 0x804, "Kryo 4xx Gold"},
    {0x51, 0x805, "Kryo 4xx Silver"}, {0x61, 0x022, "Apple M1 Icestorm"}, {0x61, 0x023, "Apple M1 Firestorm"},
    {0xc0, 0xac3, "Ampere-1"},
};

/* ---- small text helpers -------------------------------------------------- */

/* Appends "; <text>" (or "<text>") to d->notes; truncates quietly. */
__attribute__((format(printf, 2, 3))) static void add_note(eb_device_info *d, const char *fmt, ...)
{
    size_t len = strlen(d->notes);
    if (len + 3 >= sizeof d->notes)
        return;
    if (len) {
        memcpy(d->notes + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->notes + len, sizeof d->notes - len, fmt, ap);
    va_end(ap);
}

static void copy_span(char *dst, size_t n, const char *s, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* Appends word to the space-separated list out; false if it does not fit. */
static bool append_word(char *out, size_t n, const char *w)
{
    size_t len = strlen(out), wl = strlen(w);
    if (len + (len > 0) + wl + 1 > n)
        return false;
    if (len)
        out[len++] = ' ';
    memcpy(out + len, w, wl + 1);
    return true;
}

/* Whether the whitespace-separated list s[0..len) holds the word w. */
static bool has_word(const char *s, size_t len, const char *w)
{
    size_t wl = strlen(w), i = 0;
    while (i < len) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < len && !isspace((unsigned char)s[i]))
            i++;
        if (i - start == wl && memcmp(s + start, w, wl) == 0)
            return true;
    }
    return false;
}

/* Reads a whole (small, possibly size-0 /proc) file into a NUL-terminated
 * malloc'd buffer; NULL with errno set on failure. */
static char *read_text(const char *path)
{
    enum { MAX = 16 << 20 };
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - 1 - len, f);
        if (ferror(f)) {
            free(buf);
            buf = NULL;
            errno = EIO;
            break;
        }
        if (feof(f))
            break;
        if (cap >= MAX) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    if (buf)
        buf[len] = '\0';
    else if (errno == 0)
        errno = ENOMEM;
    fclose(f);
    return buf;
}

/* First line of a small file, trailing whitespace removed; false if none. */
static bool read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    size_t len = strlen(buf);
    while (len && isspace((unsigned char)buf[len - 1]))
        buf[--len] = '\0';
    return true;
}

/* One "key <sep> value" line of text starting at p, both sides trimmed.  Returns
 * the start of the next line, or NULL at the end of the text; key is NULL
 * for a line without sep. */
typedef struct kv_line {
    const char *key, *val;
    size_t klen, vlen;
} kv_line;

static const char *next_line(const char *p, char sep, kv_line *kv)
{
    if (!*p)
        return NULL;
    const char *end = strchr(p, '\n');
    if (!end)
        end = p + strlen(p);
    const char *s = memchr(p, sep, (size_t)(end - p));
    kv->key = kv->val = NULL;
    kv->klen = kv->vlen = 0;
    if (s) {
        const char *k = p, *ke = s, *v = s + 1, *ve = end;
        while (k < ke && isspace((unsigned char)*k))
            k++;
        while (ke > k && isspace((unsigned char)ke[-1]))
            ke--;
        while (v < ve && isspace((unsigned char)*v))
            v++;
        while (ve > v && isspace((unsigned char)ve[-1]))
            ve--;
        kv->key = k;
        kv->klen = (size_t)(ke - k);
        kv->val = v;
        kv->vlen = (size_t)(ve - v);
    }
    return *end ? end + 1 : end;
}

static bool key_is(const kv_line *kv, const char *k)
{
    return kv->key && kv->klen == strlen(k) && memcmp(kv->key, k, kv->klen) == 0;
}

/* The value as a NUL-terminated string in buf (truncated to n-1). */
static const char *val_str(const kv_line *kv, char *buf, size_t n)
{
    copy_span(buf, n, kv->val, kv->vlen);
    return buf;
}

/* ---- /proc/cpuinfo ------------------------------------------------------- */

enum { MAX_PACKAGES = 64, MAX_PARTS = 8 };

typedef struct cpuinfo_facts {
    int logical, physical;
    char vendor[64], brand[128];
    const char *flags; /* into the parsed text */
    size_t flags_len;
    bool arm_flags;    /* flags came from "Features" */
    double mhz;
    unsigned impl;     /* first arm implementer, or ~0u */
    int n_parts;
    unsigned parts[MAX_PARTS][2]; /* distinct (implementer, part), in order */
} cpuinfo_facts;

/* One "processor" block's topology, folded into the totals when it ends. */
typedef struct cpuinfo_block {
    long phys_id;
    int cores;
    long impl, part;
} cpuinfo_block;

typedef struct cpuinfo_packages {
    int n;
    long id[MAX_PACKAGES];
    int first_cores; /* "cpu cores" of the first block, for blocks without "physical id" */
} cpuinfo_packages;

static void end_block(cpuinfo_facts *f, cpuinfo_packages *pk, const cpuinfo_block *b)
{
    if (b->cores > 0) {
        if (b->phys_id < 0) {
            if (!pk->first_cores)
                pk->first_cores = b->cores;
        } else {
            bool seen = false;
            for (int i = 0; i < pk->n && !seen; i++)
                seen = pk->id[i] == b->phys_id;
            if (!seen && pk->n < MAX_PACKAGES) {
                pk->id[pk->n++] = b->phys_id;
                f->physical += b->cores;
            }
        }
    }
    if (b->impl >= 0 && b->part >= 0) {
        if (f->impl == ~0u)
            f->impl = (unsigned)b->impl;
        bool seen = false;
        for (int i = 0; i < f->n_parts && !seen; i++)
            seen = f->parts[i][0] == (unsigned)b->impl && f->parts[i][1] == (unsigned)b->part;
        if (!seen && f->n_parts < MAX_PARTS) {
            f->parts[f->n_parts][0] = (unsigned)b->impl;
            f->parts[f->n_parts][1] = (unsigned)b->part;
            f->n_parts++;
        }
    }
}

static long parse_long(const kv_line *kv, int base)
{
    char buf[32], *end;
    val_str(kv, buf, sizeof buf);
    errno = 0;
    long v = strtol(buf, &end, base);
    return errno || end == buf || v < 0 ? -1 : v;
}

static eb_status parse_cpuinfo_facts(const char *text, cpuinfo_facts *f, eb_err *err)
{
    memset(f, 0, sizeof *f);
    f->impl = ~0u;
    cpuinfo_packages pk = {0};
    cpuinfo_block b = {-1, 0, -1, -1};
    bool in_block = false, known = false;
    char model_name[128] = "";
    kv_line kv;
    for (const char *p = text; p && (p = next_line(p, ':', &kv));) {
        if (!kv.key)
            continue;
        if (key_is(&kv, "processor")) {
            if (in_block)
                end_block(f, &pk, &b);
            b = (cpuinfo_block){-1, 0, -1, -1};
            in_block = known = true;
            f->logical++;
        } else if (key_is(&kv, "vendor_id")) {
            if (!f->vendor[0])
                val_str(&kv, f->vendor, sizeof f->vendor);
            known = true;
        } else if (key_is(&kv, "model name")) {
            if (!model_name[0])
                val_str(&kv, model_name, sizeof model_name);
            known = true;
        } else if (key_is(&kv, "physical id")) {
            b.phys_id = parse_long(&kv, 10);
        } else if (key_is(&kv, "cpu cores")) {
            long c = parse_long(&kv, 10);
            b.cores = c > 0 && c < (1 << 20) ? (int)c : 0;
        } else if (key_is(&kv, "CPU implementer")) {
            b.impl = parse_long(&kv, 0);
            known = true;
        } else if (key_is(&kv, "CPU part")) {
            b.part = parse_long(&kv, 0);
        } else if ((key_is(&kv, "flags") || key_is(&kv, "Features")) && !f->flags) {
            f->flags = kv.val;
            f->flags_len = kv.vlen;
            f->arm_flags = key_is(&kv, "Features");
            known = true;
        } else if (key_is(&kv, "cpu MHz") && f->mhz == 0) {
            char buf[32], *end;
            double mhz = strtod(val_str(&kv, buf, sizeof buf), &end);
            f->mhz = end != buf && mhz > 0 && mhz < 1e6 ? mhz : 0;
        }
    }
    end_block(f, &pk, &b);
    if (!known)
        return eb_errf(err, EB_EFORMAT, "cpuinfo: no processor, vendor_id, model name, flags or CPU implementer entries");
    if (!f->physical)
        f->physical = pk.first_cores;

    if (f->impl != ~0u) {
        /* arm: vendor from the implementer code, brand from the distinct
         * core parts ("Cortex-A55 + Cortex-A76" on big.LITTLE) */
        const char *vn = NULL;
        for (size_t i = 0; i < sizeof arm_implementers / sizeof arm_implementers[0]; i++)
            if (arm_implementers[i].code == f->impl)
                vn = arm_implementers[i].name;
        if (vn)
            snprintf(f->vendor, sizeof f->vendor, "%s", vn);
        else
            snprintf(f->vendor, sizeof f->vendor, "implementer 0x%02x", f->impl);
        for (int i = 0; i < f->n_parts; i++) {
            const char *pn = NULL;
            for (size_t j = 0; j < sizeof arm_parts / sizeof arm_parts[0]; j++)
                if (arm_parts[j].impl == f->parts[i][0] && arm_parts[j].part == f->parts[i][1])
                    pn = arm_parts[j].name;
            char one[48];
            if (pn)
                snprintf(one, sizeof one, "%s", pn);
            else
                snprintf(one, sizeof one, "part 0x%03x", f->parts[i][1]);
            size_t len = strlen(f->brand);
            snprintf(f->brand + len, sizeof f->brand - len, "%s%s", i ? " + " : "", one);
        }
    }
    if (!f->brand[0])
        snprintf(f->brand, sizeof f->brand, "%s", model_name);
    return EB_OK;
}

/* The SIMD list from a /proc/cpuinfo flags or Features line. */
static void simd_from_flags(const cpuinfo_facts *f, char *out, size_t n)
{
    out[0] = '\0';
    if (!f->flags)
        return;
    if (f->arm_flags) {
        if (has_word(f->flags, f->flags_len, "asimd") || has_word(f->flags, f->flags_len, "neon"))
            append_word(out, n, "neon");
        for (size_t i = 0; i < sizeof arm_features / sizeof arm_features[0]; i++)
            if (has_word(f->flags, f->flags_len, arm_features[i]))
                append_word(out, n, arm_features[i]);
    } else {
        for (size_t i = 0; i < sizeof x86_features / sizeof x86_features[0]; i++)
            if (has_word(f->flags, f->flags_len, x86_features[i].flag))
                append_word(out, n, x86_features[i].name);
    }
}

/* On arm64 Linux the SIMD list comes from the kernel's AT_HWCAP bits, the
 * same source the GEMM dispatch uses: /proc/cpuinfo can belong to another
 * machine (qemu-user shows the host's).  Elsewhere nothing changes. */
static void simd_from_hwcap(eb_device_info *d)
{
#if defined(__aarch64__) && defined(__linux__)
    static const struct {
        int word; /* 1: AT_HWCAP, 2: AT_HWCAP2 */
        unsigned long bit;
        const char *name;
    } bits[] = {
        {1, HWCAP_ASIMD, "asimd"},     {1, HWCAP_ASIMDHP, "asimdhp"}, {1, HWCAP_ASIMDDP, "asimddp"},
        {1, HWCAP_ASIMDFHM, "asimdfhm"}, {1, HWCAP_ASIMDRDM, "asimdrdm"}, {1, HWCAP_FPHP, "fphp"},
        {2, HWCAP2_BF16, "bf16"},      {2, HWCAP2_I8MM, "i8mm"},      {1, HWCAP_SVE, "sve"},
        {2, HWCAP2_SVE2, "sve2"},      {2, HWCAP2_SVEBF16, "svebf16"}, {2, HWCAP2_SVEI8MM, "svei8mm"},
    };
    const eb_cpu_features *cf = eb_cpu_features_get();
    if (!cf->have_hwcap)
        return;
    unsigned long hw1 = cf->hwcap, hw2 = cf->hwcap2;
    d->simd[0] = '\0';
    if (hw1 & HWCAP_ASIMD)
        append_word(d->simd, sizeof d->simd, "neon");
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if ((bits[i].word == 1 ? hw1 : hw2) & bits[i].bit)
            append_word(d->simd, sizeof d->simd, bits[i].name);
#else
    (void)d;
#endif
}

/* Whether x86 extension `w` (a simd name) uses YMM (VEX) or ZMM/opmask
 * (EVEX) state: 1 for AVX-class, 2 for AVX-512-class, 0 for neither. */
static int x86_state_class(const char *w)
{
    if (strncmp(w, "avx512", 6) == 0)
        return 2;
    if (strncmp(w, "avx", 3) == 0 || strcmp(w, "fma") == 0 || strcmp(w, "f16c") == 0)
        return 1;
    return 0;
}

void eb_device_info_os_simd(char *simd, size_t n, const eb_cpu_features *f, char *dropped, size_t dn)
{
    char kept[sizeof ((eb_device_info *)0)->simd] = "";
    if (dn)
        dropped[0] = '\0';
    const char *p = simd;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        char w[64];
        copy_span(w, sizeof w, p, len);
        p += len;
        int cls = x86_state_class(w);
        bool ok = cls == 0 || (cls == 1 && f->os_avx) || (cls == 2 && f->os_avx512);
        if (ok)
            append_word(kept, sizeof kept, w);
        else if (dn)
            append_word(dropped, dn, w);
    }
    snprintf(simd, n, "%s", kept);
}

static void facts_to_info(const cpuinfo_facts *f, eb_device_info *d)
{
    snprintf(d->vendor, sizeof d->vendor, "%s", f->vendor);
    snprintf(d->brand, sizeof d->brand, "%s", f->brand);
    d->physical_cores = f->physical;
    d->logical_cpus = f->logical;
    simd_from_flags(f, d->simd, sizeof d->simd);
    d->base_mhz = f->mhz;
}

eb_status eb_device_info_parse_cpuinfo(const char *text, eb_device_info *d, eb_err *err)
{
    cpuinfo_facts f;
    eb_status st = parse_cpuinfo_facts(text, &f, err);
    if (st == EB_OK)
        facts_to_info(&f, d);
    return st;
}

/* ---- libcpuid --------------------------------------------------------- */

#ifdef EB_USE_LIBCPUID
/* libcpuid's first warning of a call, instead of its default print to stderr
 * (which would land in the middle of `edgebench info` output). */
static char lc_warning[128];

static void lc_warn(const char *msg)
{
    if (!lc_warning[0])
        snprintf(lc_warning, sizeof lc_warning, "%s", msg);
}

/* Fills the CPU fields from libcpuid; false (noted) if it cannot.  kernel,
 * when not NULL, is /proc/cpuinfo, whose flags are merged into simd. */
static bool cpu_from_libcpuid(eb_device_info *d, const cpuinfo_facts *kernel)
{
    if (!cpuid_present()) {
        add_note(d, "libcpuid: the CPUID instruction is not available");
        return false;
    }
    struct cpu_raw_data_t raw;
    struct cpu_id_t id;
    lc_warning[0] = '\0';
    libcpuid_warn_fn_t old = cpuid_set_warn_function(lc_warn);
    bool ok = cpuid_get_raw_data(&raw) == 0 && cpu_identify(&raw, &id) == 0;
    cpuid_set_warn_function(old);
    if (!ok) {
        add_note(d, "libcpuid: %s", cpuid_error());
        return false;
    }
    size_t len = strlen(lc_warning);
    while (len && isspace((unsigned char)lc_warning[len - 1]))
        lc_warning[--len] = '\0';
    if (len)
        add_note(d, "libcpuid warned: %s", lc_warning);

    snprintf(d->cpu_source, sizeof d->cpu_source, "libcpuid");
    copy_span(d->vendor, sizeof d->vendor, id.vendor_str, strnlen(id.vendor_str, sizeof id.vendor_str));
    const char *brand = id.brand_str; /* Intel pads it with leading spaces */
    size_t blen = strnlen(brand, sizeof id.brand_str);
    while (blen && isspace((unsigned char)*brand))
        brand++, blen--;
    while (blen && isspace((unsigned char)brand[blen - 1]))
        blen--;
    copy_span(d->brand, sizeof d->brand, brand, blen);
    d->physical_cores = id.num_cores > 0 ? id.num_cores : 0;
    d->logical_cpus = id.num_logical_cpus > 0 ? id.num_logical_cpus : 0;
    if (id.total_logical_cpus > id.num_logical_cpus && id.num_logical_cpus > 0)
        add_note(d, "cores and threads are per package (libcpuid); %d logical CPUs in all", id.total_logical_cpus);
    d->l1d_kib = id.l1_data_cache > 0 ? id.l1_data_cache : 0;
    d->l1i_kib = id.l1_instruction_cache > 0 ? id.l1_instruction_cache : 0;
    d->l2_kib = id.l2_cache > 0 ? id.l2_cache : 0;
    d->l3_kib = id.l3_cache > 0 ? id.l3_cache : 0;
    int mhz = cpu_clock_by_os(); /* reads the OS's figure; never times a loop */
    d->base_mhz = mhz > 0 ? mhz : 0;
    if (d->base_mhz == 0 && kernel)
        d->base_mhz = kernel->mhz;

    char from_kernel[160] = "";
    d->simd[0] = '\0';
    for (size_t i = 0; i < sizeof x86_features / sizeof x86_features[0]; i++) {
        const struct x86_feature *xf = &x86_features[i];
        bool lc = xf->lc >= 0 && id.flags[xf->lc];
        bool os = kernel && kernel->flags && !kernel->arm_flags && has_word(kernel->flags, kernel->flags_len, xf->flag);
        if (lc || os)
            append_word(d->simd, sizeof d->simd, xf->name);
        if (os && !lc)
            append_word(from_kernel, sizeof from_kernel, xf->name);
    }
    if (from_kernel[0])
        add_note(d, "simd not seen by libcpuid %s, from /proc/cpuinfo: %s", cpuid_lib_version(), from_kernel);
    return true;
}
#endif

/* ---- sysfs ------------------------------------------------------------ */

/* "32K", "1024K", "30M", "1G" -> KiB; 0 if not understood. */
static int size_kib(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v <= 0)
        return 0;
    long mul = *end == 'K' ? 1 : *end == 'M' ? 1024 : *end == 'G' ? 1024 * 1024 : 0;
    if (!mul && *end == '\0' && v >= 1024)
        return v / 1024 <= INT32_MAX ? (int)(v / 1024) : 0; /* plain bytes */
    if (!mul || v > INT32_MAX / mul)
        return 0;
    return (int)(v * mul);
}

eb_status eb_device_info_read_sysfs(const char *cpu_dir, eb_device_info *d, eb_err *err)
{
    int l1d = 0, l1i = 0, l2 = 0, l3 = 0, cores = 0;
    char path[512], level[16], type[32], size[32];
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, "%s/cpu0/cache/index%d/level", cpu_dir, i);
        if (!read_line(path, level, sizeof level))
            continue;
        snprintf(path, sizeof path, "%s/cpu0/cache/index%d/type", cpu_dir, i);
        if (!read_line(path, type, sizeof type))
            continue;
        snprintf(path, sizeof path, "%s/cpu0/cache/index%d/size", cpu_dir, i);
        if (!read_line(path, size, sizeof size))
            continue;
        int kib = size_kib(size), lv = atoi(level);
        bool data = strcmp(type, "Data") == 0 || strcmp(type, "Unified") == 0;
        if (lv == 1 && strcmp(type, "Data") == 0 && !l1d)
            l1d = kib;
        else if (lv == 1 && strcmp(type, "Instruction") == 0 && !l1i)
            l1i = kib;
        else if (lv == 2 && data && !l2)
            l2 = kib;
        else if (lv == 3 && data && !l3)
            l3 = kib;
    }

    /* a physical core is a CPU that is the first of its thread siblings */
    DIR *dir = opendir(cpu_dir);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir))) {
            const char *s = e->d_name;
            if (strncmp(s, "cpu", 3) != 0 || !s[3])
                continue;
            bool digits = true;
            for (const char *c = s + 3; *c && digits; c++)
                digits = isdigit((unsigned char)*c);
            if (!digits)
                continue;
            char sib[64];
            snprintf(path, sizeof path, "%s/%s/topology/thread_siblings_list", cpu_dir, s);
            if (read_line(path, sib, sizeof sib) && isdigit((unsigned char)sib[0]) &&
                strtol(sib, NULL, 10) == strtol(s + 3, NULL, 10))
                cores++;
        }
        closedir(dir);
    }

    if (!l1d && !l1i && !l2 && !l3 && !cores)
        return eb_errf(err, EB_EIO, "%s: no cache or CPU topology information", cpu_dir);
    if (!d->l1d_kib)
        d->l1d_kib = l1d;
    if (!d->l1i_kib)
        d->l1i_kib = l1i;
    if (!d->l2_kib)
        d->l2_kib = l2;
    if (!d->l3_kib)
        d->l3_kib = l3;
    if (!d->physical_cores)
        d->physical_cores = cores;
    return EB_OK;
}

/* ---- cross-check against the OS ------------------------------------------- */

enum { MAX_CPU_IDS = 8192 }; /* CPU numbers above this are not looked at */

int eb_cpu_list_parse(const char *text, bool *set, int max)
{
    memset(set, 0, (size_t)max * sizeof *set);
    int count = 0;
    const char *p = text;
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0; /* an empty list: no CPUs */
    for (;;) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        long a = strtol(p, &end, 10), b = a;
        p = end;
        if (*p == '-') {
            if (!isdigit((unsigned char)p[1]))
                return -1;
            b = strtol(p + 1, &end, 10);
            p = end;
        }
        if (a < 0 || b < a || b >= max)
            return -1;
        for (long i = a; i <= b; i++)
            if (!set[i]) {
                set[i] = true;
                count++;
            }
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            return count;
        if (*p != ',')
            return -1;
        p++;
    }
}

void eb_cpu_list_format(const bool *set, int max, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < max; i++) {
        if (!set[i])
            continue;
        int j = i;
        while (j + 1 < max && set[j + 1])
            j++;
        int w = j > i ? snprintf(buf + k, n - k, "%s%d-%d", k ? "," : "", i, j)
                      : snprintf(buf + k, n - k, "%s%d", k ? "," : "", i);
        if (w < 0 || (size_t)w >= n - k) { /* does not fit: cut at the last whole entry */
            buf[k] = '\0';
            return;
        }
        k += (size_t)w;
        i = j;
    }
}

__attribute__((format(printf, 2, 3))) static void add_disagreement(eb_device_info *d, const char *fmt, ...)
{
    if (d->n_disagreements >= (int)(sizeof d->disagreements / sizeof d->disagreements[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->disagreements[d->n_disagreements++], sizeof d->disagreements[0], fmt, ap);
    va_end(ap);
}

static const char *kib_text(int kib, char *buf, size_t n);

/* This process's affinity mask into set; false if it cannot be read. */
static bool read_affinity(bool *set, int max)
{
    cpu_set_t *cs = CPU_ALLOC(max);
    if (!cs)
        return false;
    size_t size = CPU_ALLOC_SIZE(max);
    CPU_ZERO_S(size, cs);
    bool ok = sched_getaffinity(0, size, cs) == 0;
    for (int i = 0; ok && i < max; i++)
        set[i] = CPU_ISSET_S(i, size, cs);
    CPU_FREE(cs);
    return ok;
}

void eb_device_info_check_os(eb_device_info *d, const char *cpu_dir, const char *affinity)
{
    bool *online = calloc(MAX_CPU_IDS, sizeof *online), *usable = calloc(MAX_CPU_IDS, sizeof *usable);
    int *pkg = malloc(MAX_CPU_IDS * sizeof *pkg), *core = malloc(MAX_CPU_IDS * sizeof *core);
    if (!online || !usable || !pkg || !core) {
        add_note(d, "CPU cross-check: out of memory");
        goto done;
    }
    const char *prior = d->cpu_source[0] ? d->cpu_source : "the CPU identification";
    char path[512], line[512];

    /* online CPUs: the `online` list, else the cpu<N> folders */
    int n_online = -1;
    snprintf(path, sizeof path, "%s/online", cpu_dir);
    if (read_line(path, line, sizeof line))
        n_online = eb_cpu_list_parse(line, online, MAX_CPU_IDS);
    if (n_online <= 0) {
        n_online = 0;
        DIR *dir = opendir(cpu_dir);
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            char *end;
            if (strncmp(e->d_name, "cpu", 3) != 0 || !isdigit((unsigned char)e->d_name[3]))
                continue;
            long i = strtol(e->d_name + 3, &end, 10);
            if (*end || i >= MAX_CPU_IDS)
                continue;
            char on[8] = "1"; /* cpu0 often has no `online` file: it cannot go offline */
            snprintf(path, sizeof path, "%s/%s/online", cpu_dir, e->d_name);
            read_line(path, on, sizeof on);
            if (strcmp(on, "1") == 0 && !online[i]) {
                online[i] = true;
                n_online++;
            }
        }
        if (dir)
            closedir(dir);
    }

    /* physical cores: distinct (package, core) among the online CPUs */
    int n_pairs = 0, n_topo = 0;
    for (int i = 0; i < MAX_CPU_IDS; i++) {
        if (!online[i])
            continue;
        char a[32], b[32];
        snprintf(path, sizeof path, "%s/cpu%d/topology/physical_package_id", cpu_dir, i);
        bool have = read_line(path, a, sizeof a);
        snprintf(path, sizeof path, "%s/cpu%d/topology/core_id", cpu_dir, i);
        have = have && read_line(path, b, sizeof b);
        if (!have)
            continue;
        n_topo++;
        int pp = atoi(a), cc = atoi(b);
        bool seen = false;
        for (int j = 0; j < n_pairs && !seen; j++)
            seen = pkg[j] == pp && core[j] == cc;
        if (!seen) {
            pkg[n_pairs] = pp;
            core[n_pairs] = cc;
            n_pairs++;
        }
    }
    bool topo_whole = n_online > 0 && n_topo == n_online;

    bool os_logical = n_online > 0, os_physical = topo_whole && n_pairs > 0;
    if (os_logical) {
        if (d->logical_cpus > 0 && d->logical_cpus != n_online)
            add_disagreement(d, "%s says %d logical CPUs, the OS %d", prior, d->logical_cpus, n_online);
        d->logical_cpus = n_online;
        d->online_cpus = n_online;
    }
    if (os_physical) {
        if (d->physical_cores > 0 && d->physical_cores != n_pairs)
            add_disagreement(d, "%s says %d physical core%s, the OS %d", prior, d->physical_cores,
                             d->physical_cores == 1 ? "" : "s", n_pairs);
        d->physical_cores = n_pairs;
    }
    if (os_logical && os_physical)
        snprintf(d->cores_source, sizeof d->cores_source, "sysfs");
    else if (os_logical)
        snprintf(d->cores_source, sizeof d->cores_source, "sysfs (logical), %s (physical)", prior);
    else if (d->logical_cpus || d->physical_cores)
        snprintf(d->cores_source, sizeof d->cores_source, "%s", prior);
    if (!os_logical || !os_physical)
        add_note(d, "%s: no %s, so the %s count is %s", cpu_dir, os_logical ? "CPU topology" : "online CPU list",
                 os_logical ? "physical core" : "CPU", d->physical_cores || d->logical_cpus ? "unchecked" : "unknown");

    /* what this process may use */
    bool have_mask = affinity ? eb_cpu_list_parse(affinity, usable, MAX_CPU_IDS) >= 0
                              : read_affinity(usable, MAX_CPU_IDS);
    if (have_mask) {
        int n = 0;
        for (int i = 0; i < MAX_CPU_IDS; i++) {
            usable[i] = usable[i] && (n_online == 0 || online[i]);
            n += usable[i];
        }
        d->usable_cpus = n;
        eb_cpu_list_format(usable, MAX_CPU_IDS, d->affinity, sizeof d->affinity);
    } else {
        add_note(d, "sched_getaffinity: %s", strerror(errno));
    }

    /* caches of the first CPU this process may use (cpu0 if unknown) */
    int first = 0;
    while (first < MAX_CPU_IDS - 1 && !(have_mask ? usable[first] : online[first]))
        first++;
    if (first == MAX_CPU_IDS - 1)
        first = 0;
    int kib[4] = {0}; /* l1d, l1i, l2, l3 */
    char shared3[64] = "";
    for (int i = 0; i < 16; i++) {
        char level[16], type[32], size[32];
        snprintf(path, sizeof path, "%s/cpu%d/cache/index%d/level", cpu_dir, first, i);
        bool ok = read_line(path, level, sizeof level);
        snprintf(path, sizeof path, "%s/cpu%d/cache/index%d/type", cpu_dir, first, i);
        ok = ok && read_line(path, type, sizeof type);
        snprintf(path, sizeof path, "%s/cpu%d/cache/index%d/size", cpu_dir, first, i);
        ok = ok && read_line(path, size, sizeof size);
        if (!ok)
            continue;
        int lv = atoi(level), k = size_kib(size);
        bool data = strcmp(type, "Data") == 0 || strcmp(type, "Unified") == 0;
        int slot = lv == 1 && strcmp(type, "Data") == 0          ? 0
                   : lv == 1 && strcmp(type, "Instruction") == 0 ? 1
                   : lv == 2 && data                             ? 2
                   : lv == 3 && data                             ? 3
                                                                 : -1;
        if (slot < 0 || kib[slot])
            continue;
        kib[slot] = k;
        if (slot == 3) {
            snprintf(path, sizeof path, "%s/cpu%d/cache/index%d/shared_cpu_list", cpu_dir, first, i);
            if (!read_line(path, shared3, sizeof shared3))
                shared3[0] = '\0';
        }
    }
    int *have[4] = {&d->l1d_kib, &d->l1i_kib, &d->l2_kib, &d->l3_kib};
    static const char *const names[4] = {"L1d", "L1i", "L2", "L3"};
    bool os_cache = kib[0] || kib[1] || kib[2] || kib[3], prior_cache = false;
    for (int i = 0; i < 4; i++)
        prior_cache = prior_cache || *have[i];
    if (os_cache) {
        for (int i = 0; i < 4; i++) {
            char a[32], b[32];
            if (*have[i] && kib[i] && *have[i] != kib[i])
                add_disagreement(d, "%s says %s %s, the OS %s", prior, names[i], kib_text(*have[i], a, sizeof a),
                                 kib_text(kib[i], b, sizeof b));
            if (kib[i] || *have[i]) /* a level the OS does not list keeps the earlier figure */
                *have[i] = kib[i] ? kib[i] : *have[i];
        }
        snprintf(d->cache_source, sizeof d->cache_source, "sysfs");
        snprintf(d->l3_shared_cpus, sizeof d->l3_shared_cpus, "%s", shared3);
    } else if (prior_cache) {
        snprintf(d->cache_source, sizeof d->cache_source, "%s", prior);
        add_note(d, "the OS lists no caches (%s/cpu%d/cache), so %s's cache sizes are unchecked", cpu_dir, first, prior);
    }
done:
    free(online);
    free(usable);
    free(pkg);
    free(core);
}

/* ---- memory and OS -------------------------------------------------------- */

/* "24684096 kB" -> bytes; false if not a number or too large. */
static bool kb_to_bytes(const kv_line *kv, uint64_t *out)
{
    char buf[48], *end;
    val_str(kv, buf, sizeof buf);
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || buf[0] == '-' || v > UINT64_MAX / 1024)
        return false;
    while (*end == ' ')
        end++;
    if (*end && strcmp(end, "kB") != 0)
        return false;
    *out = (uint64_t)v * 1024;
    return true;
}

eb_status eb_device_info_parse_meminfo(const char *text, eb_device_info *d, eb_err *err)
{
    uint64_t total = 0, avail = 0;
    bool have_total = false;
    kv_line kv;
    for (const char *p = text; p && (p = next_line(p, ':', &kv));) {
        if (key_is(&kv, "MemTotal")) {
            if (!kb_to_bytes(&kv, &total))
                return eb_errf(err, EB_EFORMAT, "meminfo: MemTotal '%.*s' is not a size in kB", (int)kv.vlen, kv.val);
            have_total = true;
        } else if (key_is(&kv, "MemAvailable")) {
            if (!kb_to_bytes(&kv, &avail))
                return eb_errf(err, EB_EFORMAT, "meminfo: MemAvailable '%.*s' is not a size in kB", (int)kv.vlen,
                               kv.val);
        }
    }
    if (!have_total)
        return eb_errf(err, EB_EFORMAT, "meminfo: no MemTotal line");
    d->mem_total_bytes = total;
    d->mem_available_bytes = avail;
    return EB_OK;
}

/* An os-release value: "quoted \"text\"", 'quoted', or bare. */
static void unquote(const kv_line *kv, char *out, size_t n)
{
    const char *s = kv->val, *e = kv->val + kv->vlen;
    size_t o = 0;
    char q = 0;
    if (s < e && (*s == '"' || *s == '\'')) {
        q = *s++;
        if (e > s && e[-1] == q)
            e--;
    }
    for (; s < e && o + 1 < n; s++) {
        if (q == '"' && *s == '\\' && s + 1 < e)
            s++;
        out[o++] = *s;
    }
    out[o] = '\0';
}

eb_status eb_device_info_parse_os_release(const char *text, eb_device_info *d, eb_err *err)
{
    char pretty[sizeof d->os] = "", name[sizeof d->os] = "";
    kv_line kv;
    for (const char *p = text; p && (p = next_line(p, '=', &kv));) {
        if (!kv.key || (kv.klen && kv.key[0] == '#'))
            continue;
        if (key_is(&kv, "PRETTY_NAME"))
            unquote(&kv, pretty, sizeof pretty);
        else if (key_is(&kv, "NAME"))
            unquote(&kv, name, sizeof name);
    }
    const char *os = pretty[0] ? pretty : name;
    if (!os[0])
        return eb_errf(err, EB_EFORMAT, "os-release: no PRETTY_NAME or NAME");
    snprintf(d->os, sizeof d->os, "%s", os);
    return EB_OK;
}

/* ---- the whole picture ---------------------------------------------------- */

void eb_device_info_get(eb_device_info *d)
{
    memset(d, 0, sizeof *d);
    eb_err err = {{0}};

    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(d->arch, sizeof d->arch, "%s", u.machine);
        snprintf(d->kernel, sizeof d->kernel, "%s %s", u.sysname, u.release);
    } else {
        add_note(d, "uname: %s", strerror(errno));
    }
    if (gethostname(d->hostname, sizeof d->hostname) != 0) {
        add_note(d, "hostname: %s", strerror(errno));
        d->hostname[0] = '\0';
    }
    d->hostname[sizeof d->hostname - 1] = '\0'; /* truncated names come without one */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    d->online_cpus = online > 0 && online < (1L << 20) ? (int)online : 0;

    cpuinfo_facts facts;
    char *cpuinfo = read_text("/proc/cpuinfo");
    char cpuinfo_why[sizeof err.msg] = "";
    if (!cpuinfo)
        snprintf(cpuinfo_why, sizeof cpuinfo_why, "%s", strerror(errno));
    bool have_facts = cpuinfo && parse_cpuinfo_facts(cpuinfo, &facts, &err) == EB_OK;
    if (cpuinfo && !have_facts)
        snprintf(cpuinfo_why, sizeof cpuinfo_why, "%s", err.msg);
    bool have_cpu = false;
#ifdef EB_USE_LIBCPUID
    have_cpu = cpu_from_libcpuid(d, have_facts ? &facts : NULL);
#endif
    if (!have_cpu) {
        if (have_facts) {
            facts_to_info(&facts, d);
            snprintf(d->cpu_source, sizeof d->cpu_source, "/proc/cpuinfo");
        } else {
            add_note(d, "/proc/cpuinfo: %s", cpuinfo_why);
        }
    }
    /* flags point into the cpuinfo text: before it is freed */
    if (have_facts && facts.flags && !facts.arm_flags && has_word(facts.flags, facts.flags_len, "hypervisor"))
        add_note(d, "a hypervisor is present: CPUID describes the virtual CPU it shows");
    free(cpuinfo);
    simd_from_hwcap(d);
#if defined(__x86_64__)
    char dropped[160];
    eb_device_info_os_simd(d->simd, sizeof d->simd, eb_cpu_features_get(), dropped, sizeof dropped);
    if (dropped[0])
        add_note(d, "the CPU has %s but the OS does not save their registers (XCR0): not in simd", dropped);
#endif

    eb_device_info_check_os(d, "/sys/devices/system/cpu", NULL);

    char *meminfo = read_text("/proc/meminfo");
    if (!meminfo)
        add_note(d, "/proc/meminfo: %s", strerror(errno));
    else if (eb_device_info_parse_meminfo(meminfo, d, &err) != EB_OK)
        add_note(d, "/proc/meminfo: %s", err.msg);
    free(meminfo);

    char *osr = read_text("/etc/os-release");
    if (!osr)
        osr = read_text("/usr/lib/os-release");
    if (!osr)
        add_note(d, "os-release: %s", strerror(errno));
    else if (eb_device_info_parse_os_release(osr, d, &err) != EB_OK)
        add_note(d, "%s", err.msg);
    free(osr);
}

/* ---- output ------------------------------------------------------------- */

static const char *kib_text(int kib, char *buf, size_t n)
{
    if (kib <= 0)
        snprintf(buf, n, "?");
    else if (kib >= 1024 && kib % 1024 == 0)
        snprintf(buf, n, "%d MiB", kib / 1024);
    else
        snprintf(buf, n, "%d KiB", kib);
    return buf;
}

static const char *count_text(int v, char *buf, size_t n)
{
    if (v > 0)
        snprintf(buf, n, "%d", v);
    else
        snprintf(buf, n, "?");
    return buf;
}

static const char *or_unknown(const char *s)
{
    return s[0] ? s : "unknown";
}

void eb_device_info_print(const eb_device_info *d, FILE *f)
{
    char a[32], b[32], c[32], e[32];
    /* the label column is 16 wide; cmd_info.c prints its lines to match */
    fprintf(f, "%-16s%s\n", "cpu:", or_unknown(d->brand));
    fprintf(f, "%-16s%s\n", "vendor:", or_unknown(d->vendor));
    fprintf(f, "%-16s%s physical, %s logical, %s online", "cores:", count_text(d->physical_cores, a, sizeof a),
            count_text(d->logical_cpus, b, sizeof b), count_text(d->online_cpus, c, sizeof c));
    if (d->cores_source[0])
        fprintf(f, " (%s)", d->cores_source);
    if (d->usable_cpus > 0)
        fprintf(f, "; this process may use %d: CPU%s %s", d->usable_cpus, d->usable_cpus == 1 ? "" : "s", d->affinity);
    fputc('\n', f);
    fprintf(f, "%-16sL1d %s, L1i %s, L2 %s, L3 %s", "caches:", kib_text(d->l1d_kib, a, sizeof a),
            kib_text(d->l1i_kib, b, sizeof b), kib_text(d->l2_kib, c, sizeof c), kib_text(d->l3_kib, e, sizeof e));
    if (d->cache_source[0])
        fprintf(f, " (%s%s)", d->cache_source, strcmp(d->cache_source, "sysfs") == 0 ? "" : ", unchecked by the OS");
    fputc('\n', f);
    for (int i = 0; i < d->n_disagreements; i++)
        fprintf(f, "%-16s%s\n", i ? "" : "disagreements:", d->disagreements[i]);
    fprintf(f, "%-16s%s\n", "simd:", d->simd[0] ? d->simd : "none detected");
    if (d->base_mhz > 0)
        fprintf(f, "%-16s%.0f MHz (as the OS reports it)\n", "clock:", d->base_mhz);
    else
        fprintf(f, "%-16s%s\n", "clock:", "unknown");
    if (d->mem_total_bytes)
        fprintf(f, "%-16s%.1f GiB total, %.1f GiB available\n", "memory:", (double)d->mem_total_bytes / (1 << 30),
                (double)d->mem_available_bytes / (1 << 30));
    else
        fprintf(f, "%-16s%s\n", "memory:", "unknown");
    fprintf(f, "%-16s%s\n", "os:", or_unknown(d->os));
    fprintf(f, "%-16s%s\n", "kernel:", or_unknown(d->kernel));
    fprintf(f, "%-16s%s\n", "arch:", or_unknown(d->arch));
    fprintf(f, "%-16s%s\n", "hostname:", or_unknown(d->hostname));
    fprintf(f, "%-16s%s\n", "source:", d->cpu_source[0] ? d->cpu_source : "none");
    if (d->notes[0])
        fprintf(f, "%-16s%s\n", "notes:", d->notes);
}
