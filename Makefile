# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# wberrwatch build.  Out of tree in $(OUTPUT); `make V=1` shows commands.
# Both the BPF and the C side track header dependencies (-MMD -MP), so an
# edit to include/wberrwatch.h rebuilds the BPF object, the skeleton and
# every C object that includes it.

OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

VERSION := $(shell cat VERSION)
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(OUTPUT) \
	-DWBW_VERSION='"$(VERSION)"' -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	-Iinclude -Ivmlinux $(if $(MULTIARCH),-idirafter /usr/include/$(MULTIARCH)) -MMD -MP
LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
STATIC_LIBS := -lbpf -lelf -lz

# Modules with no libbpf and no I/O beyond stdio: unit-tested and fuzzed.
CORE_SRCS := src/errseq.c src/decode.c src/correlate.c src/json.c src/mounts.c src/cli.c \
	src/output.c src/corespec.c src/kbtf.c src/minbtf.c src/metrics.c src/atomicfile.c \
	src/procfilter.c src/cgroup.c src/httpd.c src/gate.c src/jsonread.c \
	src/container.c
# main() and the commands (one file each), what they share (app.c), and
# the one module that knows libbpf (loader.c).
APP_SRCS := src/wberrwatch.c src/cmd_watch.c src/cmd_run.c src/cmd_scan.c src/cmd_doctor.c \
	src/app.c src/loader.c src/run.c
CORE_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(CORE_SRCS)) $(OUTPUT)/core_types.o
APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(APP_SRCS))

BPF_OBJ := $(OUTPUT)/wberrwatch.bpf.o
SKEL := $(OUTPUT)/wberrwatch.skel.h
LIFETIME_SKEL := $(OUTPUT)/lifetime.skel.h
BIN := $(OUTPUT)/wberrwatch

# Sanitized objects for the unit tests and the fuzzer.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_OBJS := $(patsubst src/%.c,$(OUTPUT)/san/%.o,$(CORE_SRCS)) $(OUTPUT)/san/core_types.o
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/san/%,$(wildcard tests/unit/test_*.c))
# The whole tool built so, for the soak test (tests/e2e/test_soak.sh): the
# commands and the loader too, the BPF skeletons compiled into it.
SAN_APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/san/%.o,$(APP_SRCS))
SAN_BIN := $(OUTPUT)/san/wberrwatch
DEMO_PROGS := $(OUTPUT)/demo/careless $(OUTPUT)/demo/careful
TEST_HELPERS := $(OUTPUT)/tests/wbw-io $(OUTPUT)/tests/wbw-faultfs $(DEMO_PROGS)

.PHONY: all clean install uninstall check check-unit check-e2e check-apps deps vmlinux vmlinux-check \
	static image bench fuzz test-helpers demo kernel-patch-check check-kernels sanitized soak check-fs
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BIN)

$(OUTPUT) $(OUTPUT)/san $(OUTPUT)/tests $(OUTPUT)/static:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: src/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUTPUT)/loader.o: $(SKEL) $(LIFETIME_SKEL)

