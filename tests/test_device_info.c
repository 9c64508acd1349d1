/* test_device_info.c - what machine a result was measured on: parsing fixed
 * /proc and /sys contents, the live machine checked against independent
 * sources (sysinfo(2), the CPUID instruction, the compiler's
 * __builtin_cpu_supports), the JSON record and `edgebench info`.
 *
 * The cpuinfo fixtures are real machines' text (a Cascade Lake Xeon VM, a
 * Raspberry Pi 4, an RK3588); the expected values come from those parts'
 * datasheets, not from running the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sched.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "bench/cli.h"
#include "bench/device_info.h"
#include "reports/emit.h"
#include "runners/cpu/gemm.h"
#include "runners/cpu_features.h"
#include "tests/test_util.h"

/* ---- fixtures ----------------------------------------------------------- */

/* One core with two hyper-threads of a Xeon Gold 6248 (Cascade Lake: AVX-512
 * F/DQ/CD/BW/VL and VNNI; no VBMI, no BF16), as a cloud VM shows it. */
#define XEON_BLOCK(n, apic)                                                                                          \
    "processor\t: " n "\n"                                                                                            \
    "vendor_id\t: GenuineIntel\n"                                                                                     \
    "cpu family\t: 6\n"                                                                                               \
    "model\t\t: 85\n"                                                                                                 \
    "model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"                                                        \
    "stepping\t: 7\n"                                                                                                 \
    "microcode\t: 0x5003604\n"                                                                                        \
    "cpu MHz\t\t: 2500.000\n"                                                                                         \
    "cache size\t: 28160 KB\n"                                                                                        \
    "physical id\t: 0\n"                                                                                              \
    "siblings\t: 2\n"                                                                                                 \
    "core id\t\t: 0\n"                                                                                                \
    "cpu cores\t: 1\n"                                                                                                \
    "apicid\t\t: " apic "\n"                                                                                          \
    "initial apicid\t: " apic "\n"                                                                                    \
    "fpu\t\t: yes\n"                                                                                                  \
    "fpu_exception\t: yes\n"                                                                                          \
    "cpuid level\t: 22\n"                                                                                             \
    "wp\t\t: yes\n"                                                                                                   \
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 "   \
    "ss ht syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq pni "  \
    "pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand "   \
    "hypervisor lahf_lm abm 3dnowprefetch invpcid_single pti fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms "       \
    "invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec "    \
    "xgetbv1 xsaves arat pku ospke avx512_vnni md_clear arch_capabilities\n"                                          \
    "bugs\t\t: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass swapgs taa itlb_multihit mmio_stale_data\n"        \
    "bogomips\t: 5000.00\n"                                                                                           \
    "clflush size\t: 64\n"                                                                                            \
    "cache_alignment\t: 64\n"                                                                                         \
    "address sizes\t: 46 bits physical, 48 bits virtual\n"                                                            \
    "power management:\n"                                                                                             \
    "\n"

static const char XEON_CPUINFO[] = XEON_BLOCK("0", "0") XEON_BLOCK("1", "1");

/* Raspberry Pi 4 Model B, 64-bit kernel: four Cortex-A72 (MIDR part 0xd08,
 * implementer 0x41 = Arm), ARMv8.0 (asimd only). */
#define A72_BLOCK(n)                                                                                                 \
    "processor\t: " n "\n"                                                                                            \
    "BogoMIPS\t: 108.00\n"                                                                                            \
    "Features\t: fp asimd evtstrm crc32 cpuid\n"                                                                      \
    "CPU implementer\t: 0x41\n"                                                                                       \
    "CPU architecture: 8\n"                                                                                           \
    "CPU variant\t: 0x0\n"                                                                                            \
    "CPU part\t: 0xd08\n"                                                                                             \
    "CPU revision\t: 3\n"                                                                                             \
    "\n"

static const char PI4_CPUINFO[] = A72_BLOCK("0") A72_BLOCK("1") A72_BLOCK("2") A72_BLOCK("3")
    "Hardware\t: BCM2835\n"
    "Revision\t: c03111\n"
    "Serial\t\t: 10000000b6e2a4c1\n"
    "Model\t\t: Raspberry Pi 4 Model B Rev 1.1\n";

/* RK3588: four Cortex-A55 (0xd05) then four Cortex-A76 (0xd0b), ARMv8.2
 * (fp16 arithmetic, dot product, rdm). */
#define RK3588_BLOCK(n, part)                                                                                        \
    "processor\t: " n "\n"                                                                                            \
    "BogoMIPS\t: 48.00\n"                                                                                             \
    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop "         \
    "asimddp\n"                                                                                                       \
    "CPU implementer\t: 0x41\n"                                                                                       \
    "CPU architecture: 8\n"                                                                                           \
    "CPU variant\t: 0x2\n"                                                                                         \
    "CPU part\t: " part "\n"                                                                                          \
    "CPU revision\t: 0\n"                                                                                             \
    "\n"

static const char RK3588_CPUINFO[] = RK3588_BLOCK("0", "0xd05") RK3588_BLOCK("1", "0xd05") RK3588_BLOCK("2", "0xd05")
    RK3588_BLOCK("3", "0xd05") RK3588_BLOCK("4", "0xd0b") RK3588_BLOCK("5", "0xd0b") RK3588_BLOCK("6", "0xd0b")
        RK3588_BLOCK("7", "0xd0b");

/* ---- helpers ------------------------------------------------------------ */

