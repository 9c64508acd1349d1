# edgebench - build, test, benchmark, demo.
#
#   make            build build/edgebench, build/libedgebench.a and one library
#                   per layer (build/libeb_<layer>.a: the test drivers link those)
#   make test       build and run every test (cmocka drivers, ONNX conformance, CLI, layers)
#   make check-layers  the include graph between layers; fails on a forbidden edge
#   make demo       run the main job on the embedded default models (the zoo)
#   make bench      GEMM against OpenBLAS and the FMA peak, the OpenCL GEMM against
#                   CLBlast, the cuda GEMM against cuBLAS (skipped without a GPU);
#                   models against ONNX Runtime
#   make zoo-large  export mobilenet_v2, resnet18 and a BERT encoder to models/cache
#   make zoo-sweep  export the model sweep (make bench's last part) to models/cache/sweep
#   make SANITIZE=1 test   the same under ASan + UBSan (objects go to build-san/)
#   make fuzz       libFuzzer targets under ASan + UBSan, built with clang into
#                   build-fuzz/, each run FUZZ_TIME seconds (tests/fuzz/fuzz.mk)
#   make test-aarch64  cross-build for aarch64 (NEON) into build-aarch64/, test under qemu
#                   (unit tests, conformance, CLI tests; CLI_TESTS=all: every CLI test)
#   make CC=clang   any C11 compiler; V=1 shows the commands
#   make OPENCL=auto|yes|no CUDA=auto|yes|no   the optional GPU runners (below)
#   make install PREFIX=/usr/local  the binary, its man page and the farm
#                   scripts (scripts/farm/, when present; DESTDIR too)
#   make dist TARGET=linux-x86_64|linux-aarch64|linux-aarch64-static
#                   a bundle a device farm pushes: dist/edgebench-VERSION-TARGET/
#                   and its .tar.gz (scripts/make_dist.sh; default: this host)
#
# `deps` runs first everywhere: it installs missing Debian packages.

CC       ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
OPT      ?= -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# leaks inside PoCL and its LLVM are theirs (tests/lsan.supp says why)
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
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
# PAPI is optional like libcpuid: its header (pkg-config papi, Debian's
# libpapi-dev) builds the hardware counters on PAPI (bench/counters_papi.c);
# the library is dlopened at run time, not linked, so the binary starts
# where libpapi is missing (perf_event_open is then the source)
PKG_PAPI   = $(shell pkg-config --exists papi 2>/dev/null && echo papi)
PKG_CFLAGS += $(if $(PKG_PAPI),-DEB_HAVE_PAPI=1 $(shell pkg-config --cflags papi))
GIT_COMMIT = $(shell git describe --always --dirty 2>/dev/null || echo unknown)
PROVENANCE = -DEB_GIT_COMMIT='"$(GIT_COMMIT)"' -DEB_CFLAGS='"$(OPT)"'
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I. -I$(BUILD)/gen $(PKG_CFLAGS) $(BACKEND_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) $(BACKEND_LIBS) -lm -lpthread $(LDLIBS)

