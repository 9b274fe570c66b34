# SPDX-License-Identifier: GPL-2.0
# loopwatch: `make` builds, `make run` builds and runs, `make test` builds and
# tests; both install missing Debian packages first. V=1 shows commands.
# SAN=1 builds with AddressSanitizer and UBSan into build-san/ (`make asan`).

.DELETE_ON_ERROR:
.SUFFIXES:

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := x86

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS := -O2 -g $(WARN) -D_GNU_SOURCE -std=gnu11 $(SANFLAGS) $(EXTRA_CFLAGS)
CPPFLAGS := -Iinclude -Iagent -I$(BUILD) -MMD -MP
LDFLAGS := $(SANFLAGS)
# Libraries the plain-C core may need; the agent adds libbpf's.
CORE_LIBS := -lncursesw -linih -ldw -lelf -lm
AGENT_LIBS := -lbpf -lelf -lz $(CORE_LIBS)

# clang -target bpf lacks the host's system include paths; pass them on.
CLANG_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ibpf -I.

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(BUILD)/loopwatch.skel.h

# agent/: kernel/ loads and reads the BPF programs, model/ rebuilds what
# happened from their records, views/ renders it, settings/ and util/ serve
# all. Everything but main.c and the files that touch the skeleton
# (agent/kernel/probes*.c) is plain C, linked into a library the unit tests
# use too.
AGENT_MAIN := agent/main.c $(wildcard agent/kernel/probes*.c)
CORE_SRCS := $(filter-out $(AGENT_MAIN),$(wildcard agent/*/*.c))
CORE_OBJS := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(CORE_SRCS))
MAIN_OBJS := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(AGENT_MAIN))
CORE_LIB := $(BUILD)/liblwcore.a

FAULTLAB_SRCS := $(wildcard tools/faultlab/*.c)
FAULTLAB_OBJS := $(patsubst tools/faultlab/%.c,$(BUILD)/obj-faultlab/%.o,$(FAULTLAB_SRCS))
TOOL_SRCS := $(wildcard tools/bench/*.c)
TOOL_BINS := $(patsubst tools/bench/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

# libFuzzer harnesses: built with clang from the core sources directly, so the
# code under test is instrumented; `make test` replays their corpora.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps deps-test run test unit e2e test-kernels asan bench fuzz clean install readme-options
all: $(BUILD)/loopwatch $(BUILD)/faultlab $(TOOL_BINS) $(BUILD)/tools/options_table $(UNIT_BINS) $(FUZZ_BINS)

deps:
	$(Q)tools/install-deps.sh build
deps-test:
	$(Q)tools/install-deps.sh test

# The builds use every core: on CI's two they take half the time.
JOBS := -j$(shell nproc 2>/dev/null || echo 2)

# `make run ARGS="-p 1234 --json"` passes options through.
run: deps
	$(Q)$(MAKE) --no-print-directory $(JOBS) all
	$(BUILD)/loopwatch $(ARGS)

# The sanitizer build joins every plain test run: its unit tests and the
# end-to-end scripts that exercise the agent's own code paths run against it.
test: deps-test
	$(Q)$(MAKE) --no-print-directory $(JOBS) all
ifneq ($(SAN),1)
	$(Q)$(MAKE) --no-print-directory $(JOBS) SAN=1 all
	$(Q)BUILD=$(BUILD) SAN_BUILD=build-san tests/run.sh
else
	$(Q)BUILD=$(BUILD) LW_MATRIX=0 tests/run.sh
endif

unit: all
	$(Q)BUILD=$(BUILD) tests/run.sh unit

e2e: all
	$(Q)BUILD=$(BUILD) tests/run.sh e2e

# The agent on stock Debian kernels 5.10 to 7.x under qemu (tests/kernels/).
test-kernels: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/run.sh kernels

# The plain build too: the valgrind test runs it (valgrind and ASan exclude each other).
asan:
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory SAN=1 test

bench: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/run.sh $(ARGS)

# Grow the corpora: each harness runs FUZZ_SECONDS; new inputs land in
# tests/fuzz/corpus/<name>/ (commit them).
fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do n=$$(basename $$f); n=$${n#fuzz_}; \
		mkdir -p tests/fuzz/corpus/$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 tests/fuzz/corpus/$$n || exit 1; done

install: all
	install -D -m 0755 $(BUILD)/loopwatch $(DESTDIR)/usr/local/sbin/loopwatch
	install -D -m 0644 tools/loopwatch.service $(DESTDIR)/etc/systemd/system/loopwatch.service
	install -d $(DESTDIR)/var/lib/prometheus/node-exporter
	@# an operator's settings survive a reinstall
	$(Q)[ -e $(DESTDIR)/etc/loopwatch/loopwatch.conf ] || \
		install -D -m 0644 tools/loopwatch.conf $(DESTDIR)/etc/loopwatch/loopwatch.conf
	@echo "installed; enable with: systemctl daemon-reload && systemctl enable --now loopwatch"

# Debian package $(BUILD)/loopwatch_<version>_<arch>.deb from a staging tree
# (deploy/debian/build-deb.sh; docs/fleet.md). Packages the binary as built.
.PHONY: deb
deb: $(BUILD)/loopwatch
	$(call msg,DEB,$(BUILD)/loopwatch_*.deb)
	$(Q)deploy/debian/build-deb.sh $(BUILD) >/dev/null

clean:
	$(call msg,CLEAN,build)
	$(Q)rm -rf build build-san

$(BUILD)/bpf $(BUILD)/agent $(BUILD)/obj-faultlab $(BUILD)/tests $(BUILD)/tools $(BUILD)/fuzz:
	$(Q)mkdir -p $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_SYS_INCLUDES) -MMD -MP -c $< -o $@

# ready.bpf.h counts a herd's open wake-ups with atomic fetch-and-add (BPF v3).
$(BUILD)/bpf/loopwatch.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/loopwatch.bpf.o: $(BPF_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/loopwatch.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name loopwatch_bpf > $@

# System call names for stall reports, from the kernel headers of linux-libc-dev.
UNISTD := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/syscall_names.h: $(UNISTD) | $(BUILD)/agent
	$(call msg,GEN,$@)
	$(Q)awk '/^#define __NR_[a-z0-9_]+ [0-9]+$$/ { sub("__NR_", "", $$2); \
		printf "\t[%d] = \"%s\",\n", $$3, $$2 }' $< > $@

$(patsubst agent/%.c,$(BUILD)/agent/%.o,$(wildcard agent/kernel/probes*.c)): $(SKEL)
$(BUILD)/agent/util/syscalls.o: $(BUILD)/syscall_names.h

$(BUILD)/agent/%.o: agent/%.c | $(BUILD)/agent
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/loopwatch: $(MAIN_OBJS) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(AGENT_LIBS) -o $@

$(BUILD)/obj-faultlab/%.o: tools/faultlab/%.c | $(BUILD)/obj-faultlab
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -pthread -c $< -o $@

# faultlab writes JSON with the agent's escaper; liburing for uring-loop.
$(BUILD)/faultlab: $(FAULTLAB_OBJS) $(BUILD)/agent/util/escape.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -pthread $^ -luring -lresolv -lm -o $@

$(BUILD)/tools/%: tools/bench/%.c | $(BUILD)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -pthread $< -lbpf -lelf -lz -lm -o $@

# The README's options table is made from agent/settings/table.c;
# tests/unit/test_table.c fails when README.md holds an older one.
$(BUILD)/tools/options_table: tools/docgen/options_table.c $(CORE_LIB) | $(BUILD)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(CORE_LIB) $(CORE_LIBS) -o $@

readme-options: $(BUILD)/tools/options_table
	$(call msg,GEN,README.md)
	$(Q)$< > $(BUILD)/options_table.md
	$(Q)awk -v table=$(BUILD)/options_table.md \
		'/^<!-- end of options table -->/ { skip = 0 } !skip { print } \
		/^<!-- options table: generated/ { while ((getline l < table) > 0) print l; skip = 1 }' \
		README.md > $(BUILD)/README.md.new && mv $(BUILD)/README.md.new README.md

# -Ibpf: test_ready runs the probes' own state machines (bpf/ready_sm.h).
$(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Ibpf $(CFLAGS) $< $(CORE_LIB) -lcmocka $(CORE_LIBS) -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) $(BUILD)/syscall_names.h | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 $(WARN) -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Iinclude -Iagent -I$(BUILD) -MMD -MP $< $(CORE_SRCS) $(CORE_LIBS) -o $@

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/agent/*/*.d)