static int count_words(const char *s)
{
    int n = 0;
    for (bool in = false; *s; s++) {
        bool sp = *s == ' ';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

static bool has_word(const char *s, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p += wl)
        if ((p == s || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0'))
            return true;
    return false;
}

/* got is exactly the set of words in want (any order). */
static void assert_words(const char *got, const char *const *want, int n)
{
    for (int i = 0; i < n; i++)
        if (!has_word(got, want[i]))
            fail_msg("'%s' lacks '%s'", got, want[i]);
    if (count_words(got) != n)
        fail_msg("'%s' has %d words, expected %d", got, count_words(got), n);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    /* mkdir -p the parents */
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    assert_true(eb_test_write_file(path, text, strlen(text)));
}

/* Runs eb_cmd_info with args, stdout captured into a malloc'd string. */
static char *run_info(int *rc, int argc, char **argv)
{
    char path[300];
    snprintf(path, sizeof path, "%s/stdout", eb_test_tmpdir());
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_true(dup2(fd, STDOUT_FILENO) >= 0);
    close(fd);
    *rc = eb_cmd_info(argc, argv);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *out = strdup(buf);
    assert_non_null(out);
    return out;
}

static eb_device_info filled_info(void)
{
    eb_device_info d = {0};
    snprintf(d.cpu_source, sizeof d.cpu_source, "/proc/cpuinfo");
    snprintf(d.arch, sizeof d.arch, "aarch64");
    snprintf(d.vendor, sizeof d.vendor, "ARM");
    snprintf(d.brand, sizeof d.brand, "Cortex-A72");
    d.physical_cores = 4;
    d.logical_cpus = 4;
    d.online_cpus = 3;
    d.l1d_kib = 32;
    d.l1i_kib = 48;
    d.l2_kib = 1024;
    snprintf(d.simd, sizeof d.simd, "neon asimd");
    d.mem_total_bytes = UINT64_C(8) << 30;
    d.mem_available_bytes = UINT64_C(6) << 29;
    snprintf(d.os, sizeof d.os, "Debian GNU/Linux 12 (bookworm)");
    snprintf(d.kernel, sizeof d.kernel, "Linux 6.1.0-rpi7-rpi-v8");
    snprintf(d.hostname, sizeof d.hostname, "pi4");
    return d;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        fail_msg("JSON lacks key '%s'", key);
    return v;
}

static bool is_num_or_null(const cJSON *v)
{
    return cJSON_IsNumber(v) || cJSON_IsNull(v);
}

/* The documented keys and types of eb_device_info_json. */
static void assert_device_json(const cJSON *root)
{
    assert_true(cJSON_IsObject(root));
    const cJSON *cpu = get(root, "cpu");
    assert_true(cJSON_IsObject(cpu));
    const char *strings[] = {"source", "arch", "vendor", "brand"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        assert_true(cJSON_IsString(get(cpu, strings[i])));
    const char *counts[] = {"physical_cores", "logical_cpus", "online_cpus", "base_mhz"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        assert_true(is_num_or_null(get(cpu, counts[i])));
    const cJSON *cache = get(cpu, "cache_kib");
    assert_true(cJSON_IsObject(cache));
    const char *levels[] = {"l1d", "l1i", "l2", "l3"};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        assert_true(is_num_or_null(get(cache, levels[i])));
    const cJSON *simd = get(cpu, "simd"), *w;
    assert_true(cJSON_IsArray(simd));
    cJSON_ArrayForEach(w, simd) assert_true(cJSON_IsString(w) && *w->valuestring);
    const cJSON *mem = get(root, "memory");
    assert_true(is_num_or_null(get(mem, "total_bytes")));
    assert_true(is_num_or_null(get(mem, "available_bytes")));
    assert_true(cJSON_IsString(get(root, "os")));
    assert_true(cJSON_IsString(get(root, "kernel")));
    assert_true(cJSON_IsString(get(root, "hostname")));
    const cJSON *notes = get(root, "notes");
    assert_true(cJSON_IsNull(notes) || (cJSON_IsString(notes) && *notes->valuestring));
}

/* ---- failure paths ---------------------------------------------------------- */

static void parse_cpuinfo__empty_text__fails_and_keeps_info(void **state)
{
    eb_device_info d = filled_info(), before;
    memcpy(&before, &d, sizeof d);
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo("", &d, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "cpuinfo"));
    assert_memory_equal(&d, &before, sizeof d);
}

static void parse_cpuinfo__unrelated_text__fails(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo("hello\nworld\n", &d, &err), EB_EFORMAT);
    assert_int_equal(eb_device_info_parse_cpuinfo("BogoMIPS\t: 108.00\nHardware\t: BCM2835\n", &d, &err),
                     EB_EFORMAT);
    assert_string_equal(d.vendor, "");
}

static void parse_meminfo__no_memtotal__fails(void **state)
{
    eb_device_info d = filled_info(), before;
    memcpy(&before, &d, sizeof d);
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_meminfo("MemFree:  1024 kB\nMemAvailable: 2048 kB\n", &d, &err),
                     EB_EFORMAT);
    assert_non_null(strstr(err.msg, "MemTotal"));
    assert_memory_equal(&d, &before, sizeof d);
}

static void parse_meminfo__overflowing_or_garbled_size__fails(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    /* 2^64 / 1024 kB is one byte more than a uint64_t holds */
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: 18014398509481984 kB\n", &d, &err), EB_EFORMAT);
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: 99999999999999999999999 kB\n", &d, &err), EB_EFORMAT);
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: -5 kB\n", &d, &err), EB_EFORMAT);
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: lots\n", &d, &err), EB_EFORMAT);
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: 1024 MB\n", &d, &err), EB_EFORMAT);
    assert_int_equal(d.mem_total_bytes, 0);
}

static void parse_os_release__no_name__fails(void **state)
{
    eb_device_info d = filled_info();
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_os_release("ID=debian\nVERSION_ID=\"12\"\n# NAME=x\n", &d, &err),
                     EB_EFORMAT);
    assert_string_equal(d.os, "Debian GNU/Linux 12 (bookworm)");
}

static void read_sysfs__missing_folder__fails_with_io_error(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/no-such-folder", eb_test_tmpdir());
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_read_sysfs(dir, &d, &err), EB_EIO);
    assert_non_null(strstr(err.msg, "no-such-folder"));
    assert_int_equal(d.l1d_kib, 0);
}

