# SPDX-License-Identifier: GPL-2.0-only
#
# bpf/<family>.bpf.c -> $(O)/bpf/<family>.bpf.o -> $(O)/<family>.skel.h, then one
# netsight binary with every object embedded. Everything generated goes to $(O).
# Adding a probe family is adding its name to BPF_FAMILIES.
#
#   make            build $(O)/netsight
#   make check      unit, BPF load and integration tests (root for the last two)
#   make bench      overhead benchmarks (root); BEFORE=binary adds another netsight
#   V=1             show full commands; O=dir to build elsewhere;
#   VMLINUX_H=file  use this vmlinux.h instead of dumping the running kernel's BTF

O ?= build
V ?= 0
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
# Debian's interpreter: python3-pytest installs for it, whatever else is on PATH.
PYTHON ?= /usr/bin/python3
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VERSION := $(shell cat VERSION)

BPF_FAMILIES := owner conn drop tcp latency flow dns

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-9s %s\n' '$(1)' '$(2)';
endif

.DELETE_ON_ERROR:
# Keep chained intermediates (sanitizer objects, skeletons) between runs.
.SECONDARY:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
WARNINGS := -Wall -Wextra -Werror
LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)

CFLAGS ?= -O2 -g
BASE_CFLAGS := $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -DNS_VERSION='"$(VERSION)"' \
	-Iinclude -Isrc -I$(O) $(LIBBPF_CFLAGS) -MMD -MP
