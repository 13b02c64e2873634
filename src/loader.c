// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "corespec.h"
#include "kbtf.h"
#include "loader.h"
#include "minbtf.h"
#include "lifetime.skel.h"
#include "wberrwatch.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* capability numbers, for headers that predate CAP_PERFMON/CAP_BPF (5.8) */
#define WBW_CAP_SYS_ADMIN 21
#define WBW_CAP_PERFMON 38
#define WBW_CAP_BPF 39

enum prog_kind {
	PROG_RAW_TP,
	PROG_TP_BTF,
	PROG_CLASSIC,
};

static const char *const prog_kind_name[] = {
	[PROG_RAW_TP] = "raw_tp",
	[PROG_TP_BTF] = "tp_btf",
	[PROG_CLASSIC] = "tracepoint",
};

struct wbw_loader {
	struct wberrwatch_bpf *skel;
	struct ring_buffer *rb;
	enum prog_kind kind;
	bool name_writers;
	struct lifetime_bpf *life;
	struct bpf_link *iter_link;
	struct bpf_link *exit_link;
	struct bpf_link *release_link;
	enum wbw_hooks hooks; /* KERNEL, FENTRY or TRACEPOINT, never AUTO */
	bool fentry_ok;       /* the start-up probe loaded a fentry program on __fput */
	bool all_release_hooks;
	char fentry_why[256]; /* why not, or "" */
	/* the bundled patches' events (patches/), from the kernel's BTF */
	bool release_event;   /* 0001: filemap:file_release_unreported_wb_err */
	bool set_event_v2;    /* 0002: filemap_set_wb_err carries new_errseq and err */
	struct bpf_link *sync_link;
	struct bpf_link *dirtier_link;
	struct bpf_link *syncfs_link;
	struct bpf_link *fsync_fail_link;
	/* syncfs on XFS and btrfs: their sync_fs events, where the kernel has them */
	bool syncfs_xfs, syncfs_btrfs;
	struct bpf_link *syncfs_xfs_link, *syncfs_btrfs_link;
	/*
	 * fsync results on XFS and btrfs: fexit on their fsync, where fentry is
	 * in use and the function is in the kernel's BTF (built in, or the
	 * module loaded at start); the links, and why not when not
	 */
	bool fsync_xfs, fsync_btrfs;
	struct bpf_link *fsync_xfs_link, *fsync_btrfs_link;
	char fsync_fexit_why[256];
	/*
	 * close(2) on NFS (fentry/fexit on nfs_file_flush, nfs4_file_flush):
	 * where the kernel allows fentry and the module is loaded.  links:
	 * enter and exit of nfs (v2/v3), then of nfsv4.
	 */
	bool nfs_close[2];
	bool nfs_close_present; /* the kernel has NFS's flush (for doctor) */
	struct bpf_link *nfs_close_links[4];
	struct bpf_link *dirty_link;
	/*
	 * Passes limited to the holders: the kernel can limit a task iterator
	 * to one process (6.1+), and the watcher sees the kernel's pids (the
	 * initial pid namespace).  fork_link follows holders' forks.
	 */
	bool limit_ok;
	/*
	 * The kernel's first look (first_look_arm in lifetime.bpf.c): the
	 * kernel has open-coded task iterators (6.7+).  look_link attaches it
	 * for the whole watch, and then holder_exit too (exit_pinned): the
	 * processes it finds are holders before any pass ran.
	 */
	bool kernel_look;
	bool exit_pinned;
	struct bpf_link *look_link;
	char look_why[160]; /* why not, when the kernel has the iterators but the look failed */
	struct bpf_link *fork_link;
	uint32_t *pass_pids;
	size_t pass_pids_cap;
	wbw_record_fn on_record;
	void *ctx;
	/* scan: other watchers' WBW_ERR_TIMES_MAP maps; -1 until looked for */
	int n_err_maps;
	int err_map_fds[WBW_WATCHERS_MAX];
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

/*
 * bpf() failing with EPERM while the capability check passed, under a
 * seccomp filter (/proc/self/status "Seccomp: 2"): the filter refused it,
 * not the kernel.  Docker's and podman's default profiles allow bpf only
 * with CAP_SYS_ADMIN.
 */
static bool bpf_refused_by_seccomp(void)
{
	char line[128];
	bool filtered = false;
	FILE *f = fopen("/proc/self/status", "re");
	int fd;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp:", 8))
			filtered = atoi(line + 8) == 2;
	fclose(f);
	if (!filtered)
		return false;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EPERM;
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

/* Is tracefs (or debugfs's tracing directory) mounted where libbpf looks? */
static bool tracefs_mounted(void)
{
	return tracefs_has("");
}

/*
 * filemap_set_wb_err and file_check_and_advance_wb_err arrived with errseq_t
 * in Linux 4.13; every tracepoint has a btf_trace_<name> type in the kernel
 * BTF, so BTF answers without tracefs being mounted.
 */
static int check_tracepoints(const struct wbw_kbtf *k, struct wbw_loader_diag *d)
{
	static const char *const tps[] = { "filemap_set_wb_err", "file_check_and_advance_wb_err" };

	for (size_t i = 0; i < 2; i++) {
		char name[96], event[96];

		snprintf(name, sizeof(name), "btf_trace_%s", tps[i]);
		snprintf(event, sizeof(event), "filemap/%s", tps[i]);
		if (wbw_kbtf__find(k, name, BTF_KIND_TYPEDEF) < 0 && !tracefs_has(event))
			return diag(d, WBW_EXIT_NO_TRACEPOINT,
				    "kernel lacks the filemap:%s tracepoint: writeback error "
				    "tracepoints need Linux 4.13+ with CONFIG_TRACEPOINTS; this build "
				    "needs Linux 5.8+ with BTF and BPF ring buffers",
				    tps[i]);
	}
	return 0;
}

/*
 * The target BTF for CO-RE, as a file libbpf can open (btf_custom_path): a
 * memfd holding only the types in vmlinux/types.list, read from this
 * kernel's BTF.  Returns the memfd, or -1 when libbpf should fall back to
 * parsing the kernel's BTF itself.
 */
static int core_btf_memfd(const struct wbw_kbtf *k, bool verbose)
{
	struct wbw_spec spec;
	const void *raw;
	struct btf *btf;
	char err[256] = "";
	__u32 size;
	int fd;

	if (wbw_spec_parse(wbw_core_types_spec, &spec, err, sizeof(err)) ||
	    !(btf = wbw_minbtf_build(k, &spec, err, sizeof(err)))) {
		if (verbose)
			fprintf(stderr, "wberrwatch: minimal BTF not built (%s); libbpf will parse "
					"the kernel BTF\n", err);
		return -1;
	}
	raw = btf__raw_data(btf, &size);
	fd = memfd_create("wberrwatch-core-btf", MFD_CLOEXEC);
	if (fd >= 0 && (!raw || write(fd, raw, size) != (ssize_t)size)) {
		close(fd);
		fd = -1;
	}
	btf__free(btf);
	return fd;
}

/*
 * Attach one program, or say which hook failed and what would fix it.  A
 * classic tracepoint program is the one kind that needs tracefs: libbpf
 * reads the event's id under /sys/kernel/tracing (or debugfs), and a fresh
 * host or a container may have neither mounted; raw_tp and tp_btf attach by
 * name through BTF and need no file system at all.
 */
static struct bpf_link *attach_prog(struct bpf_program *prog, struct wbw_loader_diag *d)
{
	const char *sec = bpf_program__section_name(prog);
	struct bpf_link *link = bpf_program__attach(prog);
	int err = -errno;

	if (link)
		return link;
	if (!strncmp(sec, "tracepoint/", 11) && !tracefs_mounted())
		diag(d, WBW_EXIT_FAILURE,
		     "cannot attach %s: classic tracepoint programs need tracefs, which is not "
		     "mounted (mount -t tracefs nodev /sys/kernel/tracing), or leave out "
		     "--tp-mode classic: the raw_tp and tp_btf programs need no tracefs",
		     sec);
	else
		diag(d, err == -EPERM ? WBW_EXIT_NO_PRIVILEGE : WBW_EXIT_FAILURE,
		     "cannot attach %s: %s", sec, strerror(-err));
	errno = -err;
	return NULL;
}

/* A skeleton's programs that are set to load, each attached or named in the error. */
static int attach_skeleton(const struct bpf_object_skeleton *s, struct wbw_loader_diag *d)
{
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		if (!bpf_program__autoload(prog))
			continue;
		*s->progs[i].link = attach_prog(prog, d);
		if (!*s->progs[i].link)
			return -errno;
	}
	return 0;
}

static int on_ringbuf(void *ctx, void *data, size_t len)
{
	struct wbw_loader *l = ctx;

	return l->on_record(l->ctx, data, len);
}

static int open_and_load(struct wbw_loader *l, const struct wbw_loader_opts *opts,
			 enum prog_kind kind, const char *core_btf, struct wbw_loader_diag *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = core_btf);
	struct wberrwatch_bpf *skel;
	int err;

