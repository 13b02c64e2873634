// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The pipeline the watching commands share (app.h): state, sinks, the poll
 * loop's round, metrics, start and end of a watch, one cleanup.
 */
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "app.h"
#include "cgroup.h"
#include "httpd.h"
#include "run.h"

static volatile sig_atomic_t exiting, stop_signal, reopen_output;

static void on_stop_signal(int sig)
{
	exiting = 1;
	stop_signal = sig;
}

static void on_hangup(int sig)
{
	(void)sig;
	reopen_output = 1;
}

/* How often --metrics-file is rewritten (and once more at exit). */
#define METRICS_INTERVAL_NS (10ull * 1000 * 1000 * 1000)

uint64_t wbw_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *ctx, const void *data, size_t len)
{
	struct wbw_app *app = ctx;
	char mount_path[4096]; /* PATH_MAX */
	struct wbw_ev ev;

	if (wbw_decode(data, len, &app->dec, &ev) != WBW_DECODE_OK) {
		app->decode_errors++;
		return 0;
	}
	/*
	 * A holder's container, looked up while it still stands: a container
	 * whose process exits right after the error is removed soon after, and
	 * its cgroup with it (cached per cgroup id; the pass lists only files
	 * of failing mappings).
	 */
	if (ev.kind == WBW_EV_FILE)
		wbw_containers__get(app->containers, ev.task.cgroup_id);
	/*
	 * A path under its mount point now, as the error comes: its verdict
	 * may come after the filesystem is unmounted, or after another one
	 * with the same device number is mounted elsewhere (issue 14).
	 */
	if (ev.kind == WBW_EV_PATH && ev.path.fs_path[0] &&
	    wbw_mounts__resolve(&app->mounts, ev.dev, ev.path.fs_path, mount_path, sizeof(mount_path),
				(int64_t)ev.ts_ns) == 0)
		ev.path.mount_path = mount_path;
	wbw_corr__push(app->corr, &ev);
	return 0;
}

static void sink_error(void *ctx, const struct wbw_error *e)
{
	struct wbw_app *app = ctx;

	/* the kernel filters what it can; classic programs learn the errno later */
	if (app->filter_errno && e->err != app->filter_errno)
		return;
	/* while the writer's container still stands: its verdict may come after it is gone */
	if (e->writer_known)
		wbw_containers__get(app->containers, e->writer.cgroup_id);
	/* a process filter keeps errors whose writer it matches (writers are named then) */
	if (!wbw_procfilter__match(&app->procs, e->writer_known ? &e->writer : NULL))
		return;
	wbw_metrics__error(&app->metrics, e);
	/* run: the verdicts say what matters; other processes' errors are noise */
	if (!app->run)
		wbw_output__error(&app->out, e);
}

static void sink_observe(void *ctx, const struct wbw_observation *o)
{
	struct wbw_app *app = ctx;

	if (app->filter_errno && o->err != app->filter_errno)
		return;
	wbw_containers__get(app->containers, o->task.cgroup_id);
	if (!wbw_procfilter__match(&app->procs, &o->task))
		return;
	if (!app->run)
		wbw_output__observe(&app->out, o);
}

static void sink_fsync_failure(void *ctx, const struct wbw_fsync_failure *f)
{
	struct wbw_app *app = ctx;

	wbw_containers__get(app->containers, f->task.cgroup_id);
	if (!wbw_procfilter__match(&app->procs, &f->task))
		return;
	if (!app->run)
		wbw_output__fsync_failure(&app->out, f);
	else if (app->report.out && wbw_loader__in_tree(app->loader, f->task.pid))
		wbw_output__fsync_failure(&app->report, f); /* the command's own */
}

/*
 * run: is the verdict about the command's processes?  File verdicts name
 * the process that held or was told; error verdicts the writer.
 */
static bool about_run(const struct wbw_app *app, const struct wbw_verdict *v)
{
	const struct wbw_task *t = wbw_verdict__process(v);

	return t && wbw_loader__in_tree(app->loader, t->pid);
}

/*
 * The application a process belongs to, for verdicts about releases: in
 * run, the command's whole process tree is one; otherwise the process's
 * cgroup v2 (wbw_app_default), or the process itself with --per-process.
 */
static uint64_t app_of(void *ctx, const struct wbw_task *t)
{
	struct wbw_app *app = ctx;

	if (app->run && wbw_loader__in_tree(app->loader, t->pid))
		return WBW_APP_RUN_TREE;
	return app->cli->per_process ? WBW_APP_PROCESS(t->pid) : wbw_app_default(t);
}

/*
 * A process alone in its application runs while its pid does (EPERM: it
 * runs, as someone else); a cgroup or run's tree is taken to run on.
 */
static bool app_alive(void *ctx, uint64_t app)
{
	(void)ctx;
	if (!(app & WBW_APP_PROCESS_BIT))
		return true;
	return kill((pid_t)(app & ~WBW_APP_PROCESS_BIT), 0) == 0 || errno == EPERM;
}