static void cmd_info__unknown_flag__exits_usage(void **state)
{
    char a0[] = "info", a1[] = "--bogus";
    char *argv[] = {a0, a1, NULL};
    int rc;
    char *out = run_info(&rc, 2, argv);
    assert_int_equal(rc, EB_EXIT_USAGE);
    assert_string_equal(out, ""); /* the usage goes to stderr */
    free(out);
}

static void cmd_info__extra_argument__exits_usage(void **state)
{
    char a0[] = "info", a1[] = "model.onnx";
    char *argv[] = {a0, a1, NULL};
    int rc;
    char *out = run_info(&rc, 2, argv);
    assert_int_equal(rc, EB_EXIT_USAGE);
    assert_string_equal(out, "");
    free(out);
}

/* ---- parsing fixed text ----------------------------------------------------- */

static void parse_cpuinfo__xeon_vm__reads_identity_threads_and_simd(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo(XEON_CPUINFO, &d, &err), EB_OK);
    assert_string_equal(d.vendor, "GenuineIntel");
    assert_string_equal(d.brand, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
    assert_int_equal(d.logical_cpus, 2);
    assert_int_equal(d.physical_cores, 1); /* two hyper-threads of core 0 */
    assert_true(d.base_mhz == 2500.0);
    static const char *const want[] = {"sse",     "sse2",     "sse3",     "ssse3",    "sse4_1",   "sse4_2",
                                       "avx",     "f16c",     "fma",      "avx2",     "avx512f",  "avx512dq",
                                       "avx512cd", "avx512bw", "avx512vl", "avx512_vnni"};
    assert_words(d.simd, want, (int)(sizeof want / sizeof want[0]));
}

static void parse_cpuinfo__two_sockets__adds_the_cores_of_each(void **state)
{
    static const char text[] = "processor : 0\nvendor_id : GenuineIntel\nphysical id : 0\ncore id : 0\ncpu cores : 2\n\n"
                               "processor : 1\nvendor_id : GenuineIntel\nphysical id : 0\ncore id : 1\ncpu cores : 2\n\n"
                               "processor : 2\nvendor_id : GenuineIntel\nphysical id : 1\ncore id : 0\ncpu cores : 2\n\n"
                               "processor : 3\nvendor_id : GenuineIntel\nphysical id : 1\ncore id : 1\ncpu cores : 2\n";
    eb_device_info d = filled_info();
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo(text, &d, &err), EB_OK);
    assert_int_equal(d.logical_cpus, 4);
    assert_int_equal(d.physical_cores, 4);
    /* what the text lacks is cleared, not left over from before */
    assert_string_equal(d.brand, "");
    assert_string_equal(d.simd, "");
    assert_true(d.base_mhz == 0);
}

static void parse_cpuinfo__raspberry_pi_4__names_the_cortex_a72(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo(PI4_CPUINFO, &d, &err), EB_OK);
    assert_string_equal(d.vendor, "ARM");
    assert_string_equal(d.brand, "Cortex-A72");
    assert_int_equal(d.logical_cpus, 4);
    assert_int_equal(d.physical_cores, 0); /* arm cpuinfo does not say; sysfs fills it */
    assert_true(d.base_mhz == 0);
    static const char *const want[] = {"neon", "asimd"};
    assert_words(d.simd, want, 2);
}

static void parse_cpuinfo__big_little__names_both_cores(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo(RK3588_CPUINFO, &d, &err), EB_OK);
    assert_string_equal(d.vendor, "ARM");
    assert_string_equal(d.brand, "Cortex-A55 + Cortex-A76");
    assert_int_equal(d.logical_cpus, 8);
    static const char *const want[] = {"neon", "asimd", "asimdhp", "asimddp", "asimdrdm", "fphp"};
    assert_words(d.simd, want, (int)(sizeof want / sizeof want[0]));
}

static void parse_cpuinfo__every_known_feature__fits_the_simd_field(void **state)
{
    /* the longest list the x86 table can produce must not be truncated */
    static const char *const all[] = {"sse",         "sse2",        "sse3",        "ssse3",      "sse4_1",
                                      "sse4_2",      "avx",         "f16c",        "fma",        "avx2",
                                      "avx512f",     "avx512dq",    "avx512cd",    "avx512bw",   "avx512vl",
                                      "avx512ifma",  "avx512vbmi",  "avx512_vbmi2", "avx512_vnni", "avx512_bf16",
                                      "avx512_fp16", "avx_vnni",    "amx_tile",    "amx_int8",   "amx_bf16"};
    char text[1024] = "processor : 0\nflags : pni";
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i], "sse3") != 0) {
            strcat(text, " ");
            strcat(text, all[i]);
        }
    strcat(text, "\n");
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_cpuinfo(text, &d, &err), EB_OK);
    assert_words(d.simd, all, (int)(sizeof all / sizeof all[0]));
}

