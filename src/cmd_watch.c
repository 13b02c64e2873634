// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `wberrwatch [watch]`: print every writeback error, observation and
 * verdict until SIGINT/SIGTERM, --duration, or the reader going away; then
 * a summary on stderr.
 */
#include <stdio.h>
#include <string.h>
#include "app.h"
#include "cmd.h"

int do_watch(struct wbw_cli *cli)
{
	struct wbw_summary sum;
	struct wbw_app *app;
	uint64_t t0, now, deadline = 0;
	int rc;

	app = wbw_app__new(cli, &rc);
	if (!app)
		return rc;
	rc = wbw_app__load(app);
	if (rc)
		goto out;
	wbw_app__start(app);
	wbw_app__drop_capabilities(app);

	t0 = wbw_now_ns(CLOCK_MONOTONIC);
	if (cli->duration_ms >= 0)
		deadline = t0 + (uint64_t)cli->duration_ms * 1000000ull;
	/* --duration 0: one look without waiting, then out */
	while (!wbw_app__stopping(app)) {
		rc = wbw_app__poll(app, cli->duration_ms == 0 ? 0 : 100, &now);
		if (rc || (deadline && now >= deadline) || cli->duration_ms == 0)
			break;
	}
	if (wbw_app__finish(app, t0, &sum) && rc == WBW_EXIT_OK)
		wbw_output__summary(&app->out, stderr, &sum);
	/*
	 * A reader gone from stdout (EPIPE) ends the watch quietly; a log file
	 * that cannot take a line (a full disk) is a failure to say, with the
	 * status a service manager restarts on.
	 */
	if (app->out.broken && cli->output_file && rc == WBW_EXIT_OK) {
		fprintf(stderr, "wberrwatch: writing --output %s failed: %s\n", cli->output_file,
			strerror(app->out.write_errno));
		rc = WBW_EXIT_FAILURE;
	}
out:
	wbw_app__free(app);
	return rc;
}
