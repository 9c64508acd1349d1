/* fortunes_text.h - the held-out text of the fortunes-gpt zoo model: the
 * same deterministic split of Debian's `fortunes` corpus as its training
 * script (models/zoo/train_fortunes_gpt.py), rebuilt from the installed
 * files: the plain-text files of /usr/share/games/fortunes (no .dat, no
 * .u8, no links) in byte order of their names, split into fortunes at the
 * "%" lines; fortune i (over the whole corpus) is held out when
 * i % 10 == 9, each followed by "%\n". */
#ifndef EB_FORTUNES_TEXT_H
#define EB_FORTUNES_TEXT_H

#include <stddef.h>

#include "models/status.h"

#define EB_FORTUNES_DIR "/usr/share/games/fortunes"

/* The held-out bytes into a malloc'd buffer (*len of them).  EB_EIO naming
 * the package to install when the corpus is missing. */
eb_status eb_fortunes_heldout(const char *dir, unsigned char **buf, size_t *len, eb_err *err);

#endif