static void parse_meminfo__random_sizes__convert_kb_to_bytes(void **state)
{
    uint64_t seed = eb_test_seed();
    for (int i = 0; i < 100; i++) {
        unsigned long long total_kb = 1 + eb_test_rand(&seed) % (UINT64_C(1) << 40);
        unsigned long long avail_kb = eb_test_rand(&seed) % (total_kb + 1);
        char text[512];
        snprintf(text, sizeof text,
                 "MemTotal:       %llu kB\nMemFree:        12 kB\nMemAvailable:   %llu kB\nBuffers:  9804 kB\n",
                 total_kb, avail_kb);
        eb_device_info d = {0};
        eb_err err = {{0}};
        assert_int_equal(eb_device_info_parse_meminfo(text, &d, &err), EB_OK);
        assert_true(d.mem_total_bytes == (uint64_t)total_kb * 1024);
        assert_true(d.mem_available_bytes == (uint64_t)avail_kb * 1024);
    }
}

static void parse_meminfo__old_kernel_without_memavailable__reads_total(void **state)
{
    eb_device_info d = {0};
    d.mem_available_bytes = 77;
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_meminfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n", &d, &err), EB_OK);
    assert_true(d.mem_total_bytes == 2048 * 1024);
    assert_true(d.mem_available_bytes == 0);
}

static void parse_os_release__quoted_values__are_unquoted(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_os_release("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 "
                                                     "(bookworm)\"\nID=debian\n",
                                                     &d, &err),
                     EB_OK);
    assert_string_equal(d.os, "Debian GNU/Linux 12 (bookworm)");
    assert_int_equal(eb_device_info_parse_os_release("PRETTY_NAME='Alpine Linux v3.19'\n", &d, &err), EB_OK);
    assert_string_equal(d.os, "Alpine Linux v3.19");
    assert_int_equal(eb_device_info_parse_os_release("PRETTY_NAME=\"Say \\\"hi\\\"\"\n", &d, &err), EB_OK);
    assert_string_equal(d.os, "Say \"hi\"");
}

static void parse_os_release__no_pretty_name__uses_name(void **state)
{
    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_parse_os_release("NAME=Buildroot\nVERSION=2023.02\n", &d, &err), EB_OK);
    assert_string_equal(d.os, "Buildroot");
}

static void read_sysfs__fake_tree__fills_unknown_caches_and_cores(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s", eb_test_tmpdir());
    write_file(dir, "cpu0/cache/index0/level", "1\n");
    write_file(dir, "cpu0/cache/index0/type", "Data\n");
    write_file(dir, "cpu0/cache/index0/size", "48K\n");
    write_file(dir, "cpu0/cache/index1/level", "1\n");
    write_file(dir, "cpu0/cache/index1/type", "Instruction\n");
    write_file(dir, "cpu0/cache/index1/size", "32K\n");
    write_file(dir, "cpu0/cache/index2/level", "2\n");
    write_file(dir, "cpu0/cache/index2/type", "Unified\n");
    write_file(dir, "cpu0/cache/index2/size", "2048K\n");
    write_file(dir, "cpu0/cache/index3/level", "3\n");
    write_file(dir, "cpu0/cache/index3/type", "Unified\n");
    write_file(dir, "cpu0/cache/index3/size", "30M\n");
    /* two cores with two threads each, numbered the Intel way (0,2 and 1,3) */
    write_file(dir, "cpu0/topology/thread_siblings_list", "0,2\n");
    write_file(dir, "cpu1/topology/thread_siblings_list", "1,3\n");
    write_file(dir, "cpu2/topology/thread_siblings_list", "0,2\n");
    write_file(dir, "cpu3/topology/thread_siblings_list", "1,3\n");
    write_file(dir, "cpufreq/policy0/scaling_driver", "acpi-cpufreq\n");
    write_file(dir, "cpu4/online", "0\n"); /* offline: no topology */

    eb_device_info d = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_device_info_read_sysfs(dir, &d, &err), EB_OK);
    assert_int_equal(d.l1d_kib, 48);
    assert_int_equal(d.l1i_kib, 32);
    assert_int_equal(d.l2_kib, 2048);
    assert_int_equal(d.l3_kib, 30 * 1024);
    assert_int_equal(d.physical_cores, 2);

    /* what another source already knew is kept */
    eb_device_info k = {0};
    k.l2_kib = 1280;
    k.physical_cores = 6;
    assert_int_equal(eb_device_info_read_sysfs(dir, &k, &err), EB_OK);
    assert_int_equal(k.l2_kib, 1280);
    assert_int_equal(k.physical_cores, 6);
    assert_int_equal(k.l1d_kib, 48);
}

/* ---- cross-check against the OS (issue 9, item 5) ----------------------------- */

/* A sysfs CPU folder of a 2-CPU VM (two cores, one package), with caches. */
static void fake_two_cpu_tree(const char *dir, bool caches)
{
    mkdir(dir, 0755);
    write_file(dir, "online", "0-1\n");
    for (int c = 0; c < 2; c++) {
        char rel[128], v[8];
        snprintf(v, sizeof v, "%d\n", c);
        snprintf(rel, sizeof rel, "cpu%d/topology/physical_package_id", c);
        write_file(dir, rel, "0\n");
        snprintf(rel, sizeof rel, "cpu%d/topology/core_id", c);
        write_file(dir, rel, v);
        if (!caches)
            continue;
        static const char *const idx[][3] = {
            {"1", "Data", "48K"}, {"1", "Instruction", "32K"}, {"2", "Unified", "1024K"}, {"3", "Unified", "32768K"}};
        for (int i = 0; i < 4; i++) {
            snprintf(rel, sizeof rel, "cpu%d/cache/index%d/level", c, i);
            write_file(dir, rel, idx[i][0]);
            snprintf(rel, sizeof rel, "cpu%d/cache/index%d/type", c, i);
            write_file(dir, rel, idx[i][1]);
            snprintf(rel, sizeof rel, "cpu%d/cache/index%d/size", c, i);
            write_file(dir, rel, idx[i][2]);
            snprintf(rel, sizeof rel, "cpu%d/cache/index%d/shared_cpu_list", c, i);
            write_file(dir, rel, i == 3 ? "0-1\n" : v);
        }
    }
}

