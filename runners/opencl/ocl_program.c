/* ocl_program.c - the OpenCL runner's one program: every .cl file of
 * kernels.def, embedded at build time and concatenated, built once per
 * plan.  Compiling it takes the driver seconds (PoCL runs LLVM), so the
 * binary the driver returns is kept on disk, keyed by platform, device,
 * driver version, the source's SHA-256 and the build options: a cache
 * entry can only ever be loaded by the driver that made it.  A hit is
 * recorded (eb_ocl.cache_hit, then the result's program_cache).
 *
 * The cache folder: $EDGEBENCH_CACHE_DIR/opencl, else
 * $XDG_CACHE_HOME/edgebench/opencl, else ~/.cache/edgebench/opencl.  An
 * entry that fails to load or build is ignored and rewritten; entries are
 * written to a temporary file in the folder and renamed, so a reader never
 * sees half of one.  No folder (read-only home): the program is compiled
 * every time, which is only slower. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/embed.h"
#include "models/zoo.h"
#include "runners/opencl/ocl.h"

#define EB_OCL_SOURCE(c_name, file) EB_EMBED(eb_ocl_src_##c_name, "runners/opencl/kernels/" file)
#include "runners/opencl/kernels.def"
#undef EB_OCL_SOURCE

static const unsigned char *const sources[] = {
#define EB_OCL_SOURCE(c_name, file) eb_ocl_src_##c_name##_start,
#include "runners/opencl/kernels.def"
#undef EB_OCL_SOURCE
};
enum { N_SOURCES = sizeof sources / sizeof sources[0] };

/* -cl-fast-relaxed-math would let the driver change results; the kernels
 * ask for what they need instead. */
static const char BUILD_OPTIONS[] = "-cl-std=CL1.2";

/* The cache folder into dir (created); false when there is none. */
static bool cache_dir(char *dir, size_t n)
{
    const char *env = getenv("EDGEBENCH_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char base[4096];
    if (env && env[0])
        snprintf(base, sizeof base, "%s", env);
    else if (xdg && xdg[0])
        snprintf(base, sizeof base, "%s/edgebench", xdg);
    else if (home && home[0])
        snprintf(base, sizeof base, "%s/.cache/edgebench", home);
    else
        return false;
    /* each level in turn: mkdir -p */
    for (char *s = strchr(base + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(base, 0755);
        *s = '/';
    }
    mkdir(base, 0755);
    if ((size_t)snprintf(dir, n, "%s/opencl", base) >= n)
        return false;
    return (mkdir(dir, 0755) == 0 || errno == EEXIST) && access(dir, W_OK | R_OK | X_OK) == 0;
}

/* The entry's path for this device and source. */
static bool cache_path(const eb_ocl *o, const char *src, char *path, size_t n)
{
    char dir[4200], src_hash[65], key_hash[65], key[1024];
    if (!cache_dir(dir, sizeof dir))
        return false;
    eb_sha256_hex(src, strlen(src), src_hash);
    int k = snprintf(key, sizeof key, "%s\n%s\n%s\n%s\n%s\n%s", o->info.platform, o->info.vendor, o->info.name,
                     o->info.driver, BUILD_OPTIONS, src_hash);
    eb_sha256_hex(key, (size_t)k < sizeof key ? (size_t)k : sizeof key - 1, key_hash);
    return (size_t)snprintf(path, n, "%s/%s.bin", dir, key_hash) < n;
}

/* The whole file at path into a malloc'd buffer; NULL when unreadable. */
static unsigned char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return NULL;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (1 << 28) &&
        (buf = malloc((size_t)st.st_size)) && read(fd, buf, (size_t)st.st_size) != st.st_size) {
        free(buf);
        buf = NULL;
    }
    close(fd);
    *len = buf ? (size_t)st.st_size : 0;
    return buf;
}

/* Stores the built program's binary at path (temporary file + rename). */
static void cache_store(const eb_ocl *o, const char *path)
{
    size_t len = 0;
    if (clGetProgramInfo(o->program, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin || clGetProgramInfo(o->program, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS) {
        free(bin);
        return;
    }
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        bool ok = write(fd, bin, len) == (ssize_t)len;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(bin);
}

/* The sources of kernels.def as one string (malloc'd). */
static char *whole_source(void)
{
    size_t len = 1;
    for (int i = 0; i < N_SOURCES; i++)
        len += strlen((const char *)sources[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t k = 0;
    for (int i = 0; i < N_SOURCES; i++) {
        size_t n = strlen((const char *)sources[i]);
        memcpy(s + k, sources[i], n);
        k += n;
        s[k++] = '\n';
    }
    s[k] = '\0';
    return s;
}

/* Builds o->program from the cached binary; false (program released) when
 * the entry is missing or the driver refuses it. */
static bool build_cached(eb_ocl *o, const char *path)
{
    size_t len = 0;
    unsigned char *bin = read_file(path, &len);
    if (!bin)
        return false;
    const unsigned char *b = bin;
    cl_int status = CL_SUCCESS, rc = CL_SUCCESS;
    o->program = clCreateProgramWithBinary(o->context, 1, &o->device, &len, &b, &status, &rc);
    free(bin);
    if (rc == CL_SUCCESS && status == CL_SUCCESS &&
        clBuildProgram(o->program, 1, &o->device, BUILD_OPTIONS, NULL, NULL) == CL_SUCCESS)
        return true;
    if (o->program)
        clReleaseProgram(o->program);
    o->program = NULL;
    return false;
}

eb_status eb_ocl_program_build(eb_ocl *o, eb_err *err)
{
    char *src = whole_source();
    if (!src)
        return eb_errf(err, EB_ENOMEM, "opencl: out of memory for the kernel source");
    char path[4300];
    bool cacheable = cache_path(o, src, path, sizeof path);
    o->cache_hit = cacheable && build_cached(o, path);
    if (o->cache_hit) {
        free(src);
        return EB_OK;
    }
    cl_int rc = CL_SUCCESS;
    const char *s = src;
    o->program = clCreateProgramWithSource(o->context, 1, &s, NULL, &rc);
    free(src);
    if (rc != CL_SUCCESS)
        return eb_errf(err, EB_EIO, "opencl: clCreateProgramWithSource: %s", eb_ocl_error_name(rc));
    rc = clBuildProgram(o->program, 1, &o->device, BUILD_OPTIONS, NULL, NULL);
    if (rc != CL_SUCCESS) {
        char log[2048] = "";
        clGetProgramBuildInfo(o->program, o->device, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        log[sizeof log - 1] = '\0';
        return eb_errf(err, EB_EIO, "opencl: building the kernels for %s failed (%s): %s", o->info.name,
                       eb_ocl_error_name(rc), log);
    }
    if (cacheable)
        cache_store(o, path);
    return EB_OK;
}