	skel = wberrwatch_bpf__open_opts(&oo);
	if (!skel)
		return diag(d, WBW_EXIT_FAILURE, "cannot open the BPF object: %s", strerror(errno));
	skel->rodata->filter_dev = opts->filter_dev;
	skel->rodata->filter_errno = (__u32)opts->filter_errno;
	bpf_map__set_max_entries(skel->maps.events, (__u32)opts->ringbuf_bytes);
	bpf_program__set_autoload(skel->progs.set_wb_err_raw, kind == PROG_RAW_TP);
	bpf_program__set_autoload(skel->progs.observe_raw, kind == PROG_RAW_TP);
	bpf_program__set_autoload(skel->progs.set_wb_err_btf, kind == PROG_TP_BTF);
	bpf_program__set_autoload(skel->progs.observe_btf, kind == PROG_TP_BTF);
	bpf_program__set_autoload(skel->progs.set_wb_err_tp, kind == PROG_CLASSIC);
	bpf_program__set_autoload(skel->progs.observe_tp, kind == PROG_CLASSIC);
	/* fires on every fork on the host: only for `run` */
	bpf_program__set_autoload(skel->progs.tree_fork, opts->track_tree);

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
			    prog_kind_name[kind], strerror(-err));
	}
	l->skel = skel;
	l->kind = kind;
	return 0;
}

/*
 * Does the kernel have tracepoint `tp` of filesystem `module`: in vmlinux's
 * BTF when built in, else in the module's own BTF once it is loaded
 * (/sys/kernel/btf/MODULE), where libbpf finds tp_btf targets too.  A
 * filesystem module loaded after the watcher started is not hooked.
 */
static bool fs_tp_present(const struct wbw_kbtf *k, const char *tp, const char *module)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	if (wbw_kbtf__find(k, name, BTF_KIND_TYPEDEF) >= 0)
		return true;
	snprintf(name, sizeof(name), "/sys/kernel/btf/%s", module);
	return access(name, R_OK) == 0;
}

/*
 * Is function `func` of filesystem `module` in the kernel's BTF: vmlinux's
 * when built in, else the module's (/sys/kernel/btf/MODULE, there while it
 * is loaded), where libbpf looks for a fentry/fexit target.  The module's
 * BTF is not searched for the name (it is split BTF on top of vmlinux's):
 * a module without it fails the load, which load_lifetime() survives.
 */
static bool fs_func_present(const struct wbw_kbtf *k, const char *func, const char *module)
{
	char name[128];

	if (wbw_kbtf__find(k, func, BTF_KIND_FUNC) >= 0)
		return true;
	snprintf(name, sizeof(name), "/sys/kernel/btf/%s", module);
	return access(name, R_OK) == 0;
}

/* Does struct or union `name` have member `member` (any member when NULL) in the kernel's BTF? */
static bool kbtf_has_kind(const struct wbw_kbtf *k, unsigned kind, const char *name,
			  const char *member)
{
	int64_t id = wbw_kbtf__find(k, name, kind);
	const struct btf_type *t;

	if (id < 0)
		return false;
	if (!member)
		return true;
	t = wbw_kbtf__type(k, (uint32_t)id);
	for (unsigned i = 0; i < wbw_btf_vlen(t); i++)
		if (!strcmp(wbw_kbtf__name(k, wbw_btf_members(t)[i].name_off), member))
			return true;
	return false;
}

static bool kbtf_has(const struct wbw_kbtf *k, const char *name, const char *member)
{
	return kbtf_has_kind(k, BTF_KIND_STRUCT, name, member);
}

/* include/linux/proc_ns.h: the initial pid namespace's fixed inode number */
#define WBW_PROC_PID_INIT_INO 0xEFFFFFFCu

/*
 * Can a pass be limited to a few processes?  The kernel must honour
 * bpf_iter_link_info.task (6.1 added it: older kernels ignore link info a
 * task iterator does not know, and would walk every process once per
 * pid), and the pids the iterator takes are read in the watcher's pid
 * namespace while its records carry the kernel's: only the initial
 * namespace has both the same.
 */
static bool can_limit_passes(const struct wbw_kbtf *k)
{
	struct stat st;

	if (!kbtf_has_kind(k, BTF_KIND_UNION, "bpf_iter_link_info", "task"))
		return false;
	return !stat("/proc/self/ns/pid", &st) && st.st_ino == WBW_PROC_PID_INIT_INO;
}

/*
 * Does this kernel load a fentry program on __fput?  Tried for real with a
 * two-instruction program: the CI kernel kind refuses fentry with EPERM
 * although it has BTF, and libbpf's feature probe cannot tell (it answers
 * for tp_btf too).  0, or -errno with `why` saying what refused.
 */
static int probe_fentry(const struct wbw_kbtf *k, char *why, size_t len)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int64_t id = wbw_kbtf__find(k, "__fput", BTF_KIND_FUNC);
	int fd, err;

	if (id < 0) {
		snprintf(why, len, "__fput is not in the kernel's BTF");
		return -ENOENT;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	snprintf(why, len, "the kernel refused a fentry program on __fput: %s", strerror(-err));
	return err;
}

struct wbw_loader *wbw_loader__new(const struct wbw_loader_opts *opts, struct wbw_loader_diag *d)
{
	enum wbw_hooks hooks = WBW_HOOKS_TRACEPOINT;
	char why[256] = "not probed (--hooks=tracepoint or kernel, or the kernel's event chosen)";
	bool fentry_ok = false, release_event, set_event_v2, syncfs_xfs, syncfs_btrfs, limit_ok;
	bool kernel_look, fsync_xfs, fsync_btrfs;
	bool nfs_close[2], nfs_fentry = false;
	char nfs_why[256];
	struct wbw_loader *l = NULL;
	struct wbw_kbtf kbtf;
	enum prog_kind kinds[2];
	char core_btf[64];
	int nkinds = 0, btf_fd, err;

	memset(d, 0, sizeof(*d));
	verbose_libbpf = opts->verbose;
	libbpf_set_print(libbpf_print);

