/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput on files, without
 * libFuzzer: linked with one tests/fuzz/fuzz_*.c into a plain program
 * (build/tests/fuzz_replay_<target>, any compiler, no sanitizer needed),
 * it is how `make test` checks that every input under
 * tests/fuzz/regress/<target>/ (a crasher libFuzzer found, minimised) now
 * passes through cleanly on the normal build.
 *
 *   fuzz_replay_<target> FILE...
 *
 * Each FILE is read and given to the target once, in this process; the
 * exit status is 0 when all returned, and a crash is a crash (the caller,
 * tests/cli/test_fuzz_regress.sh, runs one file per process to name it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap) {
                uint8_t *grown = realloc(buf, cap *= 2);
                if (!grown)
                    free(buf);
                buf = grown;
            }
        }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 2;
        }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        printf("%s: ok\n", argv[i]);
    }
    return 0;
}
