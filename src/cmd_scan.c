// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `wberrwatch scan`: one pass over every open file on the host, listing
 * those whose next fsync would report an error, with their age when a
 * running watcher timed the error.
 */
#include <stdio.h>
#include <unistd.h>
#include "app.h"
#include "cmd.h"

struct scan {
	struct wbw_app *app;
	uint64_t rows;
};

/* one lagging file, with its path as the holder sees it */
static int on_scan_row(void *ctx, const void *data, size_t len)
{
	struct scan *s = ctx;
	struct wbw_app *app = s->app;
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
		uint64_t now = wbw_now_ns(CLOCK_MONOTONIC);

		f.age_known = true;
		f.age_ns = now > ts ? now - ts : 0;
	}
	wbw_output__lagging(&app->out, &f);
	s->rows++;
	return 0;
}

int do_scan(struct wbw_cli *cli)
{
	struct wbw_loader_diag diag;
	struct scan s = { 0 };
	int rc;

	s.app = wbw_app__new(cli, &rc);
	if (!s.app)
		return rc;
	rc = wbw_app__load(s.app);
	if (rc)
		goto out;
	if (wbw_loader__scan(s.app->loader, on_scan_row, &s, &diag)) {
		wbw_output__fatal(&s.app->out, diag.exit_status, diag.msg);
		rc = diag.exit_status;
		goto out;
	}
	fprintf(stderr, "wberrwatch scan: %llu open file%s whose next fsync would report an error; %s\n",
		(unsigned long long)s.rows, s.rows == 1 ? "" : "s",
		wbw_loader__watchers(s.app->loader)
			? "ages as timed by the running watcher"
			: "no watcher running to time the errors: ages unknown");
	rc = s.app->decode_errors ? WBW_EXIT_FAILURE : WBW_EXIT_OK;
out:
	wbw_app__free(s.app);
	return rc;
}