	if (access(VMLINUX_BTF, R_OK)) {
		diag(d, WBW_EXIT_NO_BTF,
		     "kernel BTF not found at " VMLINUX_BTF " (%s): wberrwatch needs Linux 5.8+ "
		     "built with CONFIG_DEBUG_INFO_BTF=y",
		     strerror(errno));
		return NULL;
	}
	if (check_privilege(d))
		return NULL;
	err = wbw_kbtf__load(&kbtf, VMLINUX_BTF);
	if (err) {
		diag(d, WBW_EXIT_NO_BTF, "cannot read kernel BTF from " VMLINUX_BTF ": %s",
		     strerror(-err));
		return NULL;
	}
	if (check_tracepoints(&kbtf, d)) {
		wbw_kbtf__free(&kbtf);
		return NULL;
	}
	/*
	 * Release hooks, best first: the kernel's own event (a kernel built
	 * with patches/0001: no probe on __fput, the kernel compares the
	 * cursor itself), fentry/__fput, iterator passes.  Every tracepoint
	 * has a btf_trace_<name> typedef in the kernel's BTF.
	 */
	release_event = wbw_kbtf__find(&kbtf, "btf_trace_file_release_unreported_wb_err",
				       BTF_KIND_TYPEDEF) >= 0;
	set_event_v2 = kbtf_has(&kbtf, "trace_event_raw_filemap_set_wb_err", "new_errseq");
	syncfs_xfs = fs_tp_present(&kbtf, "xfs_fs_sync_fs", "xfs");
	syncfs_btrfs = fs_tp_present(&kbtf, "btrfs_sync_fs", "btrfs");
	fsync_xfs = fs_func_present(&kbtf, "xfs_file_fsync", "xfs");
	fsync_btrfs = fs_func_present(&kbtf, "btrfs_sync_file", "btrfs");
	/*
	 * NFS's flush functions: in vmlinux's BTF where NFS is built in, else
	 * in the nfs and nfsv4 modules' own (Debian's), once they are loaded
	 */
	nfs_close[0] = wbw_kbtf__find(&kbtf, "nfs_file_flush", BTF_KIND_FUNC) >= 0 ||
		       access("/sys/kernel/btf/nfs", R_OK) == 0;
	nfs_close[1] = wbw_kbtf__find(&kbtf, "nfs4_file_flush", BTF_KIND_FUNC) >= 0 ||
		       access("/sys/kernel/btf/nfsv4", R_OK) == 0;
	/* WBERRWATCH_FULL_PASSES=1: every pass over every process, as before 6.1 (comparisons) */
	limit_ok = !getenv("WBERRWATCH_FULL_PASSES") && can_limit_passes(&kbtf);
	/*
	 * The kernel's first look walks every process with bpf_iter_task
	 * (kernel/bpf/task_iter.c, Linux 6.7+), a kfunc the kernel's BTF
	 * lists.  WBERRWATCH_NO_KERNEL_LOOK=1: the watcher's pass is the
	 * first look, as on older kernels (comparisons, tests of that path).
	 */
	kernel_look = !getenv("WBERRWATCH_NO_KERNEL_LOOK") &&
		      wbw_kbtf__find(&kbtf, "bpf_iter_task_new", BTF_KIND_FUNC) >= 0;
	/* one program verification: only where fentry may be the choice */
	if (opts->hooks == WBW_HOOKS_FENTRY || opts->all_release_hooks ||
	    (opts->hooks == WBW_HOOKS_AUTO && !release_event))
		fentry_ok = probe_fentry(&kbtf, why, sizeof(why)) == 0;
	else if (nfs_close[0] || nfs_close[1])
		/* close(2) on NFS needs fentry whatever the release hooks are */
		nfs_fentry = probe_fentry(&kbtf, nfs_why, sizeof(nfs_why)) == 0;
	nfs_fentry = nfs_fentry || fentry_ok;
	if (release_event && (opts->hooks == WBW_HOOKS_AUTO || opts->hooks == WBW_HOOKS_KERNEL))
		hooks = WBW_HOOKS_KERNEL;
	else if (fentry_ok)
		hooks = WBW_HOOKS_FENTRY;
	if (opts->hooks == WBW_HOOKS_KERNEL && hooks != WBW_HOOKS_KERNEL) {
		wbw_kbtf__free(&kbtf);
		diag(d, WBW_EXIT_NO_HOOK,
		     "--hooks=kernel: this kernel has no filemap:file_release_unreported_wb_err "
		     "event (a kernel built with wberrwatch's patches/0001 has it, see "
		     "patches/README.md); use --hooks=auto");
		return NULL;
	}
	if (opts->hooks == WBW_HOOKS_FENTRY && !fentry_ok) {
		wbw_kbtf__free(&kbtf);
		diag(d, WBW_EXIT_NO_HOOK,
		     "--hooks=fentry: %s; use --hooks=tracepoint (iterator passes, which "
		     "every kernel with BTF and Linux 5.8+ allows) or --hooks=auto",
		     why);
		return NULL;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		wbw_kbtf__free(&kbtf);
		if (bpf_refused_by_seccomp())
			diag(d, WBW_EXIT_NO_PRIVILEGE,
			     "bpf() is refused (EPERM) by a seccomp filter although CAP_BPF is held: a "
			     "container runtime's default profile does this; allow bpf and "
			     "perf_event_open in the seccomp profile (podman --security-opt "
			     "seccomp=FILE, Kubernetes seccompProfile Localhost) or run unconfined");
		else
			diag(d, WBW_EXIT_NO_TRACEPOINT,
			     "kernel lacks BPF ring buffers: wberrwatch needs Linux 5.8+");
		return NULL;
	}
	/* WBERRWATCH_FULL_BTF=1: let libbpf parse the kernel's BTF (troubleshooting) */
	btf_fd = getenv("WBERRWATCH_FULL_BTF") ? -1 : core_btf_memfd(&kbtf, opts->verbose);
	/* free the kernel BTF before libbpf allocates: this is the peak of start-up */
	wbw_kbtf__free(&kbtf);
	if (btf_fd >= 0)
		snprintf(core_btf, sizeof(core_btf), "/proc/self/fd/%d", btf_fd);

	l = calloc(1, sizeof(*l));
	if (!l) {
		diag(d, WBW_EXIT_FAILURE, "out of memory");
		goto fail;
	}
	l->on_record = opts->on_record;
	l->ctx = opts->ctx;
	l->n_err_maps = -1;
	l->name_writers = opts->name_writers;
	l->hooks = hooks;
	l->fentry_ok = fentry_ok;
	l->all_release_hooks = opts->all_release_hooks;
	snprintf(l->fentry_why, sizeof(l->fentry_why), "%s", fentry_ok ? "" : why);
	l->release_event = release_event;
	l->set_event_v2 = set_event_v2;
	l->syncfs_xfs = syncfs_xfs;
	l->syncfs_btrfs = syncfs_btrfs;
	/*
	 * fexit on XFS's and btrfs's fsync where fentry programs are in use
	 * (--hooks=fentry, or auto's pick): --hooks=tracepoint asks for no
	 * fentry/fexit at all, and the CI kernel refuses them.
	 */
	if (hooks != WBW_HOOKS_FENTRY)
		snprintf(l->fsync_fexit_why, sizeof(l->fsync_fexit_why),
			 "its fsync's result needs fexit, used with fentry hooks only (hooks here: %s%s%s)",
			 wbw_hooks_name(hooks), fentry_ok ? "" : "; ", fentry_ok ? "" : why);
	l->fsync_xfs = hooks == WBW_HOOKS_FENTRY && fsync_xfs;
	l->fsync_btrfs = hooks == WBW_HOOKS_FENTRY && fsync_btrfs;
	l->nfs_close[0] = nfs_close[0] && nfs_fentry;
	l->nfs_close[1] = nfs_close[1] && nfs_fentry;
	l->nfs_close_present = nfs_close[0] || nfs_close[1];
	l->limit_ok = limit_ok;
	l->kernel_look = kernel_look;

	switch (opts->tp_mode) {
	case WBW_TP_RAW: kinds[nkinds++] = PROG_RAW_TP; break;
	case WBW_TP_BTF: kinds[nkinds++] = PROG_TP_BTF; break;
	case WBW_TP_CLASSIC: kinds[nkinds++] = PROG_CLASSIC; break;
	default:
		/* raw_tp sees the mapping and the file; classic only the event fields */
		kinds[nkinds++] = PROG_RAW_TP;
		kinds[nkinds++] = PROG_CLASSIC;
	}
	for (int i = 0; i < nkinds; i++) {
		err = open_and_load(l, opts, kinds[i], btf_fd >= 0 ? core_btf : NULL, d);
		if (!err || d->exit_status == WBW_EXIT_NO_PRIVILEGE)
			break;
	}
	if (err)
		goto fail;