# ---- optional GPU runners ---------------------------------------------------
# OPENCL and CUDA are three-valued: auto (the default) builds the runner when
# its SDK is found (OpenCL: pkg-config's OpenCL.pc; CUDA: nvcc on PATH), yes
# fails without it, no skips it.  Each says in one line what it did.  The
# choice persists in $(BUILD)/config.mk: a later `make` without OPENCL= /
# CUDA= keeps it (pass auto to detect again).  A runner is its folder,
# runners/opencl or runners/cuda (.c files; CUDA also .cu, built by nvcc),
# plus its line in runners/runners.def, EB_RUNNER_IF(EB_HAVE_<NAME>, name):
# the folder's objects and -DEB_HAVE_<NAME>=1 are added here when it is built.
# The backends are detected while make reads this file, so the packages
# deps.sh installs (the OpenCL SDK among them) must be there before: deps
# runs here, once, when its stamp is missing or older than the script.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(shell [ $(BUILD)/deps.stamp -nt scripts/deps.sh ] && echo fresh),fresh)
ifneq ($(shell sh scripts/deps.sh >&2; echo $$?),0)
$(error edgebench: installing the dependencies failed (scripts/deps.sh, above))
endif
$(shell mkdir -p $(BUILD) && touch $(BUILD)/deps.stamp)
endif
endif
-include $(BUILD)/config.mk
OPENCL ?= auto
CUDA   ?= auto
OPENCL_SDK = $(shell pkg-config --exists OpenCL 2>/dev/null && echo yes)
NVCC      ?= $(shell command -v nvcc 2>/dev/null)
# the toolkit's root as nvcc itself reports it (TOP): nvcc on PATH may be a
# wrapper script outside the toolkit (/usr/local/bin/nvcc), so its folder
# says nothing; the runner needs the toolkit's headers and static cudart too
CUDA_HOME := $(if $(filter-out no,$(CUDA)),$(if $(NVCC),$(abspath $(shell $(NVCC) --dryrun -c -x cu /dev/null 2>&1 | sed -n 's/^#\$$ TOP=//p'))))
CUDA_SDK   = $(if $(wildcard $(CUDA_HOME)/include/cuda_runtime_api.h),$(if $(wildcard $(CUDA_HOME)/lib64/libcudart_static.a),yes))
CUDA_WHY   = $(if $(NVCC),nvcc at $(NVCC) but no toolkit headers and static cudart under $(or $(CUDA_HOME),the root it reports),nvcc not found on PATH)
# eb_backend Name,VAR,folder,SDK-found,how-found,why-missing -> 1 (build the
# runner) or 0, after one line saying which and why; $(error) for VAR=yes
# without the SDK or the folder, or a value other than auto|yes|no
eb_backend = $(strip \
  $(if $(filter-out auto yes no,$($(2))),$(error edgebench: $(2)=$($(2)): use auto, yes or no)) \
  $(if $(filter no,$($(2))),$(info edgebench: $(1) runner skipped: $(2)=no)0, \
  $(if $(4), \
    $(if $(wildcard runners/$(3)),$(info edgebench: $(1) runner built ($(5)))1, \
      $(if $(filter yes,$($(2))),$(error edgebench: $(2)=yes: $(5), but this tree has no runners/$(3)), \
        $(info edgebench: $(1) found ($(5)), no runners/$(3) in this tree: nothing to build)0)), \
    $(if $(filter yes,$($(2))),$(error edgebench: $(2)=yes, but $(6)), \
      $(info edgebench: $(1) runner skipped: $(6))0))))
ifeq ($(filter clean,$(MAKECMDGOALS)),)
HAVE_OPENCL := $(call eb_backend,OpenCL,OPENCL,opencl,$(OPENCL_SDK),pkg-config OpenCL $(shell pkg-config --modversion OpenCL 2>/dev/null),OpenCL.pc not found by pkg-config)
HAVE_CUDA   := $(call eb_backend,CUDA,CUDA,cuda,$(CUDA_SDK),nvcc at $(NVCC) toolkit $(CUDA_HOME),$(CUDA_WHY))
endif
BACKEND_CFLAGS = $(if $(filter 1,$(HAVE_OPENCL)),-DEB_HAVE_OPENCL=1 $(shell pkg-config --cflags OpenCL)) \
                 $(if $(filter 1,$(HAVE_CUDA)),-DEB_HAVE_CUDA=1 -I$(CUDA_HOME)/include)
BACKEND_LIBS   = $(if $(filter 1,$(HAVE_OPENCL)),$(shell pkg-config --libs OpenCL)) \
                 $(if $(filter 1,$(HAVE_CUDA)),-L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lstdc++)
