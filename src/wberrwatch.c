// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wberrwatch: did the application ever learn that its data failed to reach
 * the disk?  main() wires the pipeline together:
 *
 *   loader (BPF, ring buffer) -> decoder -> correlator -> output sinks
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include "cli.h"
#include "correlate.h"
#include "decode.h"
#include "loader.h"
#include "atomicfile.h"
#include "metrics.h"
#include "gate.h"
#include "run.h"
#include "mounts.h"
#include "output.h"
#include "procfilter.h"
#include "cgroup.h"
#include "httpd.h"

#ifndef WBW_VERSION
#define WBW_VERSION "unknown"
#endif

static volatile sig_atomic_t exiting, stop_signal;

static void on_stop_signal(int sig)
{
	exiting = 1;
	stop_signal = sig;
}

/* While files are tracked, how often their descriptor tables are re-read. */
#define PASS_INTERVAL_NS (100ull * 1000 * 1000)
/* How often --metrics-file is rewritten (and once more at exit). */
#define METRICS_INTERVAL_NS (10ull * 1000 * 1000 * 1000)

struct app {
	struct wbw_decode_opts dec;
	struct wbw_corr *corr;
	struct wbw_output out;
	uint64_t decode_errors;
	struct wbw_loader *loader;
	uint64_t last_pass_ns;
	bool lifetime_failed;
	bool watching; /* the last pass set mappings to watch: release hooks attached */
	int filter_errno;
	struct wbw_procfilter procs; /* --pid, --comm, --cgroup */
	uint64_t scan_rows;
	bool retry_on;
	/* run: only verdicts about the command's process tree count */
	bool run;
	bool per_process;
	bool writeback_complete; /* run: the command's data was written back in time */
	uint64_t run_verdicts[WBW_V_KIND_MAX];
	struct wbw_output report; /* --report: JSON lines into a memory buffer */
	char *report_buf;
	size_t report_len;
	struct wbw_metrics metrics;
	const char *metrics_file;
	struct wbw_httpd *httpd; /* --listen */
	uint64_t last_metrics_ns;
	bool metrics_failed;
	uint64_t watched[WBW_WATCHED_MAX];
	uint32_t holders[WBW_HOLDERS_MAX];
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *ctx, const void *data, size_t len)
{
	struct app *app = ctx;
	struct wbw_ev ev;

	if (wbw_decode(data, len, &app->dec, &ev) != WBW_DECODE_OK) {
		app->decode_errors++;
		return 0;
	}
	wbw_corr__push(app->corr, &ev);
	return 0;
}

/*
 * The application a process belongs to, for verdicts about releases: in
 * run, the command's whole process tree is one; otherwise the process's
 * cgroup v2 (wbw_app_default), or the process itself with --per-process.
 */
#define APP_RUN_TREE (1ull << 62)