LDLIBS := $(LIBBPF_LIBS) -lelf -lz -lm -lmnl -ljson-c -lmd -lmicrohttpd
# libbpf's BPF_PROG() declares a ctx parameter that most programs never use.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARNINGS) -Wno-unused-parameter \
	-Iinclude -Ibpf -I$(O) -MMD -MP

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS := $(wildcard src/lib/*.c)
PROBE_SRCS := $(wildcard src/probes/*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
APP_SRCS := $(LIB_SRCS) $(PROBE_SRCS) $(CLI_SRCS)
APP_OBJS := $(patsubst %.c,$(O)/%.o,$(APP_SRCS))

# Each family is built twice from one source: with typed views (Linux 6.2+)
# and with CO-RE probe reads for older kernels (see bpf/lib/common.bpf.h).
SKELS := $(patsubst %,$(O)/%.skel.h,$(BPF_FAMILIES)) \
	$(patsubst %,$(O)/%.compat.skel.h,$(BPF_FAMILIES))
BPF_OBJS := $(patsubst %,$(O)/bpf/%.bpf.o,$(BPF_FAMILIES)) \
	$(patsubst %,$(O)/bpf/%.compat.bpf.o,$(BPF_FAMILIES))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(O)/tests/bpf_%,$(wildcard tests/bpf/test_*.c))
# Unit tests link everything but the command line entry point, under sanitizers.
SAN_OBJS := $(patsubst %.c,$(O)/san/%.o,$(LIB_SRCS) $(PROBE_SRCS) \
	$(filter-out src/cli/main.c,$(CLI_SRCS)))
TEST_LIB_OBJS := $(patsubst %.c,$(O)/san/%.o,$(wildcard tests/lib/*.c))

.PHONY: all clean check test-unit test-fuzz fuzz test-bpf test-integration test-vm format format-check bench

all: $(O)/netsight

ifdef VMLINUX_H
$(O)/vmlinux.h: $(VMLINUX_H)
	$(call msg,CP,$@)
	$(Q)mkdir -p $(@D) && cp $< $@
else
$(O)/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(VMLINUX_BTF) || { echo "no kernel BTF at $(VMLINUX_BTF): build on a kernel with CONFIG_DEBUG_INFO_BTF=y or pass VMLINUX_H=" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@
endif

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(O)/bpf/%.compat.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DNS_COMPAT_READS -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(O)/%.compat.skel.h: $(O)/bpf/%.compat.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_compat_bpf > $@

$(O)/src/%.o: src/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -c $< -o $@

$(O)/netsight: $(APP_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Unit tests: ASan + UBSan, cmocka.
$(O)/san/%.o: %.c | $(SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -Itests -O1 -g $(SAN_FLAGS) -c $< -o $@

# BPF objects of the tests themselves (tests/bpf/*.bpf.c), in both builds.
TEST_BPF_NAMES := $(patsubst tests/bpf/%.bpf.c,%,$(wildcard tests/bpf/*.bpf.c))
TEST_SKELS := $(patsubst %,$(O)/tests/%.skel.h,$(TEST_BPF_NAMES)) \
	$(patsubst %,$(O)/tests/%.compat.skel.h,$(TEST_BPF_NAMES))

$(O)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@

$(O)/tests/bpf/%.compat.bpf.o: tests/bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DNS_COMPAT_READS -MF $(@:.o=.d) -MT $@ -c $< -o $@

$(O)/tests/%.skel.h: $(O)/tests/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(O)/tests/%.compat.skel.h: $(O)/tests/bpf/%.compat.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_compat_bpf > $@

# A static pattern rule: make treats its prerequisites as explicit, so it
# builds the skeletons rather than passing over the rule while they are missing.
BPF_TEST_OBJS := $(patsubst tests/bpf/%.c,$(O)/san/tests/bpf/%.o,$(wildcard tests/bpf/test_*.c))
$(BPF_TEST_OBJS): $(O)/san/tests/bpf/%.o: tests/bpf/%.c $(TEST_SKELS) | $(SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -I$(O)/tests -Itests -O1 -g $(SAN_FLAGS) -c $< -o $@

$(O)/tests/bpf_%: $(O)/san/tests/bpf/%.o $(SAN_OBJS) $(TEST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(O)/tests/%: $(O)/san/tests/unit/%.o $(SAN_OBJS) $(TEST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) $^ -o $@ $(LDLIBS) -lcmocka

test-unit: $(UNIT_TESTS)
	$(Q)$(PYTHON) tests/run_unit.py $(UNIT_TESTS)

test-bpf: $(BPF_TESTS)
	$(Q)$(PYTHON) tests/run_unit.py $(BPF_TESTS)

test-integration: $(O)/netsight
	$(Q)NETSIGHT=$(abspath $(O)/netsight) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# The kernel matrix: Debian 12's own kernels booted under qemu (root, network
# access to the Debian archive). SERIES=6.1 (or 6.12) boots only that one.
$(O)/tests/vm/traffic: tests/vm/traffic.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARNINGS) -static $< -o $@

test-vm: $(O)/netsight $(O)/tests/bpf_test_load $(O)/tests/vm/traffic
	$(Q)$(PYTHON) tests/vm/matrix.py --netsight $(O)/netsight \
		--bpf-test $(O)/tests/bpf_test_load --traffic $(O)/tests/vm/traffic \
		--cache $(O)/vm $(if $(SERIES),--series $(SERIES))

# The DNS message reader under libFuzzer (clang, ASan, UBSan): `make fuzz`
# runs FUZZ_SECONDS (default 600) on the kept corpus, adding what it finds;
# test-fuzz, part of make check, runs 20 seconds on a copy.
FUZZ_SECONDS ?= 600
FUZZ_CORPUS := tests/fuzz/corpus/dnsmsg
$(O)/tests/fuzz_dnsmsg: tests/fuzz/fuzz_dnsmsg.c src/lib/dnsmsg.c src/lib/dnsmsg.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(WARNINGS) tests/fuzz/fuzz_dnsmsg.c src/lib/dnsmsg.c -o $@

fuzz: $(O)/tests/fuzz_dnsmsg
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -max_len=600 $(FUZZ_CORPUS)

test-fuzz: $(O)/tests/fuzz_dnsmsg
	$(Q)rm -rf $(O)/fuzz-corpus && mkdir -p $(O)/fuzz-corpus && \
		cp $(FUZZ_CORPUS)/* $(O)/fuzz-corpus/ && \
		$< -max_total_time=20 -max_len=600 -print_final_stats=1 $(O)/fuzz-corpus 2>$(O)/fuzz.log; \
		rc=$$?; grep -E "^(stat::number_of_executed_units|Done)" $(O)/fuzz.log; \
		if [ $$rc -ne 0 ]; then tail -40 $(O)/fuzz.log; echo "test-fuzz: FAILED"; exit 1; fi; \
		echo "test-fuzz: 1 passed, 0 failed"

# Every stage runs, whatever happens to the others; the run fails at the end.
CHECK_STAGES := format-check test-unit test-fuzz test-bpf test-integration test-vm

check:
	$(Q)failed=; for stage in $(CHECK_STAGES); do \
		$(MAKE) --no-print-directory $$stage || failed="$$failed $$stage"; \
	done; \
	if [ -n "$$failed" ]; then echo "make check: failed:$$failed"; exit 1; fi; \
	echo "make check: every stage passed ($(CHECK_STAGES))"

format:
	$(Q)clang-format -i $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h')

format-check:
	$(call msg,FORMAT,check)
	$(Q)clang-format --dry-run -Werror $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h')

bench: $(O)/netsight
	$(Q)$(MAKE) -C bench O=$(abspath $(O))/bench NETSIGHT=$(abspath $(O)/netsight) \
		$(if $(BEFORE),BEFORE=$(abspath $(BEFORE)))

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

-include $(APP_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(TEST_LIB_OBJS:.o=.d) \
	$(patsubst $(O)/tests/%,$(O)/san/tests/unit/%.d,$(UNIT_TESTS)) \
	$(patsubst $(O)/tests/bpf_%,$(O)/san/tests/bpf/%.d,$(BPF_TESTS)) \
	$(patsubst %,$(O)/tests/bpf/%.bpf.d,$(TEST_BPF_NAMES)) \
	$(patsubst %,$(O)/tests/bpf/%.compat.bpf.d,$(TEST_BPF_NAMES))
