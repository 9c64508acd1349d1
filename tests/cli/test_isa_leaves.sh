# test_isa_leaves.sh - the cpu runner's ISA files are leaves: each object
# built from runners/cpu/*_avx2.c, *_avx512.c, *_neon.c, *_avx512vnni.c,
# *_avxvnni.c, *_neondot.c and the generic GEMM kernels calls nothing of edgebench's (its undefined symbols are the C
# library's only: no eb_*, no other kernel), so an ISA file can be compiled,
# replaced or tested alone.  Shared scalar pieces are static inline in
# kernels_scalar.h, gemm_kernel.h and gemm_i8_kernel.h.
. tests/cli/lib.sh

n=0
for o in "$BUILD"/runners/cpu/*_avx2.o "$BUILD"/runners/cpu/*_avx512.o "$BUILD"/runners/cpu/*_neon.o \
         "$BUILD"/runners/cpu/*_avx512vnni.o "$BUILD"/runners/cpu/*_avxvnni.o "$BUILD"/runners/cpu/*_neondot.o \
         "$BUILD"/runners/cpu/gemm_f32_generic.o "$BUILD"/runners/cpu/gemm_i8_*__generic.o; do
    [ -f "$o" ] || continue
    n=$((n + 1))
    calls=$(nm -u "$o" | awk '{print $2}' | grep -E '^(eb_|gemm_)' | tr '\n' ' ')
    if [ -n "$calls" ]; then
        echo "FAIL $(basename "$o") calls into sibling files: $calls"
        FAILS=$((FAILS + 1))
    else
        PASSES=$((PASSES + 1))
    fi
done
if [ "$n" -eq 0 ]; then
    echo "FAIL no ISA objects under $BUILD/runners/cpu (build first)"
    FAILS=$((FAILS + 1))
fi
finish
