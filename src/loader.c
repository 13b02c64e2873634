// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "wberrwatch.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* capability numbers, for headers that predate CAP_PERFMON/CAP_BPF (5.8) */
#define WBW_CAP_SYS_ADMIN 21
#define WBW_CAP_PERFMON 38
#define WBW_CAP_BPF 39

struct wbw_loader {
	struct wberrwatch_bpf *skel;
	struct ring_buffer *rb;
	bool tp_btf;
	wbw_record_fn on_record;
	void *ctx;
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf)
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int diag(struct wbw_loader_diag *d, int status, const char *fmt, ...)
{
	va_list ap;

	d->exit_status = status;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return status;
}

static bool has_cap(const __u32 eff[2], int cap)
{
	return eff[cap / 32] & (1u << (cap % 32));
}

static int check_privilege(struct wbw_loader_diag *d)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	__u32 eff[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0; /* cannot tell: let the load itself decide */
	eff[0] = data[0].effective;
	eff[1] = data[1].effective;
	if (has_cap(eff, WBW_CAP_SYS_ADMIN) ||
	    (has_cap(eff, WBW_CAP_BPF) && has_cap(eff, WBW_CAP_PERFMON)))
		return 0;
	return diag(d, WBW_EXIT_NO_PRIVILEGE,
		    "missing privilege: loading tracing BPF programs needs CAP_BPF and CAP_PERFMON "
		    "(or CAP_SYS_ADMIN); run as root, e.g. with sudo");
}

static bool tracefs_has(const char *event)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					      "/sys/kernel/debug/tracing/events" };
	char path[256];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], event);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

/*
 * filemap_set_wb_err and file_check_and_advance_wb_err arrived with errseq_t
 * in Linux 4.13; every tracepoint has a btf_trace_<name> type in the kernel
 * BTF, so BTF answers without tracefs being mounted.
 */
static int check_kernel(struct wbw_loader_diag *d)
{
	static const char *const tps[] = { "filemap_set_wb_err", "file_check_and_advance_wb_err" };
	struct btf *btf;

	if (access(VMLINUX_BTF, R_OK))
		return diag(d, WBW_EXIT_NO_BTF,
			    "kernel BTF not found at " VMLINUX_BTF " (%s): wberrwatch needs Linux "
			    "5.8+ built with CONFIG_DEBUG_INFO_BTF=y",
			    strerror(errno));
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return diag(d, WBW_EXIT_NO_BTF, "cannot read kernel BTF from " VMLINUX_BTF ": %s",
			    strerror(errno));
	for (size_t i = 0; i < 2; i++) {
		char name[96], event[96];

		snprintf(name, sizeof(name), "btf_trace_%s", tps[i]);
		snprintf(event, sizeof(event), "filemap/%s", tps[i]);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) < 0 && !tracefs_has(event)) {
			btf__free(btf);
			return diag(d, WBW_EXIT_NO_TRACEPOINT,
				    "kernel lacks the filemap:%s tracepoint: writeback error "
				    "tracepoints need Linux 4.13+ with CONFIG_TRACEPOINTS; this build "
				    "needs Linux 5.8+ with BTF and BPF ring buffers",
				    tps[i]);
		}
	}
	btf__free(btf);
	return 0;
}

/* Does a tp_btf program on this tracepoint load?  Try a two-instruction one. */
static bool probe_tp_btf(const char *tp)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id = libbpf_find_vmlinux_btf_id(tp, BPF_TRACE_RAW_TP);
	int fd;

	if (id < 0)
		return false;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &o);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int on_ringbuf(void *ctx, void *data, size_t len)
{
	struct wbw_loader *l = ctx;

	return l->on_record(l->ctx, data, len);
}

static int open_and_load(struct wbw_loader *l, const struct wbw_loader_opts *opts, bool tp_btf,
			 struct wbw_loader_diag *d)
{
	struct wberrwatch_bpf *skel;
	int err;