	err = attach_skeleton(l->skel->skeleton, d);
	if (err)
		goto fail;
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_ringbuf, l, NULL);
	if (!l->rb) {
		diag(d, WBW_EXIT_FAILURE, "cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	close(btf_fd);
	return l;
fail:
	if (btf_fd >= 0)
		close(btf_fd);
	wbw_loader__free(l);
	return NULL;
}

int wbw_loader__fd(const struct wbw_loader *l)
{
	return ring_buffer__epoll_fd(l->rb);
}

int wbw_loader__drain(struct wbw_loader *l)
{
	/* no wait: everything the kernel has committed by now */
	return ring_buffer__consume(l->rb);
}

void wbw_loader__lost(const struct wbw_loader *l, uint64_t lost[WBW_REC_KIND_MAX])
{
	for (int k = 0; k < WBW_REC_KIND_MAX; k++)
		lost[k] = __atomic_load_n(&l->skel->bss->dropped[k], __ATOMIC_RELAXED);
	if (l->life) {
		lost[WBW_REC_EXIT] += __atomic_load_n(&l->life->bss->dropped_exit, __ATOMIC_RELAXED);
		lost[WBW_REC_RELEASE] +=
			__atomic_load_n(&l->life->bss->dropped_release, __ATOMIC_RELAXED);
		/* SYNC and DIRTY records share one counter: count them under sync */
		lost[WBW_REC_SYNC] += __atomic_load_n(&l->life->bss->dropped_retry, __ATOMIC_RELAXED);
		lost[WBW_REC_SYNCFS] +=
			__atomic_load_n(&l->life->bss->dropped_syncfs, __ATOMIC_RELAXED);
		lost[WBW_REC_FSYNC_FAIL] +=
			__atomic_load_n(&l->life->bss->dropped_fsync_fail, __ATOMIC_RELAXED);
		lost[WBW_REC_CLOSE_TOLD] +=
			__atomic_load_n(&l->life->bss->dropped_close_told, __ATOMIC_RELAXED);
		lost[WBW_REC_PATH] += __atomic_load_n(&l->life->bss->dropped_path, __ATOMIC_RELAXED);
		lost[WBW_REC_FILE] += __atomic_load_n(&l->life->bss->look_dropped, __ATOMIC_RELAXED);
	}
}

void wbw_loader__first_look(const struct wbw_loader *l, struct wbw_first_look *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->kernel = l->kernel_look && l->look_link;
	snprintf(fl->why_not, sizeof(fl->why_not), "%s", l->look_why);
	if (!l->life)
		return;
	fl->looks = __atomic_load_n(&l->life->bss->look_count, __ATOMIC_RELAXED);
	fl->slices = __atomic_load_n(&l->life->bss->look_slices, __ATOMIC_RELAXED);
	fl->files = __atomic_load_n(&l->life->bss->look_files, __ATOMIC_RELAXED);
	fl->dropped = __atomic_load_n(&l->life->bss->look_dropped, __ATOMIC_RELAXED);
	fl->ns_max = __atomic_load_n(&l->life->bss->look_ns_max, __ATOMIC_RELAXED);
	fl->work_max = __atomic_load_n(&l->life->bss->look_work_max, __ATOMIC_RELAXED);
	fl->abandoned = __atomic_load_n(&l->life->bss->look_abandoned, __ATOMIC_RELAXED);
}

/*
 * Open the lifetime object and load it, with XFS's and btrfs's fsync
 * fexits or not, and with the kernel's first look or not.
 */
static int open_lifetime(struct wbw_loader *l, bool fexit, bool look, struct lifetime_bpf **out)
{
	struct lifetime_bpf *life = lifetime_bpf__open();
	int err;

	*out = NULL;
	if (!life)
		return -errno;
	life->rodata->filter_dev = l->skel->rodata->filter_dev;
	life->rodata->filter_errno = l->skel->rodata->filter_errno;
	/* the chosen release program only; doctor's loader tries each that exists */
	bpf_program__set_autoload(life->progs.release_fput,
				  l->fentry_ok && (l->hooks == WBW_HOOKS_FENTRY || l->all_release_hooks));
	bpf_program__set_autoload(life->progs.release_unreported,
				  l->release_event &&
					  (l->hooks == WBW_HOOKS_KERNEL || l->all_release_hooks));
	/* a tp_btf program whose event the kernel lacks would fail the whole load */
	bpf_program__set_autoload(life->progs.syncfs_report_xfs, l->syncfs_xfs);
	bpf_program__set_autoload(life->progs.syncfs_report_btrfs, l->syncfs_btrfs);
	bpf_program__set_autoload(life->progs.first_look_arm, look);
	bpf_program__set_autoload(life->progs.fsync_exit_xfs, fexit && l->fsync_xfs);
	bpf_program__set_autoload(life->progs.fsync_exit_btrfs, fexit && l->fsync_btrfs);
	bpf_program__set_autoload(life->progs.nfs_flush_enter, l->nfs_close[0]);
	bpf_program__set_autoload(life->progs.nfs_flush_exit, l->nfs_close[0]);
	bpf_program__set_autoload(life->progs.nfs4_flush_enter, l->nfs_close[1]);
	bpf_program__set_autoload(life->progs.nfs4_flush_exit, l->nfs_close[1]);
	/* one ring buffer for both objects: exits arrive in order with the rest */
	err = bpf_map__reuse_fd(life->maps.events, bpf_map__fd(l->skel->maps.events));
	if (!err)
		err = bpf_map__reuse_fd(life->maps.retry_watch,
					bpf_map__fd(l->skel->maps.retry_watch));
	if (!err)
		err = bpf_map__reuse_fd(life->maps.dirtiers, bpf_map__fd(l->skel->maps.dirtiers));
	if (!err)
		err = bpf_map__reuse_fd(life->maps.path_sent, bpf_map__fd(l->skel->maps.path_sent));
	if (!err)
		err = lifetime_bpf__load(life);
	if (err) {
		lifetime_bpf__destroy(life);
		return err;
	}
	*out = life;
	return 0;
}

static int load_lifetime(struct wbw_loader *l, struct wbw_loader_diag *d)
{
	struct lifetime_bpf *life;
	int err;

	bool fexit = l->fsync_xfs || l->fsync_btrfs;

	/*
	 * The extras, each optional: the fexit targets were judged present
	 * from the module's BTF being there, not from the function in it (a
	 * kernel whose BTF lacks it, or refuses fexit on a module, fails the
	 * whole load), and the first look needs a verifier that takes it.
	 * Without either, the object is loaded without it, the rest of the
	 * watch depending on neither; whichever failed is said.
	 */
	err = open_lifetime(l, fexit, l->kernel_look, &life);
	if (err && (l->nfs_close[0] || l->nfs_close[1])) {
		/*
		 * A module's function missing from its BTF (or a kernel that
		 * refuses fentry on it) must not cost the rest: without them,
		 * close(2) on NFS is not seen (docs/limits.md).
		 */
		l->nfs_close[0] = l->nfs_close[1] = false;
		err = open_lifetime(l, fexit, l->kernel_look, &life);
	}
	if (err && fexit) {
		int first = err;

		err = open_lifetime(l, false, l->kernel_look, &life);
		if (!err) {
			snprintf(l->fsync_fexit_why, sizeof(l->fsync_fexit_why),
				 "the fexit programs did not load: %s", strerror(-first));
			l->fsync_xfs = l->fsync_btrfs = fexit = false;
		}
	}
	if (err && l->kernel_look) {
		int first = err;

		err = open_lifetime(l, fexit, false, &life);
		if (err && fexit && !(err = open_lifetime(l, false, false, &life))) {
			snprintf(l->fsync_fexit_why, sizeof(l->fsync_fexit_why),
				 "the fexit programs did not load: %s", strerror(-first));
			l->fsync_xfs = l->fsync_btrfs = false;
		}
		if (!err) {
			/* without the kernel's look, the watcher's pass is the first look */
			snprintf(l->look_why, sizeof(l->look_why),
				 "the kernel refused the first-look program: %s", strerror(-first));
			l->kernel_look = false;
		}
	}
	if (err) {
		return diag(d, WBW_EXIT_FAILURE,
			    "cannot load the file-lifetime programs (iter/task_file): %s; verdicts "
			    "about unreported files are not available (run with -v)",
			    strerror(-err));
	}
	/*
	 * --name-writers: attached for the whole watch, as the writer dirties
	 * before any error; it runs for every page a write dirties (+1.5% of
	 * a 4 KiB buffered write's instructions, bench/kernels.sh): opt-in.
	 */
	if (l->name_writers)
		l->dirtier_link = attach_prog(life->progs.note_dirtier, d);
	/*
	 * syncfs reports: for the whole watch too, as a syncfs may come long
	 * after the error; it runs once per ext4 sync_fs, nowhere else.
	 */
	if (!l->name_writers || l->dirtier_link)
		l->syncfs_link = attach_prog(life->progs.syncfs_report, d);
	/* XFS's and btrfs's: where present; without them syncfs there is not seen */
	if (l->syncfs_link && l->syncfs_xfs)
		l->syncfs_xfs_link = attach_prog(life->progs.syncfs_report_xfs, d);
	if (l->syncfs_link && l->syncfs_btrfs)
		l->syncfs_btrfs_link = attach_prog(life->progs.syncfs_report_btrfs, d);
	/* every failed fsync: for the whole watch too, once per ext4 fsync */
	if (l->syncfs_link && (!l->syncfs_xfs || l->syncfs_xfs_link) &&
	    (!l->syncfs_btrfs || l->syncfs_btrfs_link))
		l->fsync_fail_link = attach_prog(life->progs.fsync_failed, d);
	/*
	 * XFS's and btrfs's fsync results: for the whole watch too, once per
	 * fsync.  Without them only RETRIED and failed fsyncs there are
	 * missing, which the start record says: not a reason to stop.
	 */
	if (l->fsync_fail_link && l->fsync_xfs &&
	    !(l->fsync_xfs_link = bpf_program__attach(life->progs.fsync_exit_xfs))) {
		snprintf(l->fsync_fexit_why, sizeof(l->fsync_fexit_why),
			 "cannot attach fexit/xfs_file_fsync: %s", strerror(errno));
		l->fsync_xfs = false;
	}
	if (l->fsync_fail_link && l->fsync_btrfs &&
	    !(l->fsync_btrfs_link = bpf_program__attach(life->progs.fsync_exit_btrfs))) {
		snprintf(l->fsync_fexit_why, sizeof(l->fsync_fexit_why),
			 "cannot attach fexit/btrfs_sync_file: %s", strerror(errno));
		l->fsync_btrfs = false;
	}
	if (l->fsync_fail_link)
		l->iter_link = attach_prog(life->progs.tracked_files, d);
	/*
	 * close(2) on NFS: for the whole watch, as the error comes in the
	 * close itself; they run once per close of an NFS file open for
	 * writing.  Best effort: without them such closes are not seen.
	 */
	if (l->iter_link && l->nfs_close[0]) {
		l->nfs_close_links[0] = bpf_program__attach(life->progs.nfs_flush_enter);
		l->nfs_close_links[1] = bpf_program__attach(life->progs.nfs_flush_exit);
	}
	if (l->iter_link && l->nfs_close[1]) {
		l->nfs_close_links[2] = bpf_program__attach(life->progs.nfs4_flush_enter);
		l->nfs_close_links[3] = bpf_program__attach(life->progs.nfs4_flush_exit);
	}
	if (!l->iter_link) {
		bpf_link__destroy(l->dirtier_link);
		bpf_link__destroy(l->syncfs_link);
		bpf_link__destroy(l->fsync_fail_link);
		bpf_link__destroy(l->syncfs_xfs_link);
		bpf_link__destroy(l->syncfs_btrfs_link);
		bpf_link__destroy(l->fsync_xfs_link);
		bpf_link__destroy(l->fsync_btrfs_link);
		l->dirtier_link = l->syncfs_link = l->fsync_fail_link = NULL;
		l->syncfs_xfs_link = l->syncfs_btrfs_link = NULL;
		l->fsync_xfs_link = l->fsync_btrfs_link = NULL;
		lifetime_bpf__destroy(life);
		return d->exit_status;
	}
	l->life = life;
	if (l->kernel_look) {
		/*
		 * Exits first: a holder the look finds may exit before any pass,
		 * and its exit must name it (holder_exit reads look_holders).
		 */
		l->exit_link = attach_prog(life->progs.holder_exit, d);
		l->look_link = l->exit_link ? attach_prog(life->progs.first_look_arm, d) : NULL;
		if (!l->look_link) {
			snprintf(l->look_why, sizeof(l->look_why), "%.150s", d->msg);
			bpf_link__destroy(l->exit_link);
			l->exit_link = NULL;
			l->kernel_look = false;
			memset(d, 0, sizeof(*d));
		} else {
			l->exit_pinned = true;
		}
	}
	return 0;
}

/* A pass limited to the holders lists at most this many processes one by one. */
#define WBW_LIMITED_PIDS_MAX 256
/* rounds of forks followed within one limited pass before listing every process */
#define WBW_LIMITED_ROUNDS 8

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/*
 * Make a BPF hash of __u32 or __u64 keys hold exactly `keys` (each with the
 * value 1).  Keys are added before stale ones go, so a key that stays is
 * never missing: the kernel reads these maps all the while (an exiting
 * holder, a release on a watched mapping), and emptying and refilling them,
 * as this once did twice a pass, left a window in which an exit or a
 * release went unreported (seen under emulation, where the window is wide).
 */
static void sync_set(int fd, const void *keys, size_t n, size_t key_size)
{
	int (*cmp)(const void *, const void *) = key_size == sizeof(__u32) ? cmp_u32 : cmp_u64;
	unsigned char key[8], next[8];
	void *sorted = n ? malloc(n * key_size) : NULL, *stale = NULL;
	size_t nstale = 0, cap = 0;
	__u32 one = 1;
	bool first = true, full = false;

	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * key_size, &one, BPF_ANY))
			full = true; /* old and new together over max_entries: again below */
	if (n && !sorted)
		return; /* out of memory: stale keys stay, which only widens the filter */
	if (n) {
		memcpy(sorted, keys, n * key_size);
		qsort(sorted, n, key_size, cmp);
	}
	/* collect first: deleting while walking a hash restarts the walk */
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, key_size);
		if (n && bsearch(key, sorted, n, key_size, cmp))
			continue;
		if (nstale == cap) {
			void *grown = realloc(stale, (cap = cap ? 2 * cap : 64) * key_size);

			if (!grown)
				break;
			stale = grown;
		}
		memcpy((char *)stale + nstale++ * key_size, key, key_size);
	}
	for (size_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, (char *)stale + i * key_size);
	for (size_t i = 0; full && i < n; i++)
		bpf_map_update_elem(fd, (const char *)keys + i * key_size, &one, BPF_ANY);
	free(stale);
	free(sorted);
}