static uint64_t app_of(void *ctx, const struct wbw_task *t)
{
	struct app *app = ctx;

	if (app->run && wbw_loader__in_tree(app->loader, t->pid))
		return APP_RUN_TREE;
	return app->per_process ? WBW_APP_PROCESS(t->pid) : wbw_app_default(t);
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

static void sink_error(void *ctx, const struct wbw_error *e)
{
	struct app *app = ctx;

	/* the kernel filters what it can; classic programs learn the errno later */
	if (app->filter_errno && e->err != app->filter_errno)
		return;
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
	struct app *app = ctx;

	if (app->filter_errno && o->err != app->filter_errno)
		return;
	if (!wbw_procfilter__match(&app->procs, &o->task))
		return;
	if (!app->run)
		wbw_output__observe(&app->out, o);
}

/*
 * run: is the verdict about the command's processes?  File verdicts name
 * the process that held or was told; error verdicts the writer.
 */
static bool about_run(const struct app *app, const struct wbw_verdict *v)
{
	const struct wbw_task *t = wbw_verdict__process(v);

	return t && wbw_loader__in_tree(app->loader, t->pid);
}

static void sink_verdict(void *ctx, const struct wbw_verdict *v)
{
	struct app *app = ctx;

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
	wbw_metrics__verdict(&app->metrics, v);
	wbw_output__verdict(&app->out, v);
}

/* counters kept outside the metrics: the correlator's and the kernel's */
static void refresh_metrics(struct app *app)
{
	struct wbw_corr_stats st;

	wbw_corr__stats(app->corr, &st);
	app->metrics.set_events = st.set_events;
	app->metrics.observations = st.observations;
	app->metrics.tracked_files = st.tracked_files;
	app->metrics.unreported_pending = st.provisional;
	app->metrics.handovers = st.handovers;
	wbw_loader__lost(app->loader, app->metrics.lost);
}

/* --listen: a scrape gets the counters as of now */
static char *metrics_body(void *ctx, size_t *len)
{
	struct app *app = ctx;

	refresh_metrics(app);
	return wbw_metrics__render(&app->metrics, len);
}

/* --metrics-file: refresh, then write. */
static void write_metrics(struct app *app, uint64_t now, bool force)
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
 * List the open files on mappings with a tracked error: at once when a new
 * error hit (its files must be found before they are closed), then every
 * PASS_INTERVAL_NS while files are tracked.
 */
static void lifetime_pass(struct app *app, uint64_t now)
{
	struct wbw_loader_diag diag;
	size_t n, nh;

	if (app->lifetime_failed)
		return;
	if (!wbw_corr__needs_pass(app->corr)) {
		/*
		 * Nothing to list.  The release hooks stay attached while files
		 * are tracked, and go (one empty pass) when none are.
		 */
		if (!app->watching || wbw_corr__tracking(app->corr))
			return;
	} else if (!wbw_corr__has_new_error(app->corr) && now - app->last_pass_ns < PASS_INTERVAL_NS) {
		return;
	}
	app->last_pass_ns = now;
	n = wbw_corr__snapshot_begin(app->corr, app->watched, WBW_WATCHED_MAX);
	nh = wbw_corr__holders(app->corr, app->holders, WBW_HOLDERS_MAX);
	if (wbw_loader__lifetime_pass(app->loader, app->watched, n, app->holders, nh, &diag)) {
		/* errors and observations still work; say once what is missing */
		fprintf(stderr, "wberrwatch: %s\n", diag.msg);
		app->lifetime_failed = true;
		return;
	}
	app->watching = n > 0;
	/* exits (and releases) queued while the pass ran belong to this pass */
	wbw_loader__drain(app->loader);
	wbw_corr__snapshot_end(app->corr, now_ns(CLOCK_MONOTONIC));
	/*
	 * The holders were taken before the pass, which may have found new
	 * ones (a new error's first pass finds them all): without this their
	 * exit would go unnoticed until the next pass and be taken for a close.
	 */
	if (n && wbw_loader__hooks(app->loader) == WBW_HOOKS_TRACEPOINT) {
		nh = wbw_corr__holders(app->corr, app->holders, WBW_HOLDERS_MAX);
		wbw_loader__set_holders(app->loader, app->holders, nh);
	}
}

/*
 * Retry hooks on while errors are pending or watched (attached before a
 * caller can be told, so an immediate retry is seen), and the kernel told
 * which inodes need no watching any more.
 */
static void retry_hooks(struct app *app)
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

/*
 * Once attached (and the command forked, for run), keep only what the watch
 * still needs: CAP_BPF and CAP_PERFMON to attach the lifetime and retry
 * hooks as errors come and go; CAP_KILL to pass signals to a command
 * running as another user; CAP_DAC_OVERRIDE to write --report and
 * --metrics-file where the caller asked (a CI workspace is not root's).
 */
static void drop_capabilities(const struct app *app, const struct wbw_cli *cli)
{
	enum { CAP_DAC_OVERRIDE_ = 1, CAP_KILL_ = 5, CAP_PERFMON_ = 38, CAP_BPF_ = 39 };
	int keep[4], n = 0, err;

	keep[n++] = CAP_BPF_;
	keep[n++] = CAP_PERFMON_;
	if (app->run)
		keep[n++] = CAP_KILL_;
	if (cli->report_file || cli->metrics_file)
		keep[n++] = CAP_DAC_OVERRIDE_;
	err = wbw_caps_keep_only(keep, n);
	if (err)
		fprintf(stderr, "wberrwatch: could not drop capabilities: %s\n", strerror(-err));
}

/*
 * One turn of the watch: wait up to timeout_ms for records (and --listen's
 * sockets), read them, list tracked files, settle errors, refresh metrics.
 * Non-zero when reading the ring buffer failed (said already).
 */
static int step(struct app *app, int timeout_ms, uint64_t *now)
{
	struct pollfd fds[2 + WBW_HTTPD_CLIENTS];
	int nfds = 1, n;

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
		char err[128];

		snprintf(err, sizeof(err), "reading the ring buffer failed: %s", strerror(-n));
		wbw_output__fatal(&app->out, WBW_EXIT_FAILURE, err);
		return -1;
	}
	*now = now_ns(CLOCK_MONOTONIC);
	if (app->httpd)
		wbw_httpd__serve(app->httpd, fds + 1, nfds - 1, *now / 1000000);
	retry_hooks(app);
	lifetime_pass(app, *now);
	wbw_corr__tick(app->corr, *now);
	write_metrics(app, *now, false);
	return 0;
}