static void sink_verdict(void *ctx, const struct wbw_verdict *v)
{
	struct wbw_app *app = ctx;

	if (app->filter_errno && v->error->err != app->filter_errno)
		return;
	if (!wbw_procfilter__match(&app->procs, wbw_verdict__process(v)))
		return;
	if (app->run) {
		if (!about_run(app, v))
			return;
		/* counted once decided: a provisional one, or one restated, is not */
		if (wbw_verdict_decided(v))
			app->run_verdicts[v->kind]++;
		if (app->report.out)
			wbw_output__verdict(&app->report, v);
	}
	{
		const struct wbw_task *t = wbw_verdict__process(v);

		wbw_metrics__verdict(&app->metrics, v,
				     t ? wbw_containers__get(app->containers, t->cgroup_id) : NULL);
	}
	wbw_output__verdict(&app->out, v);
}

/* counters kept outside the metrics: the correlator's and the kernel's */
static void refresh_metrics(struct wbw_app *app)
{
	struct wbw_corr_stats st;

	wbw_corr__stats(app->corr, &st);
	app->metrics.set_events = st.set_events;
	app->metrics.observations = st.observations;
	app->metrics.tracked_files = st.tracked_files;
	app->metrics.files_dropped = st.files_dropped;
	app->metrics.unreported_pending = st.provisional;
	app->metrics.handovers = st.handovers;
	app->metrics.failed_fsyncs_errseq = st.fsync_failures_errseq;
	app->metrics.failed_fsyncs_other = st.fsync_failures_other;
	wbw_loader__lost(app->loader, app->metrics.lost);
}

/* --listen: a scrape gets the counters as of now */
static char *metrics_body(void *ctx, size_t *len)
{
	struct wbw_app *app = ctx;

	refresh_metrics(app);
	return wbw_metrics__render(&app->metrics, len);
}

/* --metrics-file: refresh, then write. */
static void write_metrics(struct wbw_app *app, uint64_t now, bool force)
{
	int err;

	if (!app->metrics_file || app->metrics_failed ||
	    (!force && now - app->last_metrics_ns < METRICS_INTERVAL_NS))
		return;
	app->last_metrics_ns = now;
	refresh_metrics(app);
	err = wbw_metrics__write(&app->metrics, app->metrics_file);
	if (err) {
		/* say it once; the watch goes on */
		fprintf(stderr, "wberrwatch: cannot write --metrics-file %s: %s\n", app->metrics_file,
			strerror(-err));
		app->metrics_failed = true;
	}
}

/*
 * Set how the watcher is scheduled; returns the boost it got.  SCHED_FIFO
 * preempts normal tasks at once when the ring buffer wakes it: at nice -20
 * the scheduler may still let a busy task finish its slice first (EEVDF's
 * RUN_TO_PARITY), milliseconds in which a holder closes its file unseen.
 * SCHED_RESET_ON_FORK: what the watcher starts (run's command, its sync)
 * runs as a normal task at nice 0.
 */
static int watcher_priority(int want)
{
	struct sched_param fifo = { .sched_priority = WBW_WATCHER_RTPRIO }, other = { 0 };

	if (want == WBW_BOOST_FIFO && !sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo))
		return WBW_BOOST_FIFO;
	sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &other);
	if (want != WBW_BOOST_NONE && !setpriority(PRIO_PROCESS, 0, WBW_WATCHER_NICE))
		return WBW_BOOST_NICE;
	setpriority(PRIO_PROCESS, 0, 0);
	return WBW_BOOST_NONE;
}

/*
 * List the open files on mappings with a tracked error: at once when a new
 * error hit (its files must be found before they are closed), then every
 * pass interval while files are tracked.
 *
 * A first look lists every process: who held the file when the error hit
 * is not known otherwise.  The passes after it list only the processes
 * holding tracked files, and the children they fork, where the kernel can
 * (wbw_loader__can_limit): on a host with 400,000 open files a pass over
 * all of them cost the watcher half a core at one pass every 100 ms
 * (issue 15).  Absence from such a pass is not trusted on its own: if it
 * misses a file still due, every process is listed before the pass ends,
 * so a release is concluded from exactly what a full pass would show.
 */
/*
 * When the next pass must list every process.  While a tracked error is
 * unseen, a process that opens the file now is due to be told it (errseq
 * since 4.17 reports an unseen error to the next opener), and only a pass
 * over every process finds it: as often as passes were made before (100
 * ms), unless that would take more than 1/WBW_FULL_PASS_DUTY of the time
 * (a pass over 400,000 open files takes about 50 ms: one every 5 s).  Once
 * every tracked error was seen, new openers are not due (they sample the
 * seen value), and only a descriptor passed to another process needs a
 * full pass to be known: WBW_FULL_PASS_INTERVAL_NS.
 */
