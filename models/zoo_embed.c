/* zoo_embed.c - the zoo's files inside the binary.
 *
 * The assembler's .incbin copies each file of models/zoo/zoo.def (and the
 * manifest) into .rodata at build time, so a device farm needs only the
 * edgebench binary to run the default set.  gcc and clang both accept it;
 * the paths are relative to the repository root, where make runs. */
#include "models/zoo.h"

#define EB_EMBED(sym, path)                                                                                \
    __asm__(".section .rodata\n.balign 64\n.global " #sym "_start\n" #sym "_start:\n.incbin \"" path "\"\n" \
            ".global " #sym "_end\n" #sym "_end:\n.byte 0\n.previous\n");                                  \
    extern const unsigned char sym##_start[], sym##_end[];

#define EB_ZOO(c_name, file) EB_EMBED(eb_zoo_##c_name, "models/zoo/" file)
#include "models/zoo/zoo.def"
#undef EB_ZOO
EB_EMBED(eb_zoo_manifest, "models/zoo/manifest.json")

const eb_zoo_file eb_zoo_files[] = {
#define EB_ZOO(c_name, file) {file, eb_zoo_##c_name##_start},
#include "models/zoo/zoo.def"
#undef EB_ZOO
};
const int eb_zoo_n_files = sizeof eb_zoo_files / sizeof eb_zoo_files[0];

/* sizes are differences of two symbols, known only at link time */
size_t eb_zoo_file_size(int i)
{
    static const unsigned char *const ends[] = {
#define EB_ZOO(c_name, file) eb_zoo_##c_name##_end,
#include "models/zoo/zoo.def"
#undef EB_ZOO
    };
    return (size_t)(ends[i] - eb_zoo_files[i].data);
}

const char *eb_zoo_manifest_text(size_t *len)
{
    *len = (size_t)(eb_zoo_manifest_end - eb_zoo_manifest_start);
    return (const char *)eb_zoo_manifest_start;
}