/*
 * run, after the command exited: what it left dirty in the page cache has
 * not been written yet, and an error on it is the commonest silent loss
 * (cp, tar, rsync and git do not fsync).  sync(2) starts and waits for
 * writeback of everything and reports no error to anyone (it waits with
 * filemap_fdatawait_keep_errors), so no program's error is consumed; it
 * runs in a child, so that a wait past --writeback-wait does not hold us.
 * Then one settle period, for the errors of the last completions.
 * Returns false when the wait ran out (the verdicts cannot be vouched for).
 */
static bool wait_for_writeback(struct app *app, const struct wbw_cli *cli, int *rc)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), deadline, settled = 0;
	pid_t syncer;
	bool done = false;

	if (cli->writeback_wait_ms <= 0)
		return true;
	deadline = now + (uint64_t)cli->writeback_wait_ms * 1000000ull;
	syncer = wbw_run__start_writeback();
	if (syncer < 0) {
		fprintf(stderr, "wberrwatch run: cannot start writeback: %s\n", strerror(-syncer));
		return false;
	}
	while (!settled || now < settled) {
		if (step(app, 50, &now)) {
			*rc = WBW_EXIT_FAILURE;
			return true;
		}
		if (!done && wbw_run__writeback_done(syncer)) {
			done = true;
			settled = now + cli->settle_ms * 1000000ull + PASS_INTERVAL_NS;
		}
		if (!done && now >= deadline) {
			fprintf(stderr, "wberrwatch run: the command's data was not written back within "
					"--writeback-wait %lld s: errors on it may come later\n",
				(long long)(cli->writeback_wait_ms / 1000));
			return false;
		}
	}
	return true;
}

