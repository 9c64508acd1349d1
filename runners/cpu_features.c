/* cpu_features.c - the one probe of what this CPU and OS can run (see
 * cpu_features.h): CPUID (+ libcpuid) and XCR0 on x86-64, AT_HWCAP on
 * arm64 Linux.  Probed once, under pthread_once. */
#include "runners/cpu_features.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#if defined(EB_HAVE_LIBCPUID)
#include <libcpuid.h>
#endif
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#if defined(__x86_64__)
/* XCR0 through XGETBV (encoded as bytes: no -mxsave needed) */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Which of AVX2+FMA and AVX-512F this CPU has AND this OS saves.
 *
 * The CPU side comes from libcpuid where it is built in (the issue asks for
 * it), united with the CPU's own CPUID leaves 1 and 7: libcpuid 0.6.2 does
 * not report AVX-512 on Zen 4, and the instruction is the ground truth it
 * reads anyway.  Neither says whether the OS saves the wider registers on
 * a context switch, so the OS side is always XGETBV's XCR0: bits 1-2
 * (SSE, AVX) for AVX2, plus 5-7 (opmask, ZMM0-15 upper halves, ZMM16-31)
 * for AVX-512, behind the OSXSAVE bit of CPUID.1:ECX. */
#if defined(EB_HAVE_LIBCPUID)
static void ignore_libcpuid_warning(const char *msg)
{
    (void)msg;
}
#endif

static void x86_features(eb_cpu_features *f)
{
    bool cpu_avx2 = false, cpu_fma = false, cpu_avx512 = false, osxsave = false;
    bool cpu_avx512bw = false, cpu_avx512vnni = false, cpu_avxvnni = false;
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        cpu_fma = (c >> 12) & 1;
        osxsave = (c >> 27) & 1;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        cpu_avx2 = (b >> 5) & 1;
        cpu_avx512 = (b >> 16) & 1;
        cpu_avx512bw = (b >> 30) & 1;
        cpu_avx512vnni = (c >> 11) & 1; /* CPUID.7:ECX bit 11 */
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
        cpu_avxvnni = (a >> 4) & 1; /* CPUID.(7,1):EAX bit 4 */
#if defined(EB_HAVE_LIBCPUID)
    if (cpuid_present()) {
        struct cpu_raw_data_t raw;
        struct cpu_id_t id;
        /* libcpuid prints its warnings (an unknown CPU model, say) to
         * stderr by default; nothing here prints */
        libcpuid_warn_fn_t old = cpuid_set_warn_function(ignore_libcpuid_warning);
        bool ok = cpuid_get_raw_data(&raw) == 0 && cpu_identify(&raw, &id) == 0;
        cpuid_set_warn_function(old);
        if (ok) {
            cpu_avx2 = cpu_avx2 || id.flags[CPU_FEATURE_AVX2];
            cpu_fma = cpu_fma || id.flags[CPU_FEATURE_FMA3];
            cpu_avx512 = cpu_avx512 || id.flags[CPU_FEATURE_AVX512F];
        }
    }
#endif
    uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    bool os_avx = (xcr0 & 0x6) == 0x6;
    bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    f->cpu_avx2 = cpu_avx2;
    f->cpu_fma = cpu_fma;
    f->cpu_avx512f = cpu_avx512;
    f->os_avx = os_avx;
    f->os_avx512 = os_avx512;
    f->avx2_fma = cpu_avx2 && cpu_fma && os_avx;
    f->avx512f = cpu_avx512 && os_avx512;
    f->cpu_avx512bw = cpu_avx512bw;
    f->cpu_avx512vnni = cpu_avx512vnni;
    f->cpu_avxvnni = cpu_avxvnni;
    f->avx512vnni = f->avx512f && cpu_avx512bw && cpu_avx512vnni;
    f->avxvnni = f->avx2_fma && cpu_avxvnni;
}

/* CPUID's 48-byte brand string, without the padding spaces Intel puts in
 * front; "" when the CPU has no brand leaves. */
static void x86_brand(char *out, size_t n)
{
    unsigned regs[12], a, b, c, d;
    out[0] = '\0';
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000004u)
        return;
    for (unsigned i = 0; i < 3; i++)
        __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    char raw[49];
    memcpy(raw, regs, 48);
    raw[48] = '\0';
    const char *s = raw;
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ')
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}
#endif

static eb_cpu_features g_features;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void probe(void)
{
#if defined(__x86_64__)
    x86_features(&g_features);
    x86_brand(g_features.brand, sizeof g_features.brand);
#endif
#if defined(__aarch64__)
#if defined(__linux__) && defined(HWCAP_ASIMD)
    g_features.have_hwcap = true;
    g_features.hwcap = getauxval(AT_HWCAP);
    g_features.hwcap2 = getauxval(AT_HWCAP2);
    g_features.neon = (g_features.hwcap & HWCAP_ASIMD) != 0;
#if defined(HWCAP_ASIMDDP)
    g_features.neondot = g_features.neon && (g_features.hwcap & HWCAP_ASIMDDP) != 0;
#endif
#else
    g_features.neon = true; /* Advanced SIMD is mandatory in ARMv8-A */
#endif
#endif
}

const eb_cpu_features *eb_cpu_features_get(void)
{
    pthread_once(&g_once, probe);
    return &g_features;
}