static uint64_t full_pass_interval(const struct wbw_app *app)
{
	uint64_t t = app->last_full_took_ns * WBW_FULL_PASS_DUTY;

	if (!wbw_corr__unseen_tracked(app->corr))
		/*
		 * Just seen: the files opened while it was unseen are due too,
		 * and only a pass over every process finds them.  At once.
		 */
		return app->had_unseen ? 0 : WBW_FULL_PASS_INTERVAL_NS;
	return t > WBW_PASS_INTERVAL_NS ? t : WBW_PASS_INTERVAL_NS;
}

static void lifetime_pass(struct wbw_app *app, uint64_t now)
{
	struct wbw_loader_diag diag;
	struct wbw_corr_stats st;
	uint64_t took;
	size_t n, nh;
	bool relaxed, full, fresh;

	if (app->lifetime_failed)
		return;
	if (!app->pass_interval_ns)
		app->pass_interval_ns = WBW_PASS_INTERVAL_NS;
	if (!wbw_corr__needs_pass(app->corr)) {
		/*
		 * Nothing to list.  The release hooks stay attached while files
		 * are tracked, and go (one empty pass) when none are.
		 */
		if (!app->watching || wbw_corr__tracking(app->corr))
			return;
	} else if (!wbw_corr__has_new_error(app->corr) &&
		   now - app->last_pass_ns < app->pass_interval_ns &&
		   now - app->last_full_ns < full_pass_interval(app)) {
		return;
	}
	app->last_pass_ns = now;
	fresh = wbw_corr__has_new_error(app->corr);
	/*
	 * Only the first look at a new error races the holders: the passes
	 * that follow tracked files run at normal priority, so that the work
	 * of the host is not put behind them (the open+close loop of
	 * bench/overhead.sh, pinned to a CPU, ran 1.11x slower with an error
	 * pending at nice -20 against 1.03x at 0, one run each).  Where the
	 * kernel made the first look (a timer at the error, in slices of at
	 * most 1 ms), the watcher's first pass races nobody either: at
	 * 400,000 open files it is 105 ms of CPU that no task should wait
	 * behind a real-time one for.
	 */
	relaxed = app->boosted && (!fresh || app->kernel_look);
	if (relaxed)
		watcher_priority(WBW_BOOST_NONE);
	n = wbw_corr__snapshot_begin(app->corr, app->watched, WBW_WATCHED_MAX);
	nh = wbw_corr__holders(app->corr, app->holders, WBW_HOLDERS_MAX);
	full = fresh || now - app->last_full_ns >= full_pass_interval(app);
	if (wbw_loader__lifetime_pass(app->loader, app->watched, n, app->holders, nh, &full,
				      &diag)) {
		/* errors and observations still work; say once what is missing */
		fprintf(stderr, "wberrwatch: %s\n", diag.msg);
		app->lifetime_failed = true;
		return;
	}
	app->watching = n > 0;
	/* exits (and releases) queued while the pass ran belong to this pass */
	wbw_loader__drain(app->loader);
	if (n && !full) {
		app->limited_passes++;
		if (wbw_corr__pass_missing(app->corr)) {
			/* a file the holders let go of: gone from every table, or elsewhere? */
			if (wbw_loader__full_pass(app->loader, &diag)) {
				fprintf(stderr, "wberrwatch: %s\n", diag.msg);
				app->lifetime_failed = true;
				return;
			}
			wbw_loader__drain(app->loader);
			app->confirm_passes++;
			full = true;
		}
	} else if (n) {
		app->full_passes++;
	}
	if (full) {
		app->last_full_ns = now;
		app->last_full_took_ns = wbw_now_ns(CLOCK_MONOTONIC) - now;
		app->had_unseen = wbw_corr__unseen_tracked(app->corr);
	}
	wbw_corr__snapshot_end(app->corr, wbw_now_ns(CLOCK_MONOTONIC));
	/*
	 * The holders were taken before the pass, which may have found new
	 * ones (a new error's first pass finds them all): without this their
	 * exit would go unnoticed until the next pass and be taken for a close.
	 */
	nh = 0;
	if (n && wbw_loader__hooks(app->loader) == WBW_HOOKS_TRACEPOINT) {
		nh = wbw_corr__holders(app->corr, app->holders, WBW_HOLDERS_MAX);
		wbw_loader__set_holders(app->loader, app->holders, nh);
	}
	/*
	 * The next pass: sooner after a change, later while the same files
	 * stay due with the same holders (their fsync is seen as it happens,
	 * their exit by the exit hook; only a close waits for a pass), and
	 * never so soon that passes take more than 1/WBW_PASS_DUTY of the time.
	 */
	wbw_corr__stats(app->corr, &st);
	if (fresh || st.tracked_files != app->last_tracked || nh != app->last_nholders)
		app->pass_interval_ns = WBW_PASS_INTERVAL_NS;
	else if (app->pass_interval_ns < WBW_PASS_INTERVAL_MAX_NS)
		app->pass_interval_ns *= 2;
	if (app->pass_interval_ns > WBW_PASS_INTERVAL_MAX_NS)
		app->pass_interval_ns = WBW_PASS_INTERVAL_MAX_NS;
	took = wbw_now_ns(CLOCK_MONOTONIC) - now;
	/* a full pass has a cadence of its own (full_pass_interval) */
	if (!full && app->pass_interval_ns < took * WBW_PASS_DUTY)
		app->pass_interval_ns = took * WBW_PASS_DUTY;
	app->last_tracked = st.tracked_files;
	app->last_nholders = nh;
	/* back to waiting for the next error at the watcher's priority (CAP_SYS_NICE, kept) */
	if (relaxed)
		watcher_priority(app->boosted);
}

