// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `wberrwatch run -- CMD`: the CI gate.  Attach, start CMD in a process
 * tree the kernel follows, let what it left dirty be written back once it
 * exited, judge only that tree's verdicts and data, and exit with CMD's
 * status unless the gate tripped (--gate-status, 86) or the verdicts cannot
 * be vouched for (--incomplete-status, 87).  Spawning the command without
 * our privileges is run.c's; the gate's rule is gate.c's.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "atomicfile.h"
#include "cmd.h"
#include "gate.h"
#include "run.h"

/* stdout is the command's: verdicts go to stderr, --report gets JSON lines */
static int open_outputs(struct wbw_app *app)
{
	struct wbw_cli *cli = app->cli;

	/* stdout is the command's; UNSEEN verdicts are attributed by writer */
	wbw_output__init(&app->out, stderr, false, &app->mounts,
			 (int64_t)(wbw_now_ns(CLOCK_REALTIME) - wbw_now_ns(CLOCK_MONOTONIC)));
	cli->name_writers = true;
	if (cli->report_file) {
		FILE *rf = open_memstream(&app->report_buf, &app->report_len);

		if (!rf) {
			wbw_output__fatal(&app->out, WBW_EXIT_FAILURE, "out of memory");
			return WBW_EXIT_FAILURE;
		}
		wbw_output__init(&app->report, rf, true, &app->mounts, app->out.realtime_offset_ns);
	}
	return WBW_EXIT_OK;
}

/* CMD forked, its pid in the kernel's process tree, then let go to exec */
static int start_command(struct wbw_app *app, struct wbw_child *child)
{
	char err[512];
	int e = wbw_run__spawn(app->cli->cmd_argv, app->cli->user, child, err, sizeof(err));

	if (!e && wbw_loader__tree_add(app->loader, (uint32_t)child->pid)) {
		snprintf(err, sizeof(err), "cannot follow the command's process tree");
		e = -1;
		kill(child->pid, SIGKILL);
	}
	if (e) {
		wbw_output__fatal(&app->out, WBW_EXIT_FAILURE, err);
		return WBW_EXIT_FAILURE;
	}
	wbw_run__release(child);
	return WBW_EXIT_OK;
}

/*
 * After the command exited: what it left dirty in the page cache has not
 * been written yet, and an error on it is the commonest silent loss (cp,
 * tar, rsync and git do not fsync).  sync(2) starts and waits for writeback
 * of everything and reports no error to anyone (it waits with
 * filemap_fdatawait_keep_errors), so no program's error is consumed; it
 * runs in a child, so that a wait past --writeback-wait does not hold us.
 * Then one settle period and one pass, for the errors of the last
 * completions.  False when the wait ran out (the verdicts cannot be vouched
 * for); *rc set when the poll loop failed.
 */
static bool wait_for_writeback(struct wbw_app *app, int *rc)
{
	const struct wbw_cli *cli = app->cli;
	uint64_t now = wbw_now_ns(CLOCK_MONOTONIC), deadline, settled = 0;
	pid_t syncer;

	if (cli->writeback_wait_ms <= 0)
		return true;
	deadline = now + (uint64_t)cli->writeback_wait_ms * 1000000ull;
	syncer = wbw_run__start_writeback();
	if (syncer < 0) {
		fprintf(stderr, "wberrwatch run: cannot start writeback: %s\n", strerror(-syncer));
		return false;
	}
	while (!settled || now < settled) {
		*rc = wbw_app__poll(app, 50, &now);
		if (*rc)
			return true;
		if (!settled && wbw_run__writeback_done(syncer))
			settled = now + cli->settle_ms * 1000000ull + WBW_PASS_INTERVAL_NS;
		if (!settled && now >= deadline) {
			fprintf(stderr, "wberrwatch run: the command's data was not written back within "
					"--writeback-wait %lld s: errors on it may come later\n",
				(long long)(cli->writeback_wait_ms / 1000));
			return false;
		}
	}
	return true;
}