/* run: the verdict on the command, its exit status, and the report. */
static int finish_run(struct app *app, const struct wbw_cli *cli, const struct wbw_summary *sum,
		      int child_status)
{
	static const char *const fail_on_name[] = { "any", "unreported", "unseen" };
	enum wbw_gate_reason why = wbw_gate_judge(app->run_verdicts, cli->fail_on);
	bool tripped = wbw_gate_tripped(why);
	bool incomplete = sum->lost_total || sum->decode_errors || sum->corr.inodes_dropped ||
			  !app->writeback_complete;
	int rc = tripped ? cli->gate_status : incomplete ? cli->incomplete_status : child_status;
	const uint64_t *n = app->run_verdicts;

	fprintf(stderr,
		"wberrwatch run: %s exited %d; its processes' verdicts: reported %llu, unreported %llu, "
		"retried %llu, unseen %llu, superseded %llu\n",
		cli->cmd_argv[0], child_status, (unsigned long long)n[WBW_V_REPORTED],
		(unsigned long long)n[WBW_V_UNREPORTED], (unsigned long long)n[WBW_V_RETRIED],
		(unsigned long long)n[WBW_V_UNSEEN], (unsigned long long)n[WBW_V_SUPERSEDED]);
	if (why == WBW_GATE_RETRIED)
		fprintf(stderr, "wberrwatch run: FAILED: --fail-on=%s matched: a process was told of "
				"an error, then a later fsync succeeded with nothing rewritten: that "
				"data is not on disk (exit %d, the --gate-status)\n",
			fail_on_name[cli->fail_on], rc);
	else if (tripped)
		fprintf(stderr, "wberrwatch run: FAILED: --fail-on=%s matched: data was lost without "
				"the program being told (exit %d, the --gate-status)\n",
			fail_on_name[cli->fail_on], rc);
	else if (why == WBW_GATE_TOLD)
		fprintf(stderr, "wberrwatch run: gate not tripped: data was lost, but the command was "
				"told (REPORTED) and knew; exit %d is %s's own\n",
			rc, cli->cmd_argv[0]);
	else if (incomplete && !app->writeback_complete)
		fprintf(stderr, "wberrwatch run: cannot vouch: the command's data was not all written "
				"back in time (exit %d, the --incomplete-status); raise --writeback-wait\n",
			rc);
	else if (incomplete)
		fprintf(stderr, "wberrwatch run: cannot vouch: %llu records lost (exit %d, the "
				"--incomplete-status); raise --ringbuf-size\n",
			(unsigned long long)sum->lost_total, rc);
	else
		fprintf(stderr, "wberrwatch run: gate not tripped: exit %d is %s's own\n", rc,
			cli->cmd_argv[0]);
	if (app->report.out) {
		int err;

		wbw_output__summary(&app->report, NULL, sum);
		fprintf(app->report.out,
			"{\"schema\":%d,\"type\":\"run\",\"command_exit_status\":%d,\"fail_on\":\"%s\","
			"\"tripped\":%s,\"told\":%s,\"complete\":%s,\"writeback_complete\":%s,"
			"\"exit_status\":%d}\n",
			WBW_JSON_SCHEMA, child_status, fail_on_name[cli->fail_on],
			tripped ? "true" : "false", app->run_verdicts[WBW_V_REPORTED] ? "true" : "false",
			incomplete ? "false" : "true",
			app->writeback_complete ? "true" : "false", rc);
		fclose(app->report.out);
		err = wbw_write_file_atomic(cli->report_file, app->report_buf, app->report_len);
		free(app->report_buf);
		if (err) {
			fprintf(stderr, "wberrwatch run: cannot write --report %s: %s\n", cli->report_file,
				strerror(-err));
			return WBW_EXIT_FAILURE;
		}
	}
	return rc;
}

/* scan: one lagging file, with its path as the holder sees it */
static int on_scan_row(void *ctx, const void *data, size_t len)
{
	struct app *app = ctx;
	struct wbw_lagging_file f;
	char link[64], path[4096];
	uint64_t ts;
	struct wbw_ev ev;
	ssize_t n;

	if (wbw_decode(data, len, NULL, &ev) != WBW_DECODE_OK || ev.kind != WBW_EV_FILE) {
		app->decode_errors++;
		return 0;
	}
	if (!wbw_procfilter__match(&app->procs, &ev.task))
		return 0;
	snprintf(link, sizeof(link), "/proc/%u/fd/%u", ev.task.pid, ev.file.fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0)
		path[n] = '\0';
	f = (struct wbw_lagging_file){ .task = ev.task, .fd = (int32_t)ev.file.fd, .dev = ev.dev,
				       .ino = ev.ino, .cursor = ev.file.cursor,
				       .mapping_eseq = ev.file.mapping_eseq, .f_mode = ev.file.f_mode,
				       .path = n > 0 ? path : NULL };
	/* errseq_t keeps no time: only a watcher running when the error hit knows */
	if (ev.mapping && wbw_loader__error_time(app->loader, ev.mapping, ev.file.mapping_eseq, &ts)) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		f.age_known = true;
		f.age_ns = now > ts ? now - ts : 0;
	}
	wbw_output__lagging(&app->out, &f);
	app->scan_rows++;
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	/* the first Ctrl-C stops cleanly; a second one kills at once */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	/* a closed pipe shows up as EPIPE on write and ends the watch quietly */
	signal(SIGPIPE, SIG_IGN);
}

