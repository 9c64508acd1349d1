# fuzz.mk - `make fuzz` and the fuzz regression programs (included by the
# Makefile).
#
#   make fuzz                   build the libFuzzer targets with clang, ASan and
#                               UBSan into build-fuzz/, run each FUZZ_TIME seconds
#   make fuzz FUZZ_TIME=600     longer; FUZZ_TARGETS="onnx" only that one
#
# The targets are tests/fuzz/fuzz_<target>.c: onnx (load, shape inference,
# cost, ref prepare and run), results (the result-file loader and all that
# report and compare do with a file) and idx (the IDX dataset loader).  The
# whole tree is rebuilt for them in FUZZ_BUILD by a make of its own (clang,
# coverage instrumentation, the sanitizers; no GPU runners), so the normal
# build is untouched.  Seeds: the zoo, the ONNX test vectors, committed
# result files and IDX files (tests/fuzz/seeds/), and every earlier crasher
# (tests/fuzz/regress/); the corpus grows in FUZZ_BUILD/corpus/<target>.
# A crash, leak, UB report or timeout leaves its input in
# FUZZ_BUILD/crashes/<target>/ and makes `make fuzz` fail after the other
# targets have run (tests/fuzz/run_fuzz.sh).
#
# `make test` does not need clang: tests/fuzz/replay.c links each target's
# function into a plain program in BUILD/tests/ with the normal compiler,
# and tests/cli/test_fuzz_regress.sh runs every file of
# tests/fuzz/regress/<target>/ through it and through the edgebench binary.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= onnx results idx
FUZZ_SAN      = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

.PHONY: fuzz fuzz-bins clean-fuzz

fuzz:
	$(Q)sh scripts/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPENCL=no CUDA=no \
	    OPT="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins
	$(Q)sh tests/fuzz/run_fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# each target with libFuzzer's main (run inside the FUZZ_BUILD make above)
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
fuzz-bins: $(FUZZ_BINS)
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LAYER_LIBS)
	@echo "  LD      $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LAYER_LIBS) $(LDLIBS_ALL)

# the same functions in plain programs, for `make test`
FUZZ_REPLAY = $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz_replay_%)
$(BUILD)/tests/fuzz_replay_%: $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_%.o $(LAYER_LIBS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_$*.o $(LAYER_LIBS) $(LDLIBS_ALL)
cli-test: $(FUZZ_REPLAY)

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)