int wbw_loader__lifetime_prepare(struct wbw_loader *l, struct wbw_loader_diag *d)
{
	memset(d, 0, sizeof(*d));
	return l->life ? 0 : load_lifetime(l, d);
}

int wbw_loader__retry_hooks(struct wbw_loader *l, bool on, const uint64_t *disarm, size_t n,
			    struct wbw_loader_diag *d)
{
	int fd = bpf_map__fd(l->skel->maps.retry_watch), err = 0;

	memset(d, 0, sizeof(*d));
	/* only what userspace is done with: never an arming it has not seen */
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &disarm[i]);
	if (on && !l->sync_link) {
		if (!l->life && (err = load_lifetime(l, d)))
			return err;
		/* ext4 only: other filesystems' fsync has no tracepoint with its result */
		l->sync_link = attach_prog(l->life->progs.retry_sync_exit, d);
		l->dirty_link = l->sync_link ? attach_prog(l->life->progs.retry_dirty, d) : NULL;
		if (!l->dirty_link) {
			bpf_link__destroy(l->sync_link);
			l->sync_link = NULL;
			return d->exit_status;
		}
	} else if (!on && l->sync_link) {
		bpf_link__destroy(l->sync_link);
		bpf_link__destroy(l->dirty_link);
		l->sync_link = l->dirty_link = NULL;
	}
	return 0;
}