/*
 * Retry hooks on while errors are pending or watched (attached before a
 * caller can be told, so an immediate retry is seen), and the kernel told
 * which inodes need no watching any more.
 */
static void retry_hooks(struct wbw_app *app)
{
	struct wbw_loader_diag diag;
	bool on = wbw_corr__retry_active(app->corr);
	size_t n = wbw_corr__retry_disarmed(app->corr, app->watched, WBW_WATCHED_MAX);

	if (app->lifetime_failed || (!on && !n && !app->retry_on))
		return;
	if (wbw_loader__retry_hooks(app->loader, on, app->watched, n, &diag)) {
		fprintf(stderr, "wberrwatch: %s\n", diag.msg);
		app->lifetime_failed = true;
		return;
	}
	app->retry_on = on;
}

/* output's question: is what fsync returns seen on this filesystem type? */
static bool app_fsync_seen(void *ctx, const char *fstype)
{
	const struct wbw_app *app = ctx;

	return app->loader && wbw_loader__fsync_seen(app->loader, fstype, NULL);
}

/* --container: the cgroup is (in) a container of that id or name */
static bool in_container(void *ctx, uint64_t cgroup_id)
{
	struct wbw_app *app = ctx;
	const struct wbw_container *c = wbw_containers__get(app->containers, cgroup_id);

	return c && wbw_container_matches(c, app->cli->filter_container);
}

/* --pid, --comm, --cgroup, --container: checked here, where the system can be asked */
static int setup_procfilter(struct wbw_app *app, struct wbw_cli *cli, char *err, size_t errlen)
{
	struct wbw_procfilter *f = &app->procs;
	char cgroot[4096];

	/* container names for every record; none without a cgroup v2 hierarchy */
	if (!wbw_cgroup2_mount(cgroot, sizeof(cgroot)))
		app->containers = wbw_containers__new(cgroot, "");
	if (cli->filter_container) {
		if (!app->containers) {
			snprintf(err, errlen,
				 "--container '%s': no cgroup v2 hierarchy is mounted (containers are "
				 "found by their cgroup)", cli->filter_container);
			return WBW_EXIT_USAGE;
		}
		f->container_in = in_container;
		f->container_ctx = app;
	}

	if (cli->filter_pid) {
		/* EPERM: it exists but is not ours to signal */
		if (kill((pid_t)cli->filter_pid, 0) && errno == ESRCH) {
			snprintf(err, errlen, "invalid --pid '%u': no such process", cli->filter_pid);
			return WBW_EXIT_USAGE;
		}
		f->pid = cli->filter_pid;
	}
	if (cli->filter_comm)
		snprintf(f->comm, sizeof(f->comm), "%s", cli->filter_comm);
	if (cli->cgroup_path) {
		app->cgroups = wbw_cgroup_tree__new(cli->cgroup_path, err, errlen);
		if (!app->cgroups)
			return WBW_EXIT_USAGE;
		f->cgroup_in = wbw_cgroup_tree__contains;
		f->cgroup_ctx = app->cgroups;
	}
	/* UNSEEN and SUPERSEDED verdicts are about the writer: name it */
	if (wbw_procfilter__active(f))
		cli->name_writers = true;
	return WBW_EXIT_OK;
}

/*
 * btrfs: stat(2) gives each subvolume's own anonymous device (st_dev, the
 * top-level one's included), while the kernel's events carry the
 * superblock's (inode->i_sb->s_dev), which mountinfo shows: --mount on a
 * btrfs takes the device of the mount PATH is under (the longest mount
 * point that is a whole-component prefix of its real path), as
 * docs/limits.md says.  Seen on 6.18: --mount gave 0:44 for a btrfs whose
 * errors came as 0:43, and the watch saw none of them.
 */
static void btrfs_mount_dev(struct wbw_cli *cli)
{
	struct wbw_mounts m = { 0 };
	const struct wbw_mount *best = NULL;
	char *real = realpath(cli->mount_path, NULL);
	size_t best_len = 0;

	if (!real || wbw_mounts__load(&m)) {
		free(real);
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		const char *mp = m.v[i].mountpoint;
		size_t len = mp ? strlen(mp) : 0;

		if (!len || strncmp(real, mp, len) ||
		    (real[len] != '/' && real[len] != '\0' && strcmp(mp, "/")))
			continue;
		if (len >= best_len) { /* the later of equal mount points is on top */
			best = &m.v[i];
			best_len = len;
		}
	}
	if (best && best->fstype && !strcmp(best->fstype, "btrfs"))
		cli->filter_dev = best->dev;
	wbw_mounts__free(&m);
	free(real);
}

