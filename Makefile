# edgebench - build, test, benchmark, demo.
#
#   make            build build/edgebench and build/libedgebench.a
#   make test       build and run every test (cmocka drivers, ONNX conformance, CLI, layers)
#   make check-layers  the include graph between layers; fails on a forbidden edge
#   make demo       run the main job on the embedded default models (the zoo)
#   make bench      GEMM against OpenBLAS and the FMA peak; models against ONNX Runtime
#   make zoo-large  export mobilenet_v2, resnet18 and a BERT encoder to models/cache
#   make SANITIZE=1 test   the same under ASan + UBSan (objects go to build-san/)
#   make test-aarch64  cross-build for aarch64 (NEON) into build-aarch64/, test under qemu
#   make CC=clang   any C11 compiler; V=1 shows the commands
#   make install PREFIX=/usr/local  the binary and its man page (DESTDIR too)
#
# `deps` runs first everywhere: it installs missing Debian packages.

CC       ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
OPT      ?= -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD    ?= build
OPT      ?= -O2 -g
endif
ONNX_PROTO_DIR ?= /usr/include

WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter $(WARN_CC)
# snprintf truncation is checked where it matters; gcc's guess is noise
WARN_CC  = $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-Wno-format-truncation)
# pkg-config is expanded lazily (=), after `deps` has installed the modules;
# libcpuid is optional (x86 only): without it CPU facts come from /proc/cpuinfo
PKGS       = libprotobuf-c libcjson zlib libcrypto sqlite3 $(PKG_CPUID)
PKG_CPUID  = $(shell pkg-config --exists libcpuid 2>/dev/null && echo libcpuid)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS)) $(if $(PKG_CPUID),-DEB_HAVE_LIBCPUID=1)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
GIT_COMMIT = $(shell git describe --always --dirty 2>/dev/null || echo unknown)
PROVENANCE = -DEB_GIT_COMMIT='"$(GIT_COMMIT)"' -DEB_CFLAGS='"$(OPT)"'
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I. -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lm -lpthread $(LDLIBS)

ifeq ($(V),1)
Q =
else
Q = @
endif