/* --pid, --comm, --cgroup: checked here, where the system can be asked */
static int setup_procfilter(struct app *app, struct wbw_cli *cli, struct wbw_cgroup_tree **cgroups,
			    char *err, size_t errlen)
{
	struct wbw_procfilter *f = &app->procs;

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
		*cgroups = wbw_cgroup_tree__new(cli->cgroup_path, err, errlen);
		if (!*cgroups)
			return WBW_EXIT_USAGE;
		f->cgroup_in = wbw_cgroup_tree__contains;
		f->cgroup_ctx = *cgroups;
	}
	/* UNSEEN and SUPERSEDED verdicts are about the writer: name it */
	if (wbw_procfilter__active(f))
		cli->name_writers = true;
	return WBW_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct wbw_mounts mounts = { 0 };
	struct wbw_loader *loader = NULL;
	struct wbw_loader_diag diag;
	struct wbw_summary summary = { 0 };
	struct wbw_start_info start;
	struct wbw_cli cli;
	static struct app app; /* large: watched and holder lists */
	struct wbw_cgroup_tree *cgroups = NULL;
	struct utsname uts;
	uint64_t t0, deadline = 0;
	char err[512];
	int rc;

	rc = wbw_cli_parse(argc, argv, &cli, err, sizeof(err));
	wbw_output__init(&app.out, stdout, cli.json, &mounts,
			 (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC)));
	if (rc) {
		wbw_output__fatal(&app.out, rc, err);
		fprintf(stderr, "Try 'wberrwatch --help' for more information.\n");
		return rc;
	}
	if (cli.help) {
		wbw_cli_usage(stdout);
		return WBW_EXIT_OK;
	}
	if (cli.version) {
		printf("wberrwatch %s (wire protocol %d, JSON schema %d)\n", WBW_VERSION,
		       WBW_WIRE_VERSION, WBW_JSON_SCHEMA);
		return WBW_EXIT_OK;
	}
	if (cli.command == WBW_CMD_DOCTOR) {
		static struct wbw_doctor report;

		wbw_loader__doctor(&report);
		wbw_output__doctor(&app.out, &report);
		if (report.exit_status)
			fprintf(stderr, "wberrwatch: %s\n", report.fix);
		return report.exit_status;
	}
	if (cli.mount_path) {
		struct stat st;

		if (stat(cli.mount_path, &st)) {
			snprintf(err, sizeof(err), "invalid --mount '%s': %s", cli.mount_path,
				 strerror(errno));
			wbw_output__fatal(&app.out, WBW_EXIT_USAGE, err);
			return WBW_EXIT_USAGE;
		}
		/* the kernel's own encoding of the filesystem's device */
		cli.filter_dev = wbw_dev_make(major(st.st_dev), minor(st.st_dev));
	}
	app.filter_errno = cli.filter_errno;
	rc = setup_procfilter(&app, &cli, &cgroups, err, sizeof(err));
	if (rc) {
		wbw_output__fatal(&app.out, rc, err);
		return rc;
	}
	if (cli.listen) {
		/* before loading anything: a port in use fails fast; a port below 1024 binds while root */
		app.httpd = wbw_httpd__new(&cli.listen_addr, cli.listen_addr_len, metrics_body, &app,
					   err, sizeof(err));
		if (!app.httpd) {
			wbw_output__fatal(&app.out, WBW_EXIT_FAILURE, err);
			wbw_cgroup_tree__free(cgroups);
			return WBW_EXIT_FAILURE;
		}
	}
	app.run = cli.command == WBW_CMD_RUN;
	app.per_process = cli.per_process;
	if (app.run) {
		/* stdout is the command's; UNSEEN verdicts are attributed by writer */
		wbw_output__init(&app.out, stderr, false, &mounts,
				 (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC)));
		cli.name_writers = true;
		if (cli.report_file) {
			FILE *rf = open_memstream(&app.report_buf, &app.report_len);

			if (!rf) {
				wbw_output__fatal(&app.out, WBW_EXIT_FAILURE, "out of memory");
				return WBW_EXIT_FAILURE;
			}
			wbw_output__init(&app.report, rf, true, &mounts, app.out.realtime_offset_ns);
		}
	}
	install_signals();

	wbw_mounts__load(&mounts); /* paths are best effort: a failure only loses them */

	loader = wbw_loader__new(&(struct wbw_loader_opts){ .tp_mode = cli.tp_mode,
							     .hooks = cli.hooks,
							     .filter_dev = cli.filter_dev,
							     .filter_errno = cli.filter_errno,
							     .ringbuf_bytes = cli.ringbuf_bytes,
							     .verbose = cli.verbose,
							     .name_writers = cli.name_writers,
							     .track_tree = app.run,
							     .on_record = on_record,
							     .ctx = &app },
				 &diag);
	app.loader = loader;
	/* records wait in the ring buffer until the loop drains it: no event is missed */
	if (loader) {
		app.corr = wbw_corr__new(
			&(struct wbw_corr_opts){
				.settle_ns = cli.settle_ms * 1000000ull,
				.all_files = cli.all_files,
				.release_events = wbw_loader__hooks(loader) != WBW_HOOKS_TRACEPOINT,
				.app_of = app_of,
				.app_alive = app_alive,
				.app_ctx = &app,
				.handover_ns = (uint64_t)cli.handover_ms * 1000000ull },
			&(struct wbw_corr_sink){ .on_error = sink_error,
						 .on_observe = sink_observe,
						 .on_verdict = sink_verdict,
						 .ctx = &app });
		if (!app.corr) {
			wbw_loader__free(loader);
			wbw_output__fatal(&app.out, WBW_EXIT_FAILURE, "out of memory");
			return WBW_EXIT_FAILURE;
		}
	}
	if (loader && cli.command == WBW_CMD_SCAN) {
		rc = wbw_loader__scan(loader, on_scan_row, &app, &diag);
		if (rc)
			wbw_output__fatal(&app.out, diag.exit_status, diag.msg);
		else
			fprintf(stderr, "wberrwatch scan: %llu open file%s whose next fsync would report "
					"an error; %s\n",
				(unsigned long long)app.scan_rows, app.scan_rows == 1 ? "" : "s",
				wbw_loader__watchers(loader)
					? "ages as timed by the running watcher"
					: "no watcher running to time the errors: ages unknown");
		wbw_loader__free(loader);
		wbw_corr__free(app.corr);
		wbw_mounts__free(&mounts);
		wbw_cgroup_tree__free(cgroups);
		return rc ? diag.exit_status : (app.decode_errors ? WBW_EXIT_FAILURE : WBW_EXIT_OK);
	}
	if (!loader) {
		wbw_output__fatal(&app.out, diag.exit_status, diag.msg);
		wbw_corr__free(app.corr);
		wbw_mounts__free(&mounts);
		wbw_cgroup_tree__free(cgroups);
		return diag.exit_status;
	}

	/*
	 * Before the start record and the banner: they tell users and tests
	 * that everything a watch uses is attached.
	 */
	if ((cli.duration_ms != 0 || app.run) && wbw_loader__lifetime_prepare(loader, &diag)) {
		/* errors and observations still work; say what is missing */
		fprintf(stderr, "wberrwatch: %s\n", diag.msg);
		app.lifetime_failed = true;
	}

	uname(&uts);
	start = (struct wbw_start_info){
		.version = WBW_VERSION,
		.kernel = uts.release,
		.tp_mode = wbw_loader__tp_mode(loader),
		.lifetime = "iter", /* the first listing of an error's files, either way */
		.hooks = wbw_hooks_name(wbw_loader__hooks(loader)),
		.filter_dev = cli.filter_dev,
		.filter_errno = cli.filter_errno,
		.filter_pid = cli.filter_pid,
		.filter_comm = cli.filter_comm,
		.filter_cgroup = cli.cgroup_path,
		.listen = cli.listen,
		.settle_ms = cli.settle_ms,
		.ringbuf_bytes = cli.ringbuf_bytes,
	};
	if (app.report.out)
		wbw_output__start(&app.report, &start);
	else if (!app.run)
		wbw_output__start(&app.out, &start);
	app.metrics_file = cli.metrics_file;
	app.metrics.version = WBW_VERSION;
	app.metrics.tp_mode = start.tp_mode;
	write_metrics(&app, now_ns(CLOCK_MONOTONIC), true);
	if (app.httpd)
		fprintf(stderr, "wberrwatch: metrics at http://%s/metrics\n", wbw_httpd__where(app.httpd));
	fprintf(stderr, "wberrwatch: watching writeback errors (%s programs, %s hooks)%s\n",
		start.tp_mode, start.hooks, app.run ? "" : cli.duration_ms ? "; Ctrl-C to stop" : "");

	struct wbw_child child = { .pid = -1, .go_fd = -1 };
	int child_status = -1;

	if (app.run) {
		int e = wbw_run__spawn(cli.cmd_argv, cli.user, &child, err, sizeof(err));

		if (!e && wbw_loader__tree_add(loader, (uint32_t)child.pid)) {
			snprintf(err, sizeof(err), "cannot follow the command's process tree");
			e = -1;
			kill(child.pid, SIGKILL);
		}
		if (e) {
			wbw_output__fatal(&app.out, WBW_EXIT_FAILURE, err);
			wbw_loader__free(loader);
			wbw_corr__free(app.corr);
			wbw_mounts__free(&mounts);
			wbw_cgroup_tree__free(cgroups);
			return WBW_EXIT_FAILURE;
		}
		wbw_run__release(&child);
		cli.duration_ms = -1; /* until the command exits */
	}
	drop_capabilities(&app, &cli);

	t0 = now_ns(CLOCK_MONOTONIC);
	if (cli.duration_ms >= 0)
		deadline = t0 + (uint64_t)cli.duration_ms * 1000000ull;
	rc = WBW_EXIT_OK;
	while (app.run ? child_status < 0 : !exiting && !app.out.broken) {
		uint64_t now;

		if (step(&app, cli.duration_ms == 0 ? 0 : 100, &now)) {
			rc = WBW_EXIT_FAILURE;
			break;
		}
		if (app.run) {
			/* Ctrl-C and SIGTERM are for the command; we stop when it does */
			if (exiting) {
				kill(child.pid, stop_signal);
				exiting = 0;
			}
			wbw_run__reap(&child, &child_status);
			continue;
		}
		if (deadline && now >= deadline)
			break;
		if (cli.duration_ms == 0)
			break;
	}
	if (app.run && rc == WBW_EXIT_OK)
		app.writeback_complete = wait_for_writeback(&app, &cli, &rc);

	if (!app.out.broken) {
		/* whatever the kernel queued before we stopped still counts */
		wbw_loader__drain(loader);
		/* one last look at the tracked files, so releases up to now count */
		app.last_pass_ns = 0;
		lifetime_pass(&app, now_ns(CLOCK_MONOTONIC));
		/* run: the command's processes are gone, none of them can be told now */
		wbw_corr__flush(app.corr, app.run);
		write_metrics(&app, now_ns(CLOCK_MONOTONIC), true);
	}
	if (!app.out.broken) {
		wbw_corr__stats(app.corr, &summary.corr);
		wbw_loader__lost(loader, summary.lost);
		for (int k = 0; k < WBW_REC_KIND_MAX; k++)
			summary.lost_total += summary.lost[k];
		summary.decode_errors = app.decode_errors;
		summary.duration_s = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
		if (rc == WBW_EXIT_OK && !app.run)
			wbw_output__summary(&app.out, stderr, &summary);
		if (rc == WBW_EXIT_OK && app.run)
			rc = finish_run(&app, &cli, &summary, child_status);
	}
	wbw_loader__free(loader);
	wbw_corr__free(app.corr);
	wbw_mounts__free(&mounts);
	wbw_cgroup_tree__free(cgroups);
	wbw_httpd__free(app.httpd);
	return rc;
}