/* What libcpuid said in the VM this was found in: 1 core, 254 threads,
 * a 508 MiB L3. */
static eb_device_info libcpuid_like(void)
{
    eb_device_info d = {0};
    snprintf(d.cpu_source, sizeof d.cpu_source, "libcpuid");
    d.physical_cores = 1;
    d.logical_cpus = 254;
    d.online_cpus = 2;
    d.l1d_kib = 48;
    d.l1i_kib = 32;
    d.l2_kib = 1024;
    d.l3_kib = 508 * 1024;
    return d;
}

static bool has_disagreement(const eb_device_info *d, const char *text)
{
    for (int i = 0; i < d->n_disagreements; i++)
        if (strstr(d->disagreements[i], text))
            return true;
    return false;
}

static void check_os__vm_claiming_254_cpus__the_os_wins_and_the_disagreement_is_recorded(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/sys2", eb_test_tmpdir());
    fake_two_cpu_tree(dir, true);
    eb_device_info d = libcpuid_like();
    eb_device_info_check_os(&d, dir, "0-1");
    assert_int_equal(d.logical_cpus, 2);
    assert_int_equal(d.physical_cores, 2);
    assert_int_equal(d.online_cpus, 2);
    assert_int_equal(d.usable_cpus, 2);
    assert_string_equal(d.affinity, "0-1");
    assert_string_equal(d.cores_source, "sysfs");
    assert_string_equal(d.cache_source, "sysfs");
    assert_int_equal(d.l3_kib, 32 * 1024);
    assert_int_equal(d.l2_kib, 1024);
    assert_string_equal(d.l3_shared_cpus, "0-1");
    assert_true(has_disagreement(&d, "libcpuid says 254 logical CPUs, the OS 2"));
    assert_true(has_disagreement(&d, "libcpuid says 1 physical core, the OS 2"));
    assert_true(has_disagreement(&d, "libcpuid says L3 508 MiB, the OS 32 MiB"));
    assert_int_equal(d.n_disagreements, 3); /* L1 and L2 agree */

    /* text and JSON carry the figures, their sources and the disagreements */
    char path[400];
    snprintf(path, sizeof path, "%s/check_os.txt", eb_test_tmpdir());
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    eb_device_info_print(&d, f);
    rewind(f);
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "2 physical, 2 logical, 2 online (sysfs); this process may use 2: CPUs 0-1"));
    assert_non_null(strstr(text, "L3 32 MiB (sysfs)"));
    assert_non_null(strstr(text, "disagreements:  libcpuid says 254 logical CPUs, the OS 2\n"));
    cJSON *j = eb_device_info_json(&d);
    assert_non_null(j);
    const cJSON *cpu = get(j, "cpu"), *dis = get(cpu, "disagreements");
    assert_true(get(cpu, "logical_cpus")->valuedouble == 2);
    assert_true(get(cpu, "usable_cpus")->valuedouble == 2);
    assert_string_equal(get(cpu, "cores_source")->valuestring, "sysfs");
    assert_string_equal(get(cpu, "cache_source")->valuestring, "sysfs");
    assert_string_equal(get(cpu, "affinity")->valuestring, "0-1");
    assert_int_equal(cJSON_GetArraySize(dis), 3);
    assert_string_equal(cJSON_GetArrayItem(dis, 0)->valuestring, "libcpuid says 254 logical CPUs, the OS 2");
    cJSON_Delete(j);
}

static void check_os__restricted_affinity__counts_only_usable_cpus(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/sys2a", eb_test_tmpdir());
    fake_two_cpu_tree(dir, true);
    eb_device_info d = libcpuid_like();
    eb_device_info_check_os(&d, dir, "1,5-7"); /* 5-7 are not online: not usable */
    assert_int_equal(d.usable_cpus, 1);
    assert_string_equal(d.affinity, "1");
    assert_int_equal(d.logical_cpus, 2); /* the machine still has 2 */
}

/* No cache folders (this VM's sysfs) and no topology: the earlier source's
 * figures are kept, named as their source, and noted as unchecked. */
static void check_os__os_without_caches_or_topology__keeps_prior_figures_unchecked(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/sys2b", eb_test_tmpdir());
    mkdir(dir, 0755);
    write_file(dir, "online", "0-1\n");
    write_file(dir, "cpu0/uevent", "\n");
    write_file(dir, "cpu1/uevent", "\n");
    eb_device_info d = libcpuid_like();
    eb_device_info_check_os(&d, dir, "0-1");
    assert_int_equal(d.logical_cpus, 2);
    assert_int_equal(d.physical_cores, 1); /* nothing to check it against */
    assert_string_equal(d.cores_source, "sysfs (logical), libcpuid (physical)");
    assert_int_equal(d.l3_kib, 508 * 1024);
    assert_string_equal(d.cache_source, "libcpuid");
    assert_non_null(strstr(d.notes, "cache sizes are unchecked"));
    assert_non_null(strstr(d.notes, "physical core count is unchecked"));
    assert_int_equal(d.n_disagreements, 1);
    assert_true(has_disagreement(&d, "254 logical CPUs, the OS 2"));
}