/* run: the verdict on the command, its exit status, and the report. */
static int finish_run(struct wbw_app *app, const struct wbw_summary *sum, int child_status)
{
	static const char *const fail_on_name[] = { "any", "unreported", "unseen" };
	const struct wbw_cli *cli = app->cli;
	const uint64_t *n = app->run_verdicts;
	enum wbw_gate_reason why = wbw_gate_judge(n, cli->fail_on);
	bool tripped = wbw_gate_tripped(why);
	/*
	 * Files released before the first look at an error cannot be placed:
	 * they may be the command's, told or not.
	 */
	bool incomplete = sum->lost_total || sum->decode_errors || sum->corr.inodes_dropped ||
			  sum->corr.files_dropped ||
			  !app->writeback_complete || sum->corr.looked_late;
	int rc = tripped ? cli->gate_status : incomplete ? cli->incomplete_status : child_status;

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
	else if (incomplete && sum->corr.looked_late)
		fprintf(stderr, "wberrwatch run: cannot vouch: %llu error%s had files released before "
				"wberrwatch first looked, whose is unknown (exit %d, the "
				"--incomplete-status)\n",
			(unsigned long long)sum->corr.looked_late, sum->corr.looked_late == 1 ? "" : "s",
			rc);
	else if (incomplete && !app->writeback_complete)
		fprintf(stderr, "wberrwatch run: cannot vouch: the command's data was not all written "
				"back in time (exit %d, the --incomplete-status); raise --writeback-wait\n",
			rc);
	else if (incomplete && sum->corr.files_dropped)
		fprintf(stderr, "wberrwatch run: cannot vouch: %llu due files were not tracked, to keep "
				"memory bounded (exit %d, the --incomplete-status)\n",
			(unsigned long long)sum->corr.files_dropped, rc);
	else if (incomplete)
		fprintf(stderr, "wberrwatch run: cannot vouch: %llu records lost (exit %d, the "
				"--incomplete-status); raise --ringbuf-size\n",
			(unsigned long long)sum->lost_total, rc);
	else if (why == WBW_GATE_TOLD)
		fprintf(stderr, "wberrwatch run: gate not tripped: data was lost, but the command was "
				"told (REPORTED) and knew; exit %d is %s's own\n",
			rc, cli->cmd_argv[0]);
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
			tripped ? "true" : "false", n[WBW_V_REPORTED] ? "true" : "false",
			incomplete ? "false" : "true", app->writeback_complete ? "true" : "false", rc);
		fclose(app->report.out);
		app->report.out = NULL;
		err = wbw_write_file_atomic(cli->report_file, app->report_buf, app->report_len);
		if (err) {
			fprintf(stderr, "wberrwatch run: cannot write --report %s: %s\n", cli->report_file,
				strerror(-err));
			return WBW_EXIT_FAILURE;
		}
	}
	return rc;
}

int do_run(struct wbw_cli *cli)
{
	struct wbw_child child = { .pid = -1, .go_fd = -1 };
	int child_status = -1, sig, rc;
	struct wbw_summary sum;
	struct wbw_app *app;
	uint64_t t0;

	app = wbw_app__new(cli, &rc);
	if (!app)
		return rc;
	rc = open_outputs(app);
	if (!rc)
		rc = wbw_app__load(app);
	if (rc)
		goto out;
	wbw_app__start(app);
	rc = start_command(app, &child);
	if (rc)
		goto out;
	wbw_app__drop_capabilities(app);

	t0 = wbw_now_ns(CLOCK_MONOTONIC);
	/* until the command exits: Ctrl-C and SIGTERM are for it, we stop when it does */
	while (child_status < 0) {
		rc = wbw_app__poll(app, 100, NULL);
		if (rc)
			break;
		sig = wbw_app__take_stop_signal();
		if (sig)
			kill(child.pid, sig);
		wbw_run__reap(&child, &child_status);
	}
	if (rc == WBW_EXIT_OK)
		app->writeback_complete = wait_for_writeback(app, &rc);
	if (wbw_app__finish(app, t0, &sum) && rc == WBW_EXIT_OK)
		rc = finish_run(app, &sum, child_status);
out:
	wbw_app__free(app);
	return rc;
}