	skel = wberrwatch_bpf__open();
	if (!skel)
		return diag(d, WBW_EXIT_FAILURE, "cannot open the BPF object: %s", strerror(errno));
	skel->rodata->filter_dev = opts->filter_dev;
	bpf_map__set_max_entries(skel->maps.events, (__u32)opts->ringbuf_bytes);
	bpf_program__set_autoload(skel->progs.set_wb_err_btf, tp_btf);
	bpf_program__set_autoload(skel->progs.observe_btf, tp_btf);
	bpf_program__set_autoload(skel->progs.set_wb_err_tp, !tp_btf);
	bpf_program__set_autoload(skel->progs.observe_tp, !tp_btf);

	err = wberrwatch_bpf__load(skel);
	if (err) {
		wberrwatch_bpf__destroy(skel);
		/* EACCES is the verifier saying no; EPERM is missing privilege */
		if (err == -EPERM)
			return diag(d, WBW_EXIT_NO_PRIVILEGE,
				    "the kernel refused to load BPF programs (%s): needs CAP_BPF and "
				    "CAP_PERFMON (or CAP_SYS_ADMIN), and kernel.unprivileged_bpf_disabled "
				    "or lockdown may forbid it; run as root",
				    strerror(-err));
		return diag(d, WBW_EXIT_FAILURE,
			    "cannot load the %s programs: %s (run with -v for libbpf's messages)",
			    tp_btf ? "tp_btf" : "tracepoint", strerror(-err));
	}
	l->skel = skel;
	l->tp_btf = tp_btf;
	return 0;
}

struct wbw_loader *wbw_loader__new(const struct wbw_loader_opts *opts, struct wbw_loader_diag *d)
{
	struct wbw_loader *l;
	bool want_btf;
	int err;

	memset(d, 0, sizeof(*d));
	verbose_libbpf = opts->verbose;
	libbpf_set_print(libbpf_print);

	if (check_kernel(d) || check_privilege(d))
		return NULL;
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		diag(d, WBW_EXIT_NO_TRACEPOINT,
		     "kernel lacks BPF ring buffers: wberrwatch needs Linux 5.8+");
		return NULL;
	}

	l = calloc(1, sizeof(*l));
	if (!l) {
		diag(d, WBW_EXIT_FAILURE, "out of memory");
		return NULL;
	}
	l->on_record = opts->on_record;
	l->ctx = opts->ctx;

	/*
	 * tp_btf sees the kernel's objects (the mapping's value after the set,
	 * the address_space identity); classic tracepoints only their fields.
	 */
	switch (opts->tp_mode) {
	case WBW_TP_BTF:
		want_btf = true;
		break;
	case WBW_TP_CLASSIC:
		want_btf = false;
		break;
	default:
		want_btf = probe_tp_btf("filemap_set_wb_err") &&
			   probe_tp_btf("file_check_and_advance_wb_err");
	}
	err = open_and_load(l, opts, want_btf, d);
	if (err && want_btf && opts->tp_mode == WBW_TP_AUTO && d->exit_status != WBW_EXIT_NO_PRIVILEGE)
		err = open_and_load(l, opts, false, d);
	if (err)
		goto fail;

	err = wberrwatch_bpf__attach(l->skel);
	if (err) {
		diag(d, err == -EPERM ? WBW_EXIT_NO_PRIVILEGE : WBW_EXIT_FAILURE,
		     "cannot attach to the filemap tracepoints: %s", strerror(-err));
		goto fail;
	}
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_ringbuf, l, NULL);
	if (!l->rb) {
		diag(d, WBW_EXIT_FAILURE, "cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return l;
fail:
	wbw_loader__free(l);
	return NULL;
}

int wbw_loader__poll(struct wbw_loader *l, int timeout_ms)
{
	return ring_buffer__poll(l->rb, timeout_ms);
}

void wbw_loader__lost(const struct wbw_loader *l, uint64_t lost[WBW_REC_KIND_MAX])
{
	for (int k = 0; k < WBW_REC_KIND_MAX; k++)
		lost[k] = __atomic_load_n(&l->skel->bss->dropped[k], __ATOMIC_RELAXED);
}

const char *wbw_loader__tp_mode(const struct wbw_loader *l)
{
	return l->tp_btf ? "tp_btf" : "tracepoint";
}

void wbw_loader__free(struct wbw_loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	wberrwatch_bpf__destroy(l->skel);
	free(l);
}