/* The program that reports releases as WBW_REC_RELEASE records (not --hooks=tracepoint). */
static struct bpf_program *release_prog(const struct wbw_loader *l)
{
	return l->hooks == WBW_HOOKS_KERNEL ? l->life->progs.release_unreported
					    : l->life->progs.release_fput;
}

/* One iter/task_file pass on the iterator link `link_fd`: each FILE record to fn. */
static int read_iter(int link_fd, wbw_record_fn fn, void *ctx, struct wbw_loader_diag *d)
{
	unsigned char buf[64 * sizeof(struct wbw_file_rec)];
	size_t have = 0;
	int fd, err = 0;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return diag(d, WBW_EXIT_FAILURE, "cannot start an iterator pass: %s", strerror(errno));
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = diag(d, WBW_EXIT_FAILURE, "iterator pass failed: %s", strerror(errno));
			break;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		/* records are fixed-size; a read may end inside one */
		while (have - off >= sizeof(struct wbw_file_rec)) {
			fn(ctx, buf + off, sizeof(struct wbw_file_rec));
			off += sizeof(struct wbw_file_rec);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	return err;
}

/* One pass over every process's open files. */
static int run_iter(struct wbw_loader *l, wbw_record_fn fn, void *ctx, struct wbw_loader_diag *d)
{
	return read_iter(bpf_link__fd(l->iter_link), fn, ctx, d);
}

/*
 * One pass over the open files of process `pid` only (its threads that
 * have descriptor tables of their own included): the kernel walks that
 * process, not the host (bpf_iter_attach_task, Linux 6.1).  A process
 * gone meanwhile has nothing to list.
 */
static int run_iter_pid(struct wbw_loader *l, uint32_t pid, struct wbw_loader_diag *d)
{
	union bpf_iter_link_info linfo;
	struct bpf_link *link;
	int err;

	memset(&linfo, 0, sizeof(linfo));
	linfo.task.pid = pid;
	LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &linfo, .link_info_len = sizeof(linfo));
	link = bpf_program__attach_iter(l->life->progs.tracked_files, &o);
	if (!link) {
		err = -errno;
		if (err == -ESRCH || err == -ENOENT)
			return 0;
		return diag(d, WBW_EXIT_FAILURE, "cannot start an iterator pass over process %u: %s",
			    pid, strerror(-err));
	}
	err = read_iter(bpf_link__fd(link), l->on_record, l->ctx, d);
	bpf_link__destroy(link);
	return err;
}

/* Add `pid` to the pass's list unless there; false when out of memory. */
static bool pass_pid_add(struct wbw_loader *l, size_t *n, uint32_t pid)
{
	for (size_t i = 0; i < *n; i++)
		if (l->pass_pids[i] == pid)
			return true;
	if (*n == l->pass_pids_cap) {
		size_t cap = l->pass_pids_cap ? 2 * l->pass_pids_cap : 64;
		uint32_t *p = realloc(l->pass_pids, cap * sizeof(*p));

		if (!p)
			return false;
		l->pass_pids = p;
		l->pass_pids_cap = cap;
	}
	l->pass_pids[(*n)++] = pid;
	return true;
}

/*
 * Take the holders' fork children the kernel noted since the last look
 * (keys read first, then deleted: a fork after the read stays for the
 * next one), onto the pass's list from index *n on.  False when the list
 * could not take them all, or forks were dropped (the map was full).
 */
static bool take_forked(struct wbw_loader *l, size_t *n)
{
	int fd = bpf_map__fd(l->life->maps.forked);
	size_t from = *n;
	__u32 key, next;
	bool first = true, ok = true;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (!pass_pid_add(l, n, key))
			ok = false;
	}
	for (size_t i = from; i < *n; i++)
		bpf_map_delete_elem(fd, &l->pass_pids[i]);
	if (l->life->bss->forked_dropped) {
		l->life->bss->forked_dropped = 0;
		ok = false;
	}
	return ok;
}

bool wbw_loader__can_limit(const struct wbw_loader *l)
{
	return l->limit_ok && l->hooks == WBW_HOOKS_TRACEPOINT;
}

/*
 * The holders' pass: each holder in turn, then the children they forked
 * meanwhile (a child forked while its parent was being listed may hold the
 * file its parent then closed), until no fork is left to list.  *full set
 * when that could not be done (then every process was listed).
 */
static int limited_pass(struct wbw_loader *l, size_t n, bool *full, struct wbw_loader_diag *d)
{
	size_t done = 0;
	int err;

	for (int round = 0; round < WBW_LIMITED_ROUNDS; round++) {
		for (; done < n; done++)
			if ((err = run_iter_pid(l, l->pass_pids[done], d)))
				return err;
		if (!take_forked(l, &n))
			break;
		if (done == n) {
			*full = false;
			return 0;
		}
		/* a holder's exit must be reported before the next pass lists it */
		for (size_t i = done; i < n; i++)
			bpf_map_update_elem(bpf_map__fd(l->life->maps.holders), &l->pass_pids[i],
					    &(__u32){ 1 }, BPF_ANY);
	}
	*full = true;
	return run_iter(l, l->on_record, l->ctx, d);
}

static void list_closing(struct wbw_loader *l);

static int limited_pass_and_closing(struct wbw_loader *l, size_t n, bool *full,
				    struct wbw_loader_diag *d)
{
	int err = limited_pass(l, n, full, d);

	if (!err)
		list_closing(l);
	return err;
}

/*
 * Closes of NFS files in flight (struct wbw_closing): close_fd() takes the
 * file out of the descriptor table before NFS's flush writes it back, and
 * the flush waits for the server, so no pass finds the file in a table
 * while its closer has been told nothing yet.  Listed after the iterator,
 * as held by the closer at the descriptor it is closing, when on a
 * watched mapping: a close that ended meanwhile sent its record (if it
 * told anything) before leaving the map.
 */
static void list_closing(struct wbw_loader *l)
{
	int fd, wfd;
	struct wbw_closing c;
	struct timespec now;
	__u32 key, next, eseq;
	bool first = true;

	if (!l->life || !(l->nfs_close[0] || l->nfs_close[1]))
		return;
	fd = bpf_map__fd(l->life->maps.nfs_closing);
	wfd = bpf_map__fd(l->life->maps.watched);
	clock_gettime(CLOCK_MONOTONIC, &now);
	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		struct wbw_file_rec r;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &c) || bpf_map_lookup_elem(wfd, &c.mapping, &eseq))
			continue;
		memset(&r, 0, sizeof(r));
		r.hdr.kind = WBW_REC_FILE;
		r.hdr.size = sizeof(r);
		r.hdr.flags = WBW_F_MAPPING_VALID;
		r.hdr.pid = c.tgid;
		r.hdr.tid = key;
		r.hdr.ts_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
		r.hdr.cgroup_id = c.cgroup_id;
		memcpy(r.hdr.comm, c.comm, sizeof(r.hdr.comm));
		r.mapping = c.mapping;
		r.file = c.file;
		r.ino = c.ino;
		r.dev = c.dev;
		r.fd = c.fd;
		r.cursor = c.cursor;
		r.mapping_eseq = c.eseq;
		r.f_mode = c.f_mode;
		r.f_flags = c.f_flags;
		l->on_record(l->ctx, &r, sizeof(r));
	}
}

static int pass_and_closing(struct wbw_loader *l, struct wbw_loader_diag *d)
{
	int err = run_iter(l, l->on_record, l->ctx, d);

	if (!err)
		list_closing(l);
	return err;
}

int wbw_loader__full_pass(struct wbw_loader *l, struct wbw_loader_diag *d)
{
	memset(d, 0, sizeof(*d));
	return pass_and_closing(l, d);
}

int wbw_loader__scan(struct wbw_loader *l, wbw_record_fn fn, void *ctx, struct wbw_loader_diag *d)
{
	int err;

	memset(d, 0, sizeof(*d));
	if (!l->life && (err = load_lifetime(l, d)))
		return err;
	l->life->bss->scan_mode = 1;
	err = run_iter(l, fn, ctx, d);
	l->life->bss->scan_mode = 0;
	return err;
}