static void cpu_list__parse_and_format__round_trip(void **state)
{
    bool set[64];
    assert_int_equal(eb_cpu_list_parse("0-3,8,10-11\n", set, 64), 7);
    assert_true(set[0] && set[3] && !set[4] && set[8] && set[11] && !set[12]);
    char buf[64];
    eb_cpu_list_format(set, 64, buf, sizeof buf);
    assert_string_equal(buf, "0-3,8,10-11");
    assert_int_equal(eb_cpu_list_parse("", set, 64), 0);
    eb_cpu_list_format(set, 64, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_int_equal(eb_cpu_list_parse("1-", set, 64), -1);
    assert_int_equal(eb_cpu_list_parse("3-1", set, 64), -1);
    assert_int_equal(eb_cpu_list_parse("0-64", set, 64), -1);
    assert_int_equal(eb_cpu_list_parse("a", set, 64), -1);
}

/* ---- output ------------------------------------------------------------------ */

static void json__unknown_fields__are_null(void **state)
{
    eb_device_info d = {0};
    cJSON *j = eb_device_info_json(&d);
    assert_non_null(j);
    assert_device_json(j);
    const cJSON *cpu = get(j, "cpu"), *cache = get(cpu, "cache_kib");
    assert_true(cJSON_IsNull(get(cache, "l1d")) && cJSON_IsNull(get(cache, "l3")));
    assert_true(cJSON_IsNull(get(cpu, "base_mhz")));
    assert_true(cJSON_IsNull(get(cpu, "physical_cores")));
    assert_int_equal(cJSON_GetArraySize(get(cpu, "simd")), 0);
    assert_true(cJSON_IsNull(get(get(j, "memory"), "total_bytes")));
    assert_true(cJSON_IsNull(get(j, "notes")));
    cJSON_Delete(j);
}

static void json__known_fields__keep_their_values(void **state)
{
    eb_device_info d = filled_info();
    snprintf(d.notes, sizeof d.notes, "L3 unknown");
    cJSON *j = eb_device_info_json(&d);
    assert_non_null(j);
    assert_device_json(j);
    const cJSON *cpu = get(j, "cpu"), *cache = get(cpu, "cache_kib");
    assert_string_equal(get(cpu, "brand")->valuestring, "Cortex-A72");
    assert_string_equal(get(cpu, "source")->valuestring, "/proc/cpuinfo");
    assert_true(get(cpu, "online_cpus")->valuedouble == 3);
    assert_true(get(cache, "l1i")->valuedouble == 48 && get(cache, "l2")->valuedouble == 1024);
    assert_true(cJSON_IsNull(get(cache, "l3")));
    const cJSON *simd = get(cpu, "simd");
    assert_int_equal(cJSON_GetArraySize(simd), 2);
    assert_string_equal(cJSON_GetArrayItem(simd, 0)->valuestring, "neon");
    assert_string_equal(cJSON_GetArrayItem(simd, 1)->valuestring, "asimd");
    assert_true(get(get(j, "memory"), "total_bytes")->valuedouble == 8589934592.0);
    assert_string_equal(get(j, "notes")->valuestring, "L3 unknown");
    cJSON_Delete(j);
}

static void print__filled_info__aligns_values_in_one_column(void **state)
{
    eb_device_info d = filled_info();
    char path[300];
    snprintf(path, sizeof path, "%s/print.txt", eb_test_tmpdir());
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    eb_device_info_print(&d, f);
    rewind(f);
    char line[512];
    int n = 0;
    bool saw_mem = false, saw_cores = false, saw_notes = false;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *colon = strchr(line, ':');
        assert_non_null(colon);
        assert_true(colon - line < 16);
        for (char *p = colon + 1; p < line + 16; p++)
            assert_int_equal(*p, ' ');
        assert_true(line[16] != ' ' && line[16] != '\n');
        saw_mem |= strcmp(line, "memory:         8.0 GiB total, 3.0 GiB available\n") == 0;
        saw_cores |= strcmp(line, "cores:          4 physical, 4 logical, 3 online\n") == 0;
        saw_notes |= strncmp(line, "notes:", 6) == 0;
    }
    fclose(f);
    assert_true(n >= 12);
    assert_true(saw_mem && saw_cores);
    assert_false(saw_notes); /* no notes line when there are none */
}

/* ---- this machine ----------------------------------------------------------- */

/* An OS that does not save AVX-512 state (XCR0 bits 5-7 clear: a VM, or a
 * kernel booted with noxsave-like options) makes the AVX-512 words leave
 * simd; without YMM state all AVX-class words go.  Other words stay. */
static void os_simd__xcr0_without_state__drops_those_extensions(void **state)
{
    (void)state;
    const char *all = "sse4_2 avx f16c fma avx2 avx512f avx512bw avx512_vnni avx_vnni amx_tile";
    char simd[256], dropped[160];
    eb_cpu_features f = {.cpu_avx2 = true, .cpu_fma = true, .cpu_avx512f = true, .os_avx = true};
    snprintf(simd, sizeof simd, "%s", all);
    eb_device_info_os_simd(simd, sizeof simd, &f, dropped, sizeof dropped);
    assert_string_equal(simd, "sse4_2 avx f16c fma avx2 avx_vnni amx_tile");
    assert_string_equal(dropped, "avx512f avx512bw avx512_vnni");

    f.os_avx = false;
    snprintf(simd, sizeof simd, "%s", all);
    eb_device_info_os_simd(simd, sizeof simd, &f, dropped, sizeof dropped);
    assert_string_equal(simd, "sse4_2 amx_tile");
    assert_string_equal(dropped, "avx f16c fma avx2 avx512f avx512bw avx512_vnni avx_vnni");

    f.os_avx = f.os_avx512 = true;
    snprintf(simd, sizeof simd, "%s", all);
    eb_device_info_os_simd(simd, sizeof simd, &f, NULL, 0);
    assert_string_equal(simd, all);
}