/* --mount: the device of the filesystem PATH is on */
static int resolve_mount(struct wbw_cli *cli, char *err, size_t errlen)
{
	struct stat st;

	if (!cli->mount_path)
		return WBW_EXIT_OK;
	if (stat(cli->mount_path, &st)) {
		snprintf(err, errlen, "invalid --mount '%s': %s", cli->mount_path, strerror(errno));
		return WBW_EXIT_USAGE;
	}
	/* the kernel's own encoding of the filesystem's device */
	cli->filter_dev = wbw_dev_make(major(st.st_dev), minor(st.st_dev));
	btrfs_mount_dev(cli);
	return WBW_EXIT_OK;
}

/*
 * --output FILE.  O_APPEND: every line lands at the file's end whoever else
 * writes or truncates it (logrotate's copytruncate); 0644 as a log is.
 */
static FILE *open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

/*
 * SIGHUP: logrotate moved FILE away (or will delete it); the next line goes
 * to a FILE opened anew.  Each line was written whole and flushed
 * (emit_line), so the old file ends with the last line before the switch
 * and the new one begins with the next: none lost, none in both.  If FILE
 * cannot be opened, the lines keep going where they went.
 */
static void reopen_output_file(struct wbw_app *app)
{
	const char *path = app->cli->output_file;
	FILE *f;

	reopen_output = 0;
	if (!path || app->out.broken)
		return;
	f = open_output(path);
	if (!f) {
		fprintf(stderr, "wberrwatch: SIGHUP: cannot reopen --output %s: %s; still writing to "
				"the file open before\n", path, strerror(errno));
		return;
	}
	/* everything was flushed: a failure here can only be the close's own */
	if (fclose(app->out.out))
		fprintf(stderr, "wberrwatch: SIGHUP: closing the previous --output %s: %s\n", path,
			strerror(errno));
	app->out.out = f;
}

struct wbw_app *wbw_app__new(struct wbw_cli *cli, int *rc)
{
	struct wbw_app *app = calloc(1, sizeof(*app)); /* large: watched and holder lists */
	char err[512];

	if (!app) {
		fprintf(stderr, "wberrwatch: out of memory\n");
		*rc = WBW_EXIT_FAILURE;
		return NULL;
	}
	app->cli = cli;
	app->run = cli->command == WBW_CMD_RUN;
	wbw_output__init(&app->out, stdout, cli->json, &app->mounts,
			 (int64_t)(wbw_now_ns(CLOCK_REALTIME) - wbw_now_ns(CLOCK_MONOTONIC)));
	app->filter_errno = cli->filter_errno;
	*rc = WBW_EXIT_OK;
	/* first: a later failure's fatal record belongs in the file */
	if (cli->output_file) {
		FILE *f = open_output(cli->output_file);

		if (f) {
			app->out.out = f;
		} else {
			snprintf(err, sizeof(err), "cannot open --output %s: %s", cli->output_file,
				 strerror(errno));
			*rc = WBW_EXIT_FAILURE;
		}
	}
	if (!*rc)
		*rc = resolve_mount(cli, err, sizeof(err));
	if (!*rc)
		*rc = setup_procfilter(app, cli, err, sizeof(err));
	/* before loading anything: a port in use fails fast; a port below 1024 binds while root */
	if (!*rc && cli->listen) {
		app->httpd = wbw_httpd__new(&cli->listen_addr, cli->listen_addr_len, metrics_body, app,
					    err, sizeof(err));
		if (!app->httpd)
			*rc = WBW_EXIT_FAILURE;
	}
	if (*rc) {
		wbw_output__fatal(&app->out, *rc, err);
		wbw_app__free(app);
		return NULL;
	}
	return app;
}

static void install_signals(const struct wbw_cli *cli)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	/*
	 * logrotate's move-then-HUP: reopen --output in the poll loop.  Without
	 * a file to reopen a hangup keeps its default action, as before.
	 */
	if (cli->output_file) {
		struct sigaction hup = { .sa_handler = on_hangup };

		sigemptyset(&hup.sa_mask);
		sigaction(SIGHUP, &hup, NULL);
	}
	sigaction(SIGTERM, &sa, NULL);
	/* the first Ctrl-C stops cleanly; a second one kills at once */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	/* a closed pipe shows up as EPIPE on write and ends the watch quietly */
	signal(SIGPIPE, SIG_IGN);
}