int wbw_loader__lifetime_pass(struct wbw_loader *l, const uint64_t *mappings, size_t n,
			      const uint32_t *holders, size_t nholders, bool *full,
			      struct wbw_loader_diag *d)
{
	bool limit = !*full && wbw_loader__can_limit(l);
	size_t np = 0;
	int err = 0;

	memset(d, 0, sizeof(*d));
	*full = true;
	if (!l->life && (err = load_lifetime(l, d)))
		return err;
	sync_set(bpf_map__fd(l->life->maps.watched), mappings, n, sizeof(*mappings));
	/*
	 * The holders, and the children they forked since the last pass (in
	 * `holders` already, put there by holder_fork: kept, not dropped as
	 * stale).  Too many to list one by one: every process instead.
	 */
	for (size_t i = 0; i < nholders; i++)
		if (!pass_pid_add(l, &np, holders[i]))
			limit = false;
	if (l->fork_link && !take_forked(l, &np))
		limit = false;
	if (np > WBW_LIMITED_PIDS_MAX)
		limit = false;
	sync_set(bpf_map__fd(l->life->maps.holders), l->pass_pids, np, sizeof(*l->pass_pids));
	if (l->hooks != WBW_HOOKS_TRACEPOINT) {
		/* before the pass: a file released while it runs is reported too */
		if (n && !l->release_link) {
			l->release_link = attach_prog(release_prog(l), d);
			if (!l->release_link)
				return d->exit_status;
		} else if (!n && l->release_link) {
			bpf_link__destroy(l->release_link);
			l->release_link = NULL;
		}
	} else if (l->exit_pinned) {
		/* attached for the whole watch, with the kernel's first look */
	} else if (n && !l->exit_link) {
		l->exit_link = attach_prog(l->life->progs.holder_exit, d);
		if (!l->exit_link)
			return d->exit_status;
	} else if (!n && l->exit_link) {
		bpf_link__destroy(l->exit_link);
		l->exit_link = NULL;
	}
	if (l->hooks == WBW_HOOKS_TRACEPOINT && l->limit_ok) {
		/* holders' forks, followed while files are tracked: before the pass lists them */
		if (n && !l->fork_link) {
			l->fork_link = attach_prog(l->life->progs.holder_fork, d);
			if (!l->fork_link)
				return d->exit_status;
			/* forks before it was attached were not seen: this pass lists everyone */
			limit = false;
		} else if (!n && l->fork_link) {
			bpf_link__destroy(l->fork_link);
			l->fork_link = NULL;
			take_forked(l, &np);
		}
	}
	if (!n)
		return 0;
	if (limit)
		return limited_pass_and_closing(l, np, full, d);
	return pass_and_closing(l, d);
}

void wbw_loader__set_holders(struct wbw_loader *l, const uint32_t *holders, size_t n)
{
	if (l->life)
		sync_set(bpf_map__fd(l->life->maps.holders), holders, n, sizeof(*holders));
}

enum wbw_hooks wbw_loader__hooks(const struct wbw_loader *l)
{
	return l->hooks;
}

bool wbw_loader__fsync_seen(const struct wbw_loader *l, const char *fstype, const char **why)
{
	bool seen = false;

	if (why)
		*why = NULL;
	if (!fstype)
		return false;
	if (!strcmp(fstype, "ext4"))
		seen = l->fsync_fail_link != NULL;
	else if (!strcmp(fstype, "xfs"))
		seen = l->fsync_xfs_link != NULL;
	else if (!strcmp(fstype, "btrfs"))
		seen = l->fsync_btrfs_link != NULL;
	if (seen || !why)
		return seen;
	if (!l->life)
		*why = "the file-lifetime programs are not loaded";
	else if (!strcmp(fstype, "xfs") || !strcmp(fstype, "btrfs"))
		*why = l->fsync_fexit_why[0] ? l->fsync_fexit_why
					     : "not in the kernel, or its module was not loaded when the "
					       "watch started";
	else if (strcmp(fstype, "ext4"))
		*why = "its fsync has no tracepoint with the result, and no fexit program for it";
	return seen;
}

const char *wbw_loader__tp_mode(const struct wbw_loader *l)
{
	return prog_kind_name[l->kind];
}

/*
 * Running watchers' error-time maps, found by name among all BPF maps
 * (BPF_MAP_GET_NEXT_ID: needs CAP_SYS_ADMIN; without it, no ages).  Maps
 * live as long as their watcher: nothing is pinned, nothing left behind.
 */
static void find_err_time_maps(struct wbw_loader *l)
{
	struct bpf_map_info own = { 0 };
	__u32 len = sizeof(own), id = 0;

	l->n_err_maps = 0;
	bpf_obj_get_info_by_fd(bpf_map__fd(l->skel->maps.wbw_err_times), &own, &len);
	while (l->n_err_maps < WBW_WATCHERS_MAX && !bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = { 0 };
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone since, or not ours to open */
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.id == own.id ||
		    strcmp(info.name, WBW_ERR_TIMES_MAP) || info.key_size != sizeof(__u64) ||
		    info.value_size != sizeof(struct wbw_err_time)) {
			close(fd);
			continue;
		}
		l->err_map_fds[l->n_err_maps++] = fd;
	}
}

int wbw_loader__error_time(struct wbw_loader *l, uint64_t mapping, uint32_t eseq, uint64_t *ts_ns)
{
	if (l->n_err_maps < 0)
		find_err_time_maps(l);
	for (int i = 0; i < l->n_err_maps; i++) {
		struct wbw_err_time t;

		if (!bpf_map_lookup_elem(l->err_map_fds[i], &mapping, &t) &&
		    t.eseq == (eseq & ~WBW_ERRSEQ_SEEN)) {
			*ts_ns = t.ts_ns;
			return 1;
		}
	}
	return 0;
}

int wbw_loader__watchers(struct wbw_loader *l)
{
	if (l->n_err_maps < 0)
		find_err_time_maps(l);
	return l->n_err_maps;
}

void wbw_loader__free(struct wbw_loader *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n_err_maps; i++) /* none while n_err_maps is -1 */
		close(l->err_map_fds[i]);
	ring_buffer__free(l->rb);
	bpf_link__destroy(l->sync_link);
	bpf_link__destroy(l->dirty_link);
	bpf_link__destroy(l->dirtier_link);
	bpf_link__destroy(l->syncfs_link);
	bpf_link__destroy(l->fsync_fail_link);
	bpf_link__destroy(l->syncfs_xfs_link);
	bpf_link__destroy(l->syncfs_btrfs_link);
	bpf_link__destroy(l->look_link);
	bpf_link__destroy(l->fsync_xfs_link);
	bpf_link__destroy(l->fsync_btrfs_link);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(l->nfs_close_links[i]);
	bpf_link__destroy(l->exit_link);
	bpf_link__destroy(l->fork_link);
	free(l->pass_pids);
	bpf_link__destroy(l->release_link);
	bpf_link__destroy(l->iter_link);
	lifetime_bpf__destroy(l->life);
	wberrwatch_bpf__destroy(l->skel);
	free(l);
}

int wbw_loader__tree_add(struct wbw_loader *l, uint32_t pid)
{
	__u8 one = 1;

	return bpf_map_update_elem(bpf_map__fd(l->skel->maps.tree), &pid, &one, BPF_ANY) ? -errno
											   : 0;
}

bool wbw_loader__in_tree(const struct wbw_loader *l, uint32_t pid)
{
	__u8 v;

	return bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.tree), &pid, &v) == 0;
}