# CUDA kernels: sm_80 and sm_90 machine code plus sm_90 PTX (for later GPUs,
# JIT-compiled by the driver); warnings are errors, the host side's too.
# cudart is linked statically (above): the binary needs only the driver
# (libcuda.so, dlopened by cudart at the first call), not the toolkit, and
# starts on a machine without either (the runner then says unsupported).
# nvcc's host stubs use a few C++ runtime helpers: -lstdc++.
NVCC_ARCH  = -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=[sm_90,compute_90]
NVCC_FLAGS = -O3 -std=c++17 $(NVCC_ARCH) -Werror all-warnings -Xcompiler -Wall,-Wextra,-Werror
# the choice and what it resolved to, written at parse time and only when
# it changes; every object depends on it, so switching a backend rebuilds
# what its -D flags touch
CONFIG_MK   = $(BUILD)/config.mk
CONFIG_TEXT = \# edgebench build configuration, written by make (pass OPENCL= / CUDA= to change)\nOPENCL ?= $(OPENCL)\nCUDA ?= $(CUDA)\n\# resolved: HAVE_OPENCL=$(HAVE_OPENCL) HAVE_CUDA=$(HAVE_CUDA)\n
# (a dependency only once it exists: on the first run every object is new,
# and make has already cached the folder without it)
CONFIG_DEP := $(wildcard $(CONFIG_MK))
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD) && { printf '$(CONFIG_TEXT)' | cmp -s - $(CONFIG_MK) || printf '$(CONFIG_TEXT)' > $(CONFIG_MK); })
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