int wbw_app__load(struct wbw_app *app)
{
	const struct wbw_cli *cli = app->cli;
	struct wbw_loader_opts opts = {
		.tp_mode = cli->tp_mode, .hooks = cli->hooks, .verbose = cli->verbose,
		/* filtered in the kernel */
		.filter_dev = cli->filter_dev, .filter_errno = cli->filter_errno,
		.ringbuf_bytes = cli->ringbuf_bytes,
		.name_writers = cli->name_writers, .track_tree = app->run,
		.on_record = on_record, .ctx = app,
	};
	struct wbw_loader_diag diag;

	install_signals(cli);
	/* in a container with the host's PID namespace: the host's paths */
	app->mounts.path = wbw_mounts__host_table();
	wbw_mounts__load(&app->mounts); /* paths are best effort: a failure only loses them */
	/* set here: run opens its outputs anew after wbw_app__new() */
	app->out.container_of = app->report.container_of = wbw_containers__get;
	app->out.container_ctx = app->report.container_ctx = app->containers;
	app->out.fsync_seen = app->report.fsync_seen = app_fsync_seen;
	app->out.fsync_ctx = app->report.fsync_ctx = app;

	app->loader = wbw_loader__new(&opts, &diag);
	if (!app->loader) {
		wbw_output__fatal(&app->out, diag.exit_status, diag.msg);
		return diag.exit_status;
	}
	/* records wait in the ring buffer until the loop drains it: no event is missed */
	app->corr = wbw_corr__new(
		&(struct wbw_corr_opts){
			.settle_ns = cli->settle_ms * 1000000ull,
			.all_files = cli->all_files,
			.release_events = wbw_loader__hooks(app->loader) != WBW_HOOKS_TRACEPOINT,
			.app_of = app_of,
			.app_alive = app_alive,
			.app_ctx = app,
			.handover_ns = (uint64_t)cli->handover_ms * 1000000ull },
		&(struct wbw_corr_sink){ .on_error = sink_error,
					 .on_observe = sink_observe,
					 .on_fsync_failure = sink_fsync_failure,
					 .on_verdict = sink_verdict,
					 .ctx = app });
	if (!app->corr) {
		wbw_output__fatal(&app->out, WBW_EXIT_FAILURE, "out of memory");
		return WBW_EXIT_FAILURE;
	}
	return WBW_EXIT_OK;
}

/* catch-up: one lagging open file found at start-up */
static int adopt_row(void *ctx, const void *data, size_t len)
{
	struct wbw_app *app = ctx;
	char link[64], path[4096], fs_path[4096];
	uint64_t hit = 0;
	struct wbw_ev ev;
	ssize_t n;

	if (wbw_decode(data, len, NULL, &ev) != WBW_DECODE_OK || ev.kind != WBW_EV_FILE) {
		app->decode_errors++;
		return 0;
	}
	/* --dev and --mount: what the kernel filters for live errors */
	if (app->cli->filter_dev && ev.dev != app->cli->filter_dev)
		return 0;
	app->caught_up_files++;
	/* errseq_t keeps no time: a watcher running when it hit timed it */
	if (!wbw_loader__error_time(app->loader, ev.mapping, ev.file.mapping_eseq, &hit))
		hit = 0;
	/* no path record comes for an old error: the holder's descriptor names it */
	snprintf(link, sizeof(link), "/proc/%u/fd/%u", ev.task.pid, ev.file.fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0)
		path[n] = '\0';
	if (wbw_corr__adopt(app->corr, &ev, hit,
			    n > 0 && !wbw_mounts__fs_path(&app->mounts, ev.dev, path, fs_path,
							  sizeof(fs_path))
				    ? fs_path
				    : NULL))
		app->caught_up_errors++;
	return 0;
}

/*
 * Errors older than the watch (a restart, an upgrade): every open file whose
 * cursor lags an error on its mapping, found by the pass `scan` makes, and
 * those errors taken on as if they had just hit.  An error whose every file
 * was released before the watch began leaves nothing to find.
 */
static void catch_up(struct wbw_app *app)
{
	struct wbw_loader_diag diag;

	if (wbw_loader__scan(app->loader, adopt_row, app, &diag)) {
		fprintf(stderr, "wberrwatch: cannot look for errors older than the watch: %s\n",
			diag.msg);
		return;
	}
	/* list their files at once: the holders may close them any moment */
	if (app->caught_up_errors)
		lifetime_pass(app, wbw_now_ns(CLOCK_MONOTONIC));
}