/* The machine description and the kernel dispatch answer from one probe:
 * simd names avx512f exactly when the cpu runner may run its AVX-512
 * kernels, avx2 + fma exactly when it may run the AVX2 ones. */
static void get__simd__agrees_with_the_kernel_dispatch(void **state)
{
    (void)state;
    eb_device_info d;
    eb_device_info_get(&d);
    char padded[sizeof d.simd + 2];
    snprintf(padded, sizeof padded, " %s ", d.simd);
#if defined(__x86_64__)
    assert_int_equal(strstr(padded, " avx512f ") != NULL, eb_isa_supported(EB_ISA_AVX512));
    assert_int_equal(strstr(padded, " avx2 ") && strstr(padded, " fma "), eb_isa_supported(EB_ISA_AVX2));
    assert_int_equal(eb_cpu_features_get()->avx512f, eb_isa_supported(EB_ISA_AVX512));
#elif defined(__aarch64__) && defined(__linux__)
    assert_int_equal(strstr(padded, " neon ") != NULL, eb_isa_supported(EB_ISA_NEON));
#else
    skip(); /* no SIMD kernels to agree with on this architecture */
#endif
}

static void get__this_machine__agrees_with_independent_sources(void **state)
{
    eb_device_info d;
    eb_device_info_get(&d);
    print_message("cpu_source '%s', brand '%s', simd '%s', notes '%s'\n", d.cpu_source, d.brand, d.simd, d.notes);
    assert_true(d.arch[0]);
    assert_true(d.kernel[0]);
    assert_true(d.online_cpus >= 1);
    assert_true(d.mem_total_bytes > 0);
    assert_true(d.mem_available_bytes <= d.mem_total_bytes);

    /* sysinfo(2) counts the same pages that MemTotal does */
    struct sysinfo si;
    assert_int_equal(sysinfo(&si), 0);
    double total = (double)si.totalram * si.mem_unit;
    assert_true(fabs((double)d.mem_total_bytes - total) <= 0.01 * total);

    if (d.cpu_source[0])
        assert_true(d.logical_cpus >= 1);
    else
        assert_true(d.notes[0]);

    /* the CPU counts are the OS's: online CPUs, and those this process may
     * use (a VM's CPUID may claim a 254-thread package on 2 CPUs) */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(d.online_cpus, online);
    assert_int_equal(d.logical_cpus, online);
    cpu_set_t cs;
    assert_int_equal(sched_getaffinity(0, sizeof cs, &cs), 0);
    assert_int_equal(d.usable_cpus, CPU_COUNT(&cs));
    assert_true(d.affinity[0]);
    assert_true(d.cores_source[0]);

#if defined(__x86_64__) || defined(__i386__)
#ifdef EB_HAVE_LIBCPUID
    assert_true(strcmp(d.cpu_source, "libcpuid") == 0 || d.notes[0]);
#endif
    /* the vendor string straight from CPUID leaf 0 */
    unsigned a = 0, b = 0, c = 0, e = 0;
    assert_true(__get_cpuid(0, &a, &b, &c, &e));
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &e, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    assert_string_equal(d.vendor, vendor);
    /* the compiler's runtime checks CPUID and the OS's XSAVE state itself */
    __builtin_cpu_init();
    assert_true(has_word(d.simd, "sse2") == !!__builtin_cpu_supports("sse2"));
    assert_true(has_word(d.simd, "sse4_2") == !!__builtin_cpu_supports("sse4.2"));
    assert_true(has_word(d.simd, "avx") == !!__builtin_cpu_supports("avx"));
    assert_true(has_word(d.simd, "avx2") == !!__builtin_cpu_supports("avx2"));
    assert_true(has_word(d.simd, "fma") == !!__builtin_cpu_supports("fma"));
    assert_true(has_word(d.simd, "avx512f") == !!__builtin_cpu_supports("avx512f"));
    assert_true(has_word(d.simd, "avx512bw") == !!__builtin_cpu_supports("avx512bw"));
#elif defined(__aarch64__)
    assert_true(has_word(d.simd, "asimd")); /* Advanced SIMD is part of ARMv8-A */
#endif
}

static void json__this_machine__has_the_documented_keys_and_types(void **state)
{
    eb_device_info d;
    eb_device_info_get(&d);
    cJSON *j = eb_device_info_json(&d);
    assert_non_null(j);
    char *text = cJSON_Print(j);
    assert_non_null(text);
    cJSON *back = cJSON_Parse(text);
    assert_non_null(back);
    assert_device_json(back);
    assert_string_equal(get(get(back, "cpu"), "arch")->valuestring, d.arch);
    assert_true(get(get(back, "memory"), "total_bytes")->valuedouble == (double)d.mem_total_bytes);
    cJSON_Delete(back);
    cJSON_free(text);
    cJSON_Delete(j);
}