# vmlinux/types.list compiled in: the run-time target BTF is built from the
# same list as the compile-time header (src/corespec.h)
$(OUTPUT)/core_types.c: vmlinux/types.list | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q){ echo '/* generated from vmlinux/types.list: do not edit */'; \
	      echo '#include "corespec.h"'; echo 'const char wbw_core_types_spec[] ='; \
	      sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' -e 's/.*/\t"&\\n"/' $<; echo ';'; } > $@

$(OUTPUT)/core_types.o: $(OUTPUT)/core_types.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/san/core_types.o: $(OUTPUT)/core_types.c | $(OUTPUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(OUTPUT)/%.o: src/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BIN): $(APP_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# A statically linked binary: what SREs copy to hosts.
static: $(OUTPUT)/static/wberrwatch
$(OUTPUT)/static/wberrwatch: $(APP_OBJS) $(CORE_OBJS) | $(OUTPUT)/static
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -static $^ $(STATIC_LIBS) -o $@

# An OCI image of the static binary (contrib/kubernetes/Containerfile, FROM
# scratch: nothing is pulled), built by podman from a context holding only
# the binary.  IMAGE names it.
IMAGE ?= localhost/wberrwatch:$(VERSION)
image: $(OUTPUT)/static/wberrwatch
	$(call msg,IMAGE,$(IMAGE))
	$(Q)ctx=$$(mktemp -d) && mkdir -p $$ctx/build/static && \
	cp $< $$ctx/build/static/ && \
	podman build -q --pull=never -f contrib/kubernetes/Containerfile -t $(IMAGE) $$ctx; \
	rc=$$?; rm -rf $$ctx; exit $$rc

$(OUTPUT)/san/%.o: src/%.c | $(OUTPUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(OUTPUT)/san/loader.o: $(SKEL) $(LIFETIME_SKEL)

# ASan+UBSan wberrwatch: the soak test runs it (WBW_SOAK_BIN)
sanitized: $(SAN_BIN)
$(SAN_BIN): $(SAN_APP_OBJS) $(SAN_OBJS)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/san/test_%: tests/unit/test_%.c $(SAN_OBJS) | $(OUTPUT)/san
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $^ -lcmocka $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/helpers/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

$(OUTPUT)/tests/wbw-faultfs: tests/helpers/wbw-faultfs.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $$($(PKG_CONFIG) --cflags fuse3) $< $$($(PKG_CONFIG) --libs fuse3) -o $@

test-helpers: $(TEST_HELPERS)

$(OUTPUT)/demo:
	$(Q)mkdir -p $@

$(OUTPUT)/demo/%: demo/%.c | $(OUTPUT)/demo
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

# A throwaway faulty disk, a program that loses a write and one that is
# told, and wberrwatch flagging exactly the first (root; cleans up on Ctrl-C).
demo: $(BIN) $(DEMO_PROGS)
	$(Q)demo/demo.sh $(OUTPUT)

# libFuzzer over the decoder and the correlator (clang's fuzzer runtime)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_SRCS := src/decode.c src/correlate.c src/errseq.c
$(OUTPUT)/fuzz_correlate: tests/fuzz/fuzz_correlate.c $(FUZZ_SRCS) include/wberrwatch.h | $(OUTPUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		tests/fuzz/fuzz_correlate.c $(FUZZ_SRCS) -o $@

# and over the parsers of container runtimes' files (src/container.c, src/jsonread.c)
$(OUTPUT)/fuzz_container: tests/fuzz/fuzz_container.c src/container.c src/jsonread.c | $(OUTPUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		tests/fuzz/fuzz_container.c src/container.c src/jsonread.c -o $@

fuzz: $(OUTPUT)/fuzz_correlate
	$(Q)mkdir -p $(OUTPUT)/fuzz-corpus
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -print_final_stats=1 \
		$(OUTPUT)/fuzz-corpus

# The minimal CO-RE header, regenerated from the running kernel's BTF.
$(OUTPUT)/gen_vmlinux_min: tools/gen_vmlinux_min.c src/corespec.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LIBS) -o $@

vmlinux: $(OUTPUT)/gen_vmlinux_min
	$(call msg,GEN,vmlinux/vmlinux_min.h)
	$(Q)$< vmlinux/types.list > vmlinux/vmlinux_min.h.tmp && \
		mv vmlinux/vmlinux_min.h.tmp vmlinux/vmlinux_min.h

# Fails if the committed header differs from what this kernel's BTF gives.
vmlinux-check: $(OUTPUT)/gen_vmlinux_min
	$(Q)$< vmlinux/types.list | diff -u vmlinux/vmlinux_min.h - && echo "vmlinux_min.h: up to date"

check-unit: $(BIN) $(UNIT_TESTS) $(OUTPUT)/fuzz_correlate $(OUTPUT)/fuzz_container
	$(Q)tests/run-tests --unit $(OUTPUT)

check-e2e: $(BIN) $(SAN_BIN) $(TEST_HELPERS)
	$(Q)tests/run-tests --e2e $(OUTPUT)

# The soak test alone, for longer than CI's 120 s: make soak DURATION=3600
DURATION ?= 600
soak: $(BIN) $(SAN_BIN) $(TEST_HELPERS)
	$(Q)SOAK_SECONDS=$(DURATION) tests/run-tests --e2e $(OUTPUT) tests/e2e/test_soak.sh

# Real programs (cp, tar, rsync, git, dd, sqlite3, PostgreSQL 15) on the
# failing disk (root; scripts/install-deps --apps).  `check` runs them too.
# The verdict scenarios on one filesystem of the fixture: make check-fs FS=xfs
# (ext4, xfs, btrfs, overlay; tests/lib/fixture.sh)
check-fs: $(BIN) $(TEST_HELPERS)
	$(Q)WBW_FS=$(or $(FS),ext4) tests/run-tests --e2e $(OUTPUT) tests/e2e/test_fs_verdicts.sh

check-apps: $(BIN) $(TEST_HELPERS)
	$(Q)tests/run-tests --apps $(OUTPUT)

# Unit tests (no root), end-to-end tests and the application suite (root:
# BPF, loop devices).
# the static binary: test_container_image puts it in an image (make image)
check: $(BIN) $(SAN_BIN) $(UNIT_TESTS) $(TEST_HELPERS) $(OUTPUT)/fuzz_correlate $(OUTPUT)/fuzz_container \
	$(OUTPUT)/static/wberrwatch
	$(Q)tests/run-tests --all $(OUTPUT)

deps:
	$(Q)scripts/install-deps

# patches/: applies to Debian's linux-source-6.12 (KSRC_PKG=linux-source-6.1:
# patches/6.1/series), checkpatch.pl clean, compiles
kernel-patch-check:
	$(Q)patches/check.sh

# The verdict suite on this kernel and on stock Debian kernels under qemu
# (root; scripts/install-deps --kernels)
check-kernels: $(OUTPUT)/static/wberrwatch $(TEST_HELPERS)
	$(Q)tests/vm/matrix $(OUTPUT)

$(OUTPUT)/throughput: bench/throughput.c $(CORE_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LIBS) -o $@

bench: $(BIN) $(TEST_HELPERS) $(OUTPUT)/throughput
	$(Q)bench/startup.sh $(OUTPUT)
	$(Q)$(OUTPUT)/throughput
	$(Q)bench/overhead.sh $(OUTPUT)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/wberrwatch
	install -m 0644 man/wberrwatch.8 $(DESTDIR)$(MANDIR)/man8/wberrwatch.8

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wberrwatch $(DESTDIR)$(MANDIR)/man8/wberrwatch.8

clean:
	rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/san/*.d $(OUTPUT)/tests/*.d)