GEN_C    = $(BUILD)/gen/onnx/onnx.pb-c.c
GEN_H    = $(BUILD)/gen/onnx/onnx.pb-c.h
CORE_SRC = $(wildcard models/*.c reference_kernels/*.c runners/*.c runners/*/*.c)
APP_SRC  = $(filter-out bench/main.c,$(wildcard bench/*.c reports/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/onnx/onnx.pb-c.o
APP_OBJ  = $(APP_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libedgebench.a
BIN      = $(BUILD)/edgebench

UNIT_SRC = $(filter-out tests/test_util.c,$(wildcard tests/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
CONF_BIN = $(BUILD)/tests/test_onnx_node
TEST_UTIL = $(BUILD)/tests/test_util.o

.SECONDARY:
.PHONY: FORCE all deps zoo-large test unit-test conformance cli-test check-layers demo bench clean test-aarch64 man install
.DEFAULT_GOAL := all

all: deps $(BIN) $(LIB)

deps: $(BUILD)/deps.stamp
$(BUILD)/deps.stamp: scripts/deps.sh
	$(Q)mkdir -p $(BUILD)
	$(Q)sh scripts/deps.sh
	$(Q)touch $@

$(GEN_C) $(GEN_H): $(ONNX_PROTO_DIR)/onnx/onnx.proto | $(BUILD)/deps.stamp
	@echo "  PROTOC-C onnx.proto"
	$(Q)mkdir -p $(BUILD)/gen
	$(Q)protoc-c --c_out=$(BUILD)/gen -I$(ONNX_PROTO_DIR) $(ONNX_PROTO_DIR)/onnx/onnx.proto

$(BUILD)/gen/onnx/onnx.pb-c.o: $(GEN_C)
	@echo "  CC      $<"
	$(Q)$(CC) $(filter-out $(WARN),$(CFLAGS_ALL)) -w -c $< -o $@

$(BUILD)/%.o: %.c | $(GEN_H) $(BUILD)/deps.stamp
	@echo "  CC      $<"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# the zoo's models are assembled into the binary (models/zoo_embed.c)
$(BUILD)/models/zoo_embed.o: models/zoo/zoo.def models/zoo/manifest.json $(wildcard models/zoo/*.onnx)

# the commit and flags are baked into provenance.o only; it rebuilds when they change
$(BUILD)/commit.stamp: FORCE
	$(Q)mkdir -p $(BUILD)
	$(Q)echo '$(GIT_COMMIT) $(OPT)' | cmp -s - $@ || echo '$(GIT_COMMIT) $(OPT)' > $@
$(BUILD)/bench/provenance.o: $(BUILD)/commit.stamp
$(BUILD)/bench/provenance.o: CFLAGS += $(PROVENANCE)

$(LIB): $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/bench/main.o $(APP_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_UTIL) $(APP_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) $$(pkg-config --libs cmocka)

$(CONF_BIN): $(BUILD)/tests/conformance/test_onnx_node.o $(TEST_UTIL) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# the manual: docs/edgebench.md is both the page users read in the tree and
# the source of edgebench(1)
MAN = $(BUILD)/edgebench.1
man: $(MAN)
$(MAN): docs/edgebench.md | $(BUILD)/deps.stamp
	@echo "  LOWDOWN $<"
	$(Q)lowdown -s -Tman --out-no-smarty -o $@ $<

PREFIX  ?= /usr/local
install: all $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/edgebench
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/edgebench.1

test: deps unit-test conformance cli-test check-layers
	@echo "edgebench: all tests passed"

unit-test: $(UNIT_BIN)
	$(Q)set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done

conformance: $(CONF_BIN)
	$(Q)./$(CONF_BIN) --runner ref
	$(Q)./$(CONF_BIN) --runner cpu

cli-test: $(BIN) $(CONF_BIN) $(MAN)
	$(Q)set -e; for t in tests/cli/*.sh; do echo "== $$t"; EDGEBENCH=./$(BIN) BUILD=$(BUILD) sh $$t; done

# the layer graph from the includes; fails on an include against the data
# flow (scripts/check_layers.sh lists the forbidden edges)
check-layers:
	$(Q)sh scripts/check_layers.sh

# aarch64: installs the cross toolchain, qemu-user and the arm64 libraries
# (deps.sh aarch64), builds into build-aarch64/, runs the tests under qemu
test-aarch64:
	$(Q)sh scripts/test_aarch64.sh

demo: all
	./$(BIN) run -v 'ref;cpu:threads={1,2}'

# Benchmarks: peers measured side by side in one run, printed as ratios.
# OPENBLAS_CORETYPE (set on some machines) would pin OpenBLAS to a slower
# core, so it is removed for the OpenBLAS peer.
BENCH_GEMM = $(BUILD)/bench_gemm
$(BENCH_GEMM): bench/perf/bench_gemm.c $(LIB) | $(BUILD)/deps.stamp
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) $$(pkg-config --cflags openblas) -o $@ $< $(LIB) $(LDLIBS_ALL) $$(pkg-config --libs openblas)

ORT_DIR = $(BUILD)/ort
$(ORT_DIR)/node_modules/onnxruntime-node:
	$(Q)mkdir -p $(ORT_DIR)
	cd $(ORT_DIR) && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node@1.30.0

bench: deps
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_GEMM)
	env -u OPENBLAS_CORETYPE ./$(BENCH_GEMM)
	$(Q)[ -f $(MODEL_CACHE)/resnet18/model.onnx ] || $(MAKE) --no-print-directory zoo-large
	$(Q)$(MAKE) --no-print-directory $(ORT_DIR)/node_modules/onnxruntime-node
	sh bench/perf/bench_e2e.sh ./$(BIN) $(MODEL_CACHE) $(ORT_DIR)

MODEL_CACHE ?= models/cache
zoo-large:
	$(Q)sh scripts/deps.sh torch
	/usr/bin/python3 scripts/export_arch.py $(MODEL_CACHE)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