static void cmd_info__json__prints_the_device_and_honest_placeholders(void **state)
{
    char a0[] = "info", a1[] = "--json";
    char *argv[] = {a0, a1, NULL};
    int rc;
    char *out = run_info(&rc, 2, argv);
    assert_int_equal(rc, EB_EXIT_OK);
    cJSON *j = cJSON_Parse(out);
    if (!j)
        fail_msg("not JSON: %s", out);
    assert_device_json(j);
    const cJSON *gpus = get(j, "gpus");
    assert_true(cJSON_IsArray(gpus) && cJSON_GetArraySize(gpus) == 0);
    assert_non_null(get(j, "energy")); /* its meters and estimators: tests/test_energy.c */
    /* counters: software events on every machine, by one of two sources */
    const cJSON *ctr = get(j, "counters"), *sw = get(ctr, "software");
    assert_true(cJSON_IsTrue(get(ctr, "available")));
    const char *src = get(sw, "source")->valuestring;
    assert_true(strcmp(src, "perf_event_open") == 0 ||
                (strcmp(src, "getrusage") == 0 && *get(sw, "perf_reason")->valuestring));
    assert_true(cJSON_IsTrue(get(get(ctr, "preemption"), "available")));
    /* hardware counters, cpufreq and thermal: a status, or unavailable with the reason */
    const cJSON *hw = get(ctr, "hardware");
    /* PAPI where it is built in and loads (its own reason when it counts nothing), else perf */
    const char *hsrc = get(hw, "source")->valuestring;
    bool papi = strncmp(hsrc, "PAPI ", 5) == 0;
    assert_true(papi || strcmp(hsrc, "perf_event_open") == 0);
    assert_true(cJSON_IsBool(get(get(hw, "papi"), "used")));
    if (cJSON_IsFalse(get(hw, "available")))
        assert_true(strncmp(get(hw, "reason")->valuestring, papi ? "PAPI" : "perf_event_open(", papi ? 4 : 16) == 0);
    const char *srcs[] = {"cpufreq", "thermal"};
    for (int i = 0; i < 2; i++) {
        const cJSON *m = get(j, srcs[i]);
        assert_true(cJSON_IsBool(get(m, "available")));
        const cJSON *why = get(m, cJSON_IsTrue(get(m, "available")) ? "status" : "reason");
        assert_true(cJSON_IsString(why) && *why->valuestring);
    }
    cJSON_Delete(j);
    free(out);
}

static void cmd_info__text__prints_the_machine_and_placeholder_lines(void **state)
{
    char a0[] = "info";
    char *argv[] = {a0, NULL};
    int rc;
    char *out = run_info(&rc, 1, argv);
    assert_int_equal(rc, EB_EXIT_OK);
    assert_true(strncmp(out, "cpu:", 4) == 0);
    assert_non_null(strstr(out, "\nmemory:"));
    /* a count, or why none: no GPU runner built, or what the built ones found */
    const char *gpus = strstr(out, "\ngpus:           ");
    assert_non_null(gpus);
    gpus += strlen("\ngpus:           ");
    assert_true(strncmp(gpus, "none detected (", 15) == 0 || (*gpus >= '1' && *gpus <= '9'));
    assert_non_null(strstr(out, "\ncounters:       software: "));
    assert_non_null(strstr(out, "\n                hardware: "));
    assert_non_null(strstr(out, "\ncpu frequency:  "));
    assert_non_null(strstr(out, "\nthermal:        "));
    assert_non_null(strstr(out, "\nenergy meters:  "));
    free(out);

    char h[] = "--help";
    char *argv_h[] = {a0, h, NULL};
    out = run_info(&rc, 2, argv_h);
    assert_int_equal(rc, EB_EXIT_OK);
    assert_true(strncmp(out, "usage: edgebench info", 21) == 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_cpuinfo__empty_text__fails_and_keeps_info),
        cmocka_unit_test(parse_cpuinfo__unrelated_text__fails),
        cmocka_unit_test(parse_meminfo__no_memtotal__fails),
        cmocka_unit_test(parse_meminfo__overflowing_or_garbled_size__fails),
        cmocka_unit_test(parse_os_release__no_name__fails),
        cmocka_unit_test(read_sysfs__missing_folder__fails_with_io_error),
        cmocka_unit_test(cmd_info__unknown_flag__exits_usage),
        cmocka_unit_test(cmd_info__extra_argument__exits_usage),
        cmocka_unit_test(parse_cpuinfo__xeon_vm__reads_identity_threads_and_simd),
        cmocka_unit_test(parse_cpuinfo__two_sockets__adds_the_cores_of_each),
        cmocka_unit_test(parse_cpuinfo__raspberry_pi_4__names_the_cortex_a72),
        cmocka_unit_test(parse_cpuinfo__big_little__names_both_cores),
        cmocka_unit_test(parse_cpuinfo__every_known_feature__fits_the_simd_field),
        cmocka_unit_test(parse_meminfo__random_sizes__convert_kb_to_bytes),
        cmocka_unit_test(parse_meminfo__old_kernel_without_memavailable__reads_total),
        cmocka_unit_test(parse_os_release__quoted_values__are_unquoted),
        cmocka_unit_test(parse_os_release__no_pretty_name__uses_name),
        cmocka_unit_test(read_sysfs__fake_tree__fills_unknown_caches_and_cores),
        cmocka_unit_test(json__unknown_fields__are_null),
        cmocka_unit_test(json__known_fields__keep_their_values),
        cmocka_unit_test(print__filled_info__aligns_values_in_one_column),
        cmocka_unit_test(check_os__vm_claiming_254_cpus__the_os_wins_and_the_disagreement_is_recorded),
        cmocka_unit_test(check_os__restricted_affinity__counts_only_usable_cpus),
        cmocka_unit_test(check_os__os_without_caches_or_topology__keeps_prior_figures_unchecked),
        cmocka_unit_test(cpu_list__parse_and_format__round_trip),
        cmocka_unit_test(os_simd__xcr0_without_state__drops_those_extensions),
        cmocka_unit_test(get__simd__agrees_with_the_kernel_dispatch),
        cmocka_unit_test(get__this_machine__agrees_with_independent_sources),
        cmocka_unit_test(json__this_machine__has_the_documented_keys_and_types),
        cmocka_unit_test(cmd_info__json__prints_the_device_and_honest_placeholders),
        cmocka_unit_test(cmd_info__text__prints_the_machine_and_placeholder_lines),
    };
    return cmocka_run_group_tests_name("device_info", tests, NULL, NULL);
}