GEN_C    = $(BUILD)/gen/onnx/onnx.pb-c.c
GEN_H    = $(BUILD)/gen/onnx/onnx.pb-c.h
# runners/opencl and runners/cuda only when their backend is built (above)
CORE_SRC = $(filter-out runners/opencl/% runners/cuda/%,$(wildcard models/*.c reference_kernels/*.c runners/*.c runners/*/*.c)) \
           $(if $(filter 1,$(HAVE_OPENCL)),$(wildcard runners/opencl/*.c)) \
           $(if $(filter 1,$(HAVE_CUDA)),$(wildcard runners/cuda/*.c))
CUDA_OBJ = $(if $(filter 1,$(HAVE_CUDA)),$(patsubst %.cu,$(BUILD)/%.o,$(wildcard runners/cuda/*.cu)))
APP_SRC  = $(filter-out bench/main.c,$(wildcard bench/*.c reports/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(CUDA_OBJ) $(BUILD)/gen/onnx/onnx.pb-c.o
APP_OBJ  = $(APP_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libedgebench.a
BIN      = $(BUILD)/edgebench

# ---- one static library per layer -------------------------------------------
# Data flows models -> reference_kernels (ref) -> runners -> bench, and
# reports, which owns the result record bench fills, sits below bench and
# uses models only: EB_LAYERS is the link order, each
# layer may use only the layers after it.  A test driver links against the
# libraries of the layers it tests and nothing else (TEST_LAYERS_<driver>,
# highest first; every layer when it has none), so a call across a
# forbidden edge fails to link instead of hiding in one big archive.
EB_LAYERS = bench reports runners ref models
LAYER_OBJ_models  = $(filter $(BUILD)/models/%,$(CORE_OBJ)) $(BUILD)/gen/onnx/onnx.pb-c.o
LAYER_OBJ_ref     = $(filter $(BUILD)/reference_kernels/%,$(CORE_OBJ))
LAYER_OBJ_runners = $(filter $(BUILD)/runners/%,$(CORE_OBJ))
LAYER_OBJ_bench   = $(filter $(BUILD)/bench/%,$(APP_OBJ))
LAYER_OBJ_reports = $(filter $(BUILD)/reports/%,$(APP_OBJ))
LAYER_LIBS = $(EB_LAYERS:%=$(BUILD)/libeb_%.a)
define eb_layer_lib
$(BUILD)/libeb_$(1).a: $$(LAYER_OBJ_$(1))
	@echo "  AR      $$@"
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(EB_LAYERS),$(eval $(call eb_layer_lib,$(l))))
# eb_test_libs DRIVER: its libraries, in link order
eb_test_libs = $(foreach l,$(filter $(or $(TEST_LAYERS_$(1)),$(EB_LAYERS)),$(EB_LAYERS)),$(BUILD)/libeb_$(l).a)
TEST_LAYERS_test_dataset      = models
TEST_LAYERS_test_shape_infer  = ref models
TEST_LAYERS_test_seq_ops      = ref models
TEST_LAYERS_test_gemm         = runners ref models
TEST_LAYERS_test_threadpool   = runners ref models
TEST_LAYERS_test_ocl_program  = runners ref models
TEST_LAYERS_test_ocl_compute  = runners ref models
TEST_LAYERS_test_cpu_runner   = runners ref models
TEST_LAYERS_test_onnx_import  = runners ref models
TEST_LAYERS_test_metrics      = bench reports runners ref models
TEST_LAYERS_test_device_info  = bench reports runners ref models
TEST_LAYERS_test_devices      = bench reports runners ref models
TEST_LAYERS_test_memory       = bench reports runners ref models
TEST_LAYERS_test_variant      = bench reports runners ref models
TEST_LAYERS_test_stats        = reports models
TEST_LAYERS_test_onnx_node    = runners ref models
TEST_LAYERS_test_prune_channel = runners ref models

UNIT_SRC = $(filter-out tests/test_util.c tests/test_graph_builder.c,$(wildcard tests/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
CONF_BIN = $(BUILD)/tests/test_onnx_node
TEST_UTIL = $(BUILD)/tests/test_util.o
# helpers that only some drivers link (TEST_OBJ_<driver>): the ONNX model
# builder needs the ref layer, which not every driver links
TEST_GRAPH_BUILDER = $(BUILD)/tests/test_graph_builder.o
TEST_OBJ_test_cpu_runner = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cpu_opt    = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cuda       = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cuda_host  = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_opencl     = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cpu_index_ops = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cpu_concat = $(TEST_GRAPH_BUILDER)
TEST_OBJ_test_cpu_einsum = $(TEST_GRAPH_BUILDER)

.SECONDARY:
.PHONY: FORCE dist all deps zoo-large zoo-sweep test unit-test conformance conformance-cuda-host cli-test test-kill check-layers demo bench clean test-aarch64 man install
.DEFAULT_GOAL := all

all: deps $(BIN) $(LIB) $(LAYER_LIBS)

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

$(BUILD)/%.o: %.c $(CONFIG_DEP) | $(GEN_H) $(BUILD)/deps.stamp
	@echo "  CC      $<"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cu $(CONFIG_DEP) | $(GEN_H) $(BUILD)/deps.stamp
	@echo "  NVCC    $<"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(NVCC) $(NVCC_FLAGS) -I. -I$(BUILD)/gen -DEB_HAVE_CUDA=1 -MMD -MP -c $< -o $@

# the zoo's models are assembled into the binary (models/zoo_embed.c)
$(BUILD)/models/zoo_embed.o: models/zoo/zoo.def models/zoo/manifest.json $(wildcard models/zoo/*.onnx)
# the TDP table of the utilisation x TDP energy estimate (bench/energy_tdp.c)
$(BUILD)/bench/energy_tdp.o: bench/energy_tdp.csv
# and the OpenCL runner's kernel sources (runners/opencl/ocl_program.c)
$(BUILD)/runners/opencl/ocl_program.o: runners/opencl/kernels.def $(wildcard runners/opencl/kernels/*.cl)

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
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# a driver links its own layers' libraries only (TEST_LAYERS_<driver>)
$(CONF_BIN): $(BUILD)/tests/conformance/test_onnx_node.o $(TEST_UTIL) $(call eb_test_libs,test_onnx_node)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $+ $(LDLIBS_ALL)

.SECONDEXPANSION:
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_UTIL) $$(TEST_OBJ_$$*) $$(call eb_test_libs,$$*)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $+ $(LDLIBS_ALL) $$(pkg-config --libs cmocka)

# test_energy drives the NVML meter through a stub library (tests/stubs/nvml_stub.c)
$(BUILD)/tests/libnvml_stub.so: tests/stubs/nvml_stub.c
	@echo "  CC      $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -fPIC -shared $(WARN) -o $@ $<
$(BUILD)/tests/test_energy: | $(BUILD)/tests/libnvml_stub.so
# test_counters drives the PAPI source through a stub libpapi (tests/stubs/papi_stub.c),
# built where papi.h is (the stub has PAPI's structures)
$(BUILD)/tests/libpapi_stub.so: tests/stubs/papi_stub.c
	@echo "  CC      $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -fPIC -shared $(WARN) $(shell pkg-config --cflags papi) -o $@ $<
$(BUILD)/tests/test_counters: | $(if $(PKG_PAPI),$(BUILD)/tests/libpapi_stub.so)
cli-test: $(if $(PKG_PAPI),$(BUILD)/tests/libpapi_stub.so)

# the manual: docs/edgebench.md is both the page users read in the tree and
# the source of edgebench(1)
MAN = $(BUILD)/edgebench.1
man: $(MAN)
$(MAN): docs/edgebench.md | $(BUILD)/deps.stamp
	@echo "  LOWDOWN $<"
	$(Q)lowdown -s -Tman --out-no-smarty -o $@ $<

PREFIX  ?= /usr/local
# the device-farm scripts (FARM_DIR, when the tree has it) go to
# PREFIX/share/edgebench/farm, executables kept executable
FARM_DIR ?= scripts/farm
install: all $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/edgebench
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/edgebench.1
	$(Q)if [ -d "$(FARM_DIR)" ]; then \
	    (cd "$(FARM_DIR)" && find . -type f) | while IFS= read -r f; do \
	        if [ -x "$(FARM_DIR)/$$f" ]; then m=755; else m=644; fi; \
	        install -D -m $$m "$(FARM_DIR)/$$f" "$(DESTDIR)$(PREFIX)/share/edgebench/farm/$${f#./}" || exit 1; \
	    done; \
	    echo "install: the farm scripts ($(FARM_DIR)) in $(DESTDIR)$(PREFIX)/share/edgebench/farm"; \
	fi

test: deps unit-test conformance conformance-cuda-host cli-test check-layers
	@echo "edgebench: all tests passed"

unit-test: $(UNIT_BIN)
	$(Q)set -e; for t in $(UNIT_BIN); do echo "== $$t"; ./$$t; done

# every runner built into this binary, as the binary lists them
conformance: $(CONF_BIN)
	$(Q)set -e; for r in $$(./$(CONF_BIN) --list-runners); do ./$(CONF_BIN) --runner $$r; done

# the cuda runner's planning and execution on every conformance case, on any
# machine: test_onnx_node linked with a host stand-in for the CUDA runtime
# and the kernel launchers (tests/cuda_fake.h, before the libraries so that
# its definitions win); the CUDA kernels themselves need a GPU (test_cuda,
# scripts/gpu_check.sh)
CONF_CUDA_HOST = $(BUILD)/tests/test_onnx_node_cuda_host
$(CONF_CUDA_HOST): $(BUILD)/tests/conformance/test_onnx_node.o $(BUILD)/tests/cuda_fake.o $(TEST_UTIL) $(call eb_test_libs,test_onnx_node)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $+ $(LDLIBS_ALL)
conformance-cuda-host: $(if $(filter 1,$(HAVE_CUDA)),$(CONF_CUDA_HOST))
	$(Q)$(if $(filter 1,$(HAVE_CUDA)),./$(CONF_CUDA_HOST) --runner cuda,echo "conformance-cuda-host: skipped: the cuda runner is not built")

cli-test: $(BIN) $(CONF_BIN) $(MAN)
	$(Q)set -e; for t in tests/cli/*.sh; do echo "== $$t"; EDGEBENCH=./$(BIN) BUILD=$(BUILD) sh $$t; done

# the kill test at full size: 100 SIGKILLs (make test runs 20)
test-kill: $(BIN)
	$(Q)EB_KILL_TEST_N=100 EDGEBENCH=./$(BIN) BUILD=$(BUILD) sh tests/cli/test_kill.sh

# the layer graph from the includes; fails on an include against the data
# flow (scripts/check_layers.sh lists the forbidden edges)
check-layers:
	$(Q)sh scripts/check_layers.sh

# aarch64: installs the cross toolchain, qemu-user and the arm64 libraries
# (deps.sh aarch64), builds into build-aarch64/, runs the tests under qemu:
# the unit tests, conformance, and CLI tests with EDGEBENCH/BUILD pointing
# at the aarch64 build (a subset by default; CLI_TESTS=all for every one)
test-aarch64:
	$(Q)sh scripts/test_aarch64.sh

# make dist: the bundle (binary, optional DIST_MODELS, manifest.json,
# SHA256SUMS) for TARGET, built by scripts/make_dist.sh with its own make
# (a cross target installs its toolchain first: deps.sh aarch64)
# (the host target builds in $(BUILD) with this make's CC and SANITIZE)
TARGET ?=
DIST_MODELS ?=
DIST_DIR ?= dist
dist:
	$(Q)DIST_MODELS="$(DIST_MODELS)" DIST_DIR="$(DIST_DIR)" BUILD="$(BUILD)" SANITIZE="$(SANITIZE)" HOST_CC="$(CC)" \
	    sh scripts/make_dist.sh $(TARGET)

demo: all
	./$(BIN) run -v 'ref;cpu:threads={1,2}'

# Benchmarks: peers measured side by side in one run, printed as ratios.
# OPENBLAS_CORETYPE (set on some machines) would pin OpenBLAS to a slower
# core, so it is removed for the OpenBLAS peer.
BENCH_GEMM = $(BUILD)/bench_gemm
$(BENCH_GEMM): bench/perf/bench_gemm.c $(BUILD)/bench/peak_kernels.o $(LIB) | $(BUILD)/deps.stamp
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) $$(pkg-config --cflags openblas) -o $@ $< $(BUILD)/bench/peak_kernels.o $(LIB) $(LDLIBS_ALL) $$(pkg-config --libs openblas)

# the OpenCL runner's GEMM against CLBlast on the same device; without the
# OpenCL runner it builds as a program that says it was skipped
BENCH_OCL_GEMM = $(BUILD)/bench_ocl_gemm
$(BENCH_OCL_GEMM): bench/perf/bench_ocl_gemm.c $(LIB) | $(BUILD)/deps.stamp
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDLIBS_ALL) $(if $(filter 1,$(HAVE_OPENCL)),$$(pkg-config --libs clblast))
# the cuda runner's GEMM against cuBLAS (one "skipped" line without a GPU)
BENCH_CUDA_GEMM = $(BUILD)/bench_cuda_gemm
$(BENCH_CUDA_GEMM): bench/perf/bench_cuda_gemm.c $(LIB) | $(BUILD)/deps.stamp
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDLIBS_ALL)

ORT_DIR = $(BUILD)/ort
$(ORT_DIR)/node_modules/onnxruntime-node:
	$(Q)mkdir -p $(ORT_DIR)
	cd $(ORT_DIR) && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node@1.30.0

bench: deps
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_GEMM) $(BENCH_OCL_GEMM) $(BENCH_CUDA_GEMM)
	env -u OPENBLAS_CORETYPE ./$(BENCH_GEMM)
	./$(BENCH_OCL_GEMM)
	./$(BENCH_CUDA_GEMM)
	$(Q)[ -f $(MODEL_CACHE)/resnet18/model.onnx ] || $(MAKE) --no-print-directory zoo-large
	$(Q)$(MAKE) --no-print-directory $(ORT_DIR)/node_modules/onnxruntime-node
	sh bench/perf/bench_e2e.sh ./$(BIN) $(MODEL_CACHE) $(ORT_DIR)
	sh bench/perf/bench_int8.sh ./$(BIN) $(MODEL_CACHE) $(ORT_DIR)
	sh bench/perf/bench_compress.sh ./$(BIN)
	$(Q)if ls $(MODEL_CACHE)/sweep/*/model.onnx >/dev/null 2>&1; then \
	    sh bench/perf/bench_sweep.sh ./$(BIN) $(MODEL_CACHE)/sweep $(ORT_DIR); \
	else echo "model sweep: skipped, its models were not exported ($(MODEL_CACHE)/sweep has none: run make zoo-sweep)"; fi

MODEL_CACHE ?= models/cache
zoo-large:
	$(Q)sh scripts/deps.sh torch
	/usr/bin/python3 scripts/export_arch.py $(MODEL_CACHE)
zoo-sweep:
	$(Q)sh scripts/deps.sh torch
	/usr/bin/python3 scripts/export_sweep.py $(MODEL_CACHE)/sweep

clean:
	rm -rf build build-san dist

# make fuzz, and the programs make test replays the fuzz regressions with
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
