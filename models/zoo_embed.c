/* zoo_embed.c - the zoo's files inside the binary.
 *
 * Each file of models/zoo/zoo.def (and the manifest) is copied into the
 * binary at build time (models/embed.h), so a device farm needs only the
 * edgebench binary to run the default set. */
#include "models/embed.h"
#include "models/zoo.h"

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