void wbw_app__start(struct wbw_app *app)
{
	const struct wbw_cli *cli = app->cli;
	struct wbw_loader_diag diag;
	struct wbw_start_info start;
	struct wbw_first_look look;
	struct utsname uts;

	/*
	 * The first look at an error's open files races every holder's close:
	 * with --hooks=tracepoint a file released before that pass is seen by
	 * nothing.  On a busy host a watcher at normal priority wakes late, so
	 * it waits at a real-time priority, else at nice -20 (CAP_SYS_NICE,
	 * taken before the capabilities go; without it the watch runs at the
	 * priority it has).  It sleeps in poll() but for its passes, and the
	 * passes that follow a first look run as a normal task.
	 */
	app->boosted = watcher_priority(WBW_BOOST_FIFO);

	/*
	 * Before the start record and the banner: they tell users and tests
	 * that everything a watch uses is attached.
	 */
	if ((cli->duration_ms != 0 || app->run) && wbw_loader__lifetime_prepare(app->loader, &diag)) {
		/* errors and observations still work; say what is missing */
		fprintf(stderr, "wberrwatch: %s\n", diag.msg);
		app->lifetime_failed = true;
	}
	if ((cli->duration_ms != 0 || app->run) && !app->lifetime_failed)
		catch_up(app);
#ifdef __GLIBC__
	/*
	 * libbpf parsed the kernel's full BTF to load the lifetime programs
	 * (about 11 MiB) and freed it; glibc keeps freed heap mapped.  Give it
	 * back before the watch begins: what stays resident is then the
	 * watch's own state (issue 15: 100,000 tracked files within 20 MiB).
	 */
	malloc_trim(0);
#endif

	uname(&uts);
	wbw_loader__first_look(app->loader, &look);
	app->kernel_look = look.kernel;
	if (look.why_not[0])
		fprintf(stderr, "wberrwatch: %s; the watcher's pass is the first look at an error's "
				"files\n", look.why_not);
	start = (struct wbw_start_info){
		.version = WBW_VERSION,
		.kernel = uts.release,
		.tp_mode = wbw_loader__tp_mode(app->loader),
		.lifetime = "iter", /* the first listing of an error's files, either way */
		.hooks = wbw_hooks_name(wbw_loader__hooks(app->loader)),
		.filter_dev = cli->filter_dev,
		.filter_errno = cli->filter_errno,
		.filter_pid = cli->filter_pid,
		.filter_comm = cli->filter_comm,
		.filter_cgroup = cli->cgroup_path,
		.filter_container = cli->filter_container,
		.listen = cli->listen,
		.settle_ms = cli->settle_ms,
		.ringbuf_bytes = cli->ringbuf_bytes,
		.caught_up_errors = app->caught_up_errors,
		.caught_up_files = app->caught_up_files,
		.priority = app->boosted == WBW_BOOST_FIFO ? "fifo"
			    : app->boosted == WBW_BOOST_NICE ? "nice"
							     : "normal",
		.first_look = look.kernel ? "kernel" : "watcher",
	};
	for (int i = 0; i < WBW_FSYNC_FS_N; i++)
		start.fsync_seen[i] =
			wbw_loader__fsync_seen(app->loader, wbw_fsync_fs[i], &start.fsync_why[i]);
	if (app->report.out)
		wbw_output__start(&app->report, &start);
	else if (!app->run)
		wbw_output__start(&app->out, &start);
	app->metrics_file = cli->metrics_file;
	app->metrics.version = WBW_VERSION;
	app->metrics.tp_mode = start.tp_mode;
	write_metrics(app, wbw_now_ns(CLOCK_MONOTONIC), true);
	if (app->httpd)
		fprintf(stderr, "wberrwatch: metrics at http://%s/metrics\n", wbw_httpd__where(app->httpd));
	if (app->caught_up_errors)
		fprintf(stderr, "wberrwatch: %llu error%s older than the watch, on %llu open file%s "
				"still due to be told\n",
			(unsigned long long)app->caught_up_errors, app->caught_up_errors == 1 ? "" : "s",
			(unsigned long long)app->caught_up_files, app->caught_up_files == 1 ? "" : "s");
	fprintf(stderr, "wberrwatch: watching writeback errors (%s programs, %s hooks)%s\n",
		start.tp_mode, start.hooks, app->run ? "" : cli->duration_ms ? "; Ctrl-C to stop" : "");
}

/*
 * Once attached (and the command forked, for run), keep only what the watch
 * still needs: CAP_BPF and CAP_PERFMON to attach the lifetime and retry
 * hooks as errors come and go; CAP_KILL to pass signals to a command
 * running as another user; CAP_DAC_OVERRIDE to write --report and
 * --metrics-file, and to create --output anew on SIGHUP, where the caller
 * asked (a CI workspace is not root's).
 */
void wbw_app__drop_capabilities(const struct wbw_app *app)
{
	enum { CAP_DAC_OVERRIDE_ = 1, CAP_KILL_ = 5, CAP_SYS_NICE_ = 23, CAP_PERFMON_ = 38,
	       CAP_BPF_ = 39 };
	int keep[5], n = 0, err;

	keep[n++] = CAP_BPF_;
	keep[n++] = CAP_PERFMON_;
	/* to return to WBW_WATCHER_NICE after each pass that runs at normal priority */
	if (app->boosted)
		keep[n++] = CAP_SYS_NICE_;
	if (app->run)
		keep[n++] = CAP_KILL_;
	if (app->cli->report_file || app->cli->metrics_file || app->cli->output_file)
		keep[n++] = CAP_DAC_OVERRIDE_;
	err = wbw_caps_keep_only(keep, n);
	if (err)
		fprintf(stderr, "wberrwatch: could not drop capabilities: %s\n", strerror(-err));
}

