/* embed.h - a file of the source tree inside the binary.
 *
 * EB_EMBED(sym, "path") has the assembler's .incbin copy the file into
 * .rodata at build time, between sym_start and sym_end, followed by a NUL
 * (so a text file is also a C string).  gcc and clang both accept it; the
 * path is relative to the repository root, where make runs, and the
 * object that embeds must list the file as a prerequisite in the Makefile. */
#ifndef EB_EMBED_H
#define EB_EMBED_H

#define EB_EMBED(sym, path)                                                                                \
    __asm__(".section .rodata\n.balign 64\n.global " #sym "_start\n" #sym "_start:\n.incbin \"" path "\"\n" \
            ".global " #sym "_end\n" #sym "_end:\n.byte 0\n.previous\n");                                  \
    extern const unsigned char sym##_start[], sym##_end[];

#endif
