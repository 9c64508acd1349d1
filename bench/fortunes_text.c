/* fortunes_text.c - rebuilds the fortunes corpus' held-out split exactly as
 * the zoo model's training script does (see fortunes_text.h), so that the
 * prompts and the perplexity text of `--scenario generate` are the text the
 * model never trained on. */
#include "bench/fortunes_text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/onnx_tensor.h"

typedef struct growbuf {
    unsigned char *p;
    size_t n, cap;
} growbuf;

static bool put(growbuf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q)
            return false;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return true;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* One fortune (text[0..n)): held out when its number says so. */
static bool emit(growbuf *out, long *index, const unsigned char *text, size_t n)
{
    bool keep = *index % 10 == 9;
    (*index)++;
    return !keep || (put(out, text, n) && put(out, "\n%\n", 3));
}

/* Splits one file as the script does: lines; a line "%" closes the
 * fortune gathered so far (when any line was gathered); at the end, the
 * rest counts when one of its lines is not empty, trailing newlines cut. */
static bool split_file(const unsigned char *t, size_t len, growbuf *out, long *index)
{
    size_t start = 0; /* of the current fortune */
    int lines = 0;    /* gathered in it */
    bool any_text = false;
    size_t pos = 0;
    for (;;) {
        size_t e = pos;
        while (e < len && t[e] != '\n')
            e++;
        /* the line is t[pos..e); the last one (no newline after) too */
        if (e - pos == 1 && t[pos] == '%') {
            if (lines > 0 && !emit(out, index, t + start, pos - 1 - start))
                return false;
            start = e + 1;
            lines = 0;
            any_text = false;
        } else {
            lines++;
            any_text = any_text || e > pos;
        }
        if (e >= len)
            break;
        pos = e + 1;
    }
    if (any_text && start < len) {
        size_t end = len;
        while (end > start && t[end - 1] == '\n')
            end--;
        if (!emit(out, index, t + start, end - start))
            return false;
    }
    return true;
}

eb_status eb_fortunes_heldout(const char *dir, unsigned char **buf, size_t *len, eb_err *err)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        return eb_errf(err, EB_EIO, "%s: %s (install the Debian package fortunes)", dir, strerror(errno));
    growbuf out = {0};
    long index = 0;
    eb_status st = EB_OK;
    int files = 0;
    for (int i = 0; i < n; i++) {
        char path[1024];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        bool plain = names[i]->d_name[0] != '.' && !ends_with(names[i]->d_name, ".dat") &&
                     !ends_with(names[i]->d_name, ".u8") && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        if (st == EB_OK && plain) {
            void *text = NULL;
            size_t tlen = 0;
            if ((st = eb_read_file(path, &text, &tlen, err)) == EB_OK && !split_file(text, tlen, &out, &index))
                st = eb_errf(err, EB_ENOMEM, "out of memory");
            free(text);
            files++;
        }
        free(names[i]);
    }
    free(names);
    if (st == EB_OK && (files == 0 || out.n == 0))
        st = eb_errf(err, EB_EIO, "%s: no fortune files (install the Debian package fortunes)", dir);
    if (st != EB_OK) {
        free(out.p);
        return st;
    }
    *buf = out.p;
    *len = out.n;
    return EB_OK;
}