bool wbw_app__stopping(const struct wbw_app *app)
{
	return exiting || app->out.broken;
}

int wbw_app__take_stop_signal(void)
{
	if (!exiting)
		return 0;
	exiting = 0;
	return stop_signal;
}

int wbw_app__poll(struct wbw_app *app, int timeout_ms, uint64_t *now_out)
{
	struct pollfd fds[2 + WBW_HTTPD_CLIENTS];
	int nfds = 1, n;
	uint64_t now;

	/* the ring buffer, and --listen's sockets: one wait for both */
	fds[0] = (struct pollfd){ .fd = wbw_loader__fd(app->loader), .events = POLLIN };
	if (app->httpd)
		nfds += wbw_httpd__pollfds(app->httpd, fds + 1);
	n = poll(fds, (nfds_t)nfds, timeout_ms);
	if (n >= 0 || errno == EINTR)
		n = wbw_loader__drain(app->loader);
	else
		n = -errno;
	if (n < 0 && n != -EINTR) {
		char err[512];

		snprintf(err, sizeof(err), "reading the ring buffer failed: %s", strerror(-n));
		wbw_output__fatal(&app->out, WBW_EXIT_FAILURE, err);
		return WBW_EXIT_FAILURE;
	}
	if (reopen_output)
		reopen_output_file(app);
	now = wbw_now_ns(CLOCK_MONOTONIC);
	if (app->httpd)
		wbw_httpd__serve(app->httpd, fds + 1, nfds - 1, now / 1000000);
	/*
	 * The first look at a new error's files before anything else: their
	 * holders may close them any moment, and attaching the retry hooks
	 * (tracepoints being enabled) took 13 ms on a busy host, which is when
	 * the first look missed them.  A retry within that time is missed
	 * either way: the hooks are not in place until attached.
	 */
	lifetime_pass(app, now);
	retry_hooks(app);
	wbw_corr__tick(app->corr, now);
	write_metrics(app, now, false);
	if (now_out)
		*now_out = now;
	return WBW_EXIT_OK;
}

bool wbw_app__finish(struct wbw_app *app, uint64_t t0, struct wbw_summary *sum)
{
	if (!app->out.broken) {
		/* whatever the kernel queued before we stopped still counts */
		wbw_loader__drain(app->loader);
		/* one last look at the tracked files, so releases up to now count */
		app->last_pass_ns = 0;
		lifetime_pass(app, wbw_now_ns(CLOCK_MONOTONIC));
		/* run: the command's processes are gone, none of them can be told now */
		wbw_corr__flush(app->corr, app->run);
		/* -v: how the passes went (bench/scale.sh, tests/e2e/test_scale.sh) */
		if (app->cli->verbose)
			fprintf(stderr, "wberrwatch: passes: %llu over every process, %llu over the "
					"holders (%llu of them confirmed over every process)\n",
				(unsigned long long)app->full_passes,
				(unsigned long long)app->limited_passes,
				(unsigned long long)app->confirm_passes);
		if (app->cli->verbose) {
			struct wbw_first_look fl;

			wbw_loader__first_look(app->loader, &fl);
			if (fl.kernel)
				fprintf(stderr, "wberrwatch: kernel first looks: %llu in %llu slices "
						"(%llu given up), %llu files sent, %llu lost; longest "
						"%.3f ms, most work %.3f ms\n",
					(unsigned long long)fl.looks, (unsigned long long)fl.slices,
					(unsigned long long)fl.abandoned, (unsigned long long)fl.files,
					(unsigned long long)fl.dropped, (double)fl.ns_max / 1e6,
					(double)fl.work_max / 1e6);
		}
		write_metrics(app, wbw_now_ns(CLOCK_MONOTONIC), true);
	}
	if (app->out.broken)
		return false;
	memset(sum, 0, sizeof(*sum));
	wbw_corr__stats(app->corr, &sum->corr);
	wbw_loader__lost(app->loader, sum->lost);
	for (int k = 0; k < WBW_REC_KIND_MAX; k++)
		sum->lost_total += sum->lost[k];
	sum->decode_errors = app->decode_errors;
	sum->duration_s = (double)(wbw_now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	return true;
}

void wbw_app__free(struct wbw_app *app)
{
	if (!app)
		return;
	wbw_loader__free(app->loader);
	wbw_corr__free(app->corr);
	wbw_mounts__free(&app->mounts);
	wbw_cgroup_tree__free(app->cgroups);
	wbw_containers__free(app->containers);
	wbw_httpd__free(app->httpd);
	if (app->out.out && app->out.out != stdout && app->out.out != stderr)
		fclose(app->out.out);
	if (app->report.out)
		fclose(app->report.out);
	free(app->report_buf);
	free(app);
}