static int doctor_record(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

#define doctor_add wbw_doctor__add
struct wbw_doctor_check *wbw_doctor__add(struct wbw_doctor *r, const char *name, const char *role,
					 bool ok, const char *detail)
{
	struct wbw_doctor_check *c;

	if (r->nchecks == WBW_DOCTOR_MAX_CHECKS)
		return NULL;
	c = &r->checks[r->nchecks++];
	c->name = name;
	c->role = role;
	c->ok = ok;
	snprintf(c->detail, sizeof(c->detail), "%s", detail ? detail : "");
	return c;
}

void wbw_loader__doctor(struct wbw_doctor *r)
{
	static const char patch_absent[] = "not in this kernel (patches/README.md adds it)";
	static const struct {
		enum wbw_tp_mode mode;
		const char *name;
		const char *role;
	} modes[] = {
		{ WBW_TP_RAW, "raw_tp", "writeback error tracepoints (default)" },
		{ WBW_TP_BTF, "tp_btf", "writeback error tracepoints (--tp-mode btf)" },
		{ WBW_TP_CLASSIC, "tracepoint", "writeback error tracepoints (fallback)" },
	};
	struct wbw_loader *kept = NULL;
	struct wbw_loader_diag d;
	struct utsname uts;

	memset(r, 0, sizeof(*r));
	if (uname(&uts) == 0)
		snprintf(r->kernel, sizeof(r->kernel), "%s", uts.release);

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct wbw_loader_opts o = { .tp_mode = modes[i].mode,
					     .ringbuf_bytes = WBW_RINGBUF_DEFAULT,
					     .on_record = doctor_record,
					     .all_release_hooks = true };
		struct wbw_loader *l = wbw_loader__new(&o, &d);

		doctor_add(r, modes[i].name, modes[i].role, l != NULL, l ? NULL : d.msg);
		if (!l && (d.exit_status == WBW_EXIT_NO_PRIVILEGE || d.exit_status == WBW_EXIT_NO_BTF ||
			   d.exit_status == WBW_EXIT_NO_TRACEPOINT)) {
			/* the same answer for every kind: say it once */
			r->exit_status = d.exit_status;
			snprintf(r->fix, sizeof(r->fix), "%s", d.msg);
			return;
		}
		if (l && !r->would_use_tp && modes[i].mode != WBW_TP_BTF)
			r->would_use_tp = prog_kind_name[l->kind];
		if (l && !kept)
			kept = l;
		else
			wbw_loader__free(l);
	}
	if (!kept) {
		r->exit_status = WBW_EXIT_FAILURE;
		snprintf(r->fix, sizeof(r->fix), "no program kind loads here (run with -v)");
		return;
	}
	/* `run` loads what a watch does plus the fork hook: try exactly that */
	{
		struct wbw_loader_opts o = { .tp_mode = WBW_TP_AUTO,
					     .ringbuf_bytes = WBW_RINGBUF_DEFAULT,
					     .on_record = doctor_record,
					     .track_tree = true };
		struct wbw_loader *l = wbw_loader__new(&o, &d);

		doctor_add(r, "sched_process_fork", "run: the command's process tree (raw_tp)",
			   l != NULL, l ? NULL : d.msg);
		r->run_ok = l != NULL;
		wbw_loader__free(l);
	}
	doctor_add(r, "tracefs", "only --tp-mode classic needs it", tracefs_mounted(),
		   tracefs_mounted() ? NULL : "not mounted: every other mode works without it");
	if (wbw_loader__lifetime_prepare(kept, &d) == 0) {
		struct bpf_link *exit_link = bpf_program__attach(kept->life->progs.holder_exit);
		struct bpf_link *release_link = NULL;
		int retry = wbw_loader__retry_hooks(kept, true, NULL, 0, &d);

		doctor_add(r, "iter/task_file", "open files on a failing mapping (lifetime; scan)",
			   true, NULL);
		r->scan_ok = true;
		doctor_add(r, "sched_process_exit", "release by exit (--hooks=tracepoint)",
			   exit_link != NULL, exit_link ? NULL : strerror(errno));
		/* loaded and attached by the watch's own loader when the kernel allows it */
		doctor_add(r, "first_look", "the kernel lists an error's files at once (busy hosts)",
			   kept->look_link != NULL,
			   kept->look_link ? NULL
			   : kept->look_why[0]
				   ? kept->look_why
				   : "needs Linux 6.7+ (bpf_iter_task) or WBERRWATCH_NO_KERNEL_LOOK is set: "
				     "the watcher's first pass is the first look");
		struct bpf_link *event_link = NULL;

		if (kept->fentry_ok) {
			release_link = bpf_program__attach(kept->life->progs.release_fput);
			doctor_add(r, "fentry/__fput", "exact file release (--hooks=fentry)",
				   release_link != NULL, release_link ? NULL : strerror(errno));
		} else {
			/* why the loader's own start-up probe refused it */
			doctor_add(r, "fentry/__fput", "exact file release (--hooks=fentry)", false,
				   kept->fentry_why);
		}
		if (kept->release_event) {
			event_link = bpf_program__attach(kept->life->progs.release_unreported);
			doctor_add(r, "file_release_unreported_wb_err",
				   "the kernel's unreported release (--hooks=kernel; patches/0001)",
				   event_link != NULL, event_link ? NULL : strerror(errno));
		} else {
			doctor_add(r, "file_release_unreported_wb_err",
				   "the kernel's unreported release (--hooks=kernel; patches/0001)", false,
				   patch_absent);
		}
		r->would_use_hooks = event_link ? "kernel" : release_link ? "fentry" : "tracepoint";
		bpf_link__destroy(event_link);
		bpf_link__destroy(release_link);
		doctor_add(r, "ext4_sync_file_exit", "fsync results (RETRIED; ext4)", retry == 0,
			   retry ? d.msg : NULL);
		doctor_add(r, "writeback_mark_inode_dirty", "rewrites (RETRIED), writers (--name-writers)",
			   retry == 0, retry ? d.msg : NULL);
		/* attached with the lifetime programs, which do not load without it */
		doctor_add(r, "ext4_sync_fs", "errors told by syncfs(2) (ext4)",
			   kept->syncfs_link != NULL, NULL);
		doctor_add(r, "ext4_sync_file_exit.failed", "every failed fsync, errseq or not (ext4)",
			   kept->fsync_fail_link != NULL, NULL);
		/* fentry hooks only: attached with the lifetime programs where a watch would */
		{
			const char *why;
			bool ok = wbw_loader__fsync_seen(kept, "xfs", &why);

			doctor_add(r, "fexit/xfs_file_fsync", "fsync results (RETRIED, failed fsyncs; XFS)",
				   ok, why);
			ok = wbw_loader__fsync_seen(kept, "btrfs", &why);
			doctor_add(r, "fexit/btrfs_sync_file",
				   "fsync results (RETRIED, failed fsyncs; btrfs)", ok, why);
		}
		/*
		 * close(2) on NFS: only where the kernel has NFS (a host without
		 * it has nothing to fix); fentry refused, or a flush function
		 * missing from the module's BTF, is said here.
		 */
		if (kept->nfs_close_present) {
			bool nfs_ok = (!kept->nfs_close[0] || (kept->nfs_close_links[0] &&
							       kept->nfs_close_links[1])) &&
				      (!kept->nfs_close[1] || (kept->nfs_close_links[2] &&
							       kept->nfs_close_links[3])) &&
				      (kept->nfs_close[0] || kept->nfs_close[1]);

			doctor_add(r, "nfs_file_flush", "errors told by close(2) on NFS (fentry/fexit)",
				   nfs_ok,
				   nfs_ok ? NULL
					  : "fentry/fexit on nfs_file_flush or nfs4_file_flush did not "
					    "load: close(2) on NFS is not seen (docs/limits.md)");
		}
		bpf_link__destroy(exit_link);
		wbw_loader__retry_hooks(kept, false, NULL, 0, &d);
		r->would_use_lifetime = "iter";
	} else {
		doctor_add(r, "iter/task_file", "open files on a failing mapping (lifetime; scan)",
			   false, d.msg);
	}
	/* read by the classic set program (the others read the mapping itself) */
	doctor_add(r, "filemap_set_wb_err.new_errseq",
		   "the set event's value after and errno (patches/0002; classic programs)",
		   kept->set_event_v2, kept->set_event_v2 ? NULL : patch_absent);
	wbw_loader__free(kept);
}
