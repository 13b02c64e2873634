// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wberrwatch: did the application ever learn that its data failed to reach
 * the disk?  main() parses the command line and hands it to the command:
 * cmd_watch.c, cmd_run.c, cmd_scan.c or cmd_doctor.c.  What the watching
 * ones share (the pipeline, its sinks, the poll loop) is app.c's.
 */
#include <stdio.h>
#include "cli.h"
#include "cmd.h"
#include "output.h"
#include "wberrwatch.h"

#ifndef WBW_VERSION
#define WBW_VERSION "unknown"
#endif

static int (*const cmds[])(struct wbw_cli *cli) = {
	[WBW_CMD_WATCH] = do_watch,
	[WBW_CMD_DOCTOR] = do_doctor,
	[WBW_CMD_RUN] = do_run,
	[WBW_CMD_SCAN] = do_scan,
};

/* a bad command line: said on stderr, and in --json mode as a fatal record */
static int usage_error(const struct wbw_cli *cli, int rc, const char *err)
{
	static struct wbw_output out;

	wbw_output__init(&out, stdout, cli->json, NULL, 0);
	wbw_output__fatal(&out, rc, err);
	fprintf(stderr, "Try 'wberrwatch --help' for more information.\n");
	return rc;
}

int main(int argc, char **argv)
{
	struct wbw_cli cli;
	char err[512];
	int rc;

	rc = wbw_cli_parse(argc, argv, &cli, err, sizeof(err));
	if (rc)
		return usage_error(&cli, rc, err);
	if (cli.help) {
		wbw_cli_usage(stdout);
		return WBW_EXIT_OK;
	}
	if (cli.version) {
		printf("wberrwatch %s (wire protocol %d, JSON schema %d)\n", WBW_VERSION,
		       WBW_WIRE_VERSION, WBW_JSON_SCHEMA);
		return WBW_EXIT_OK;
	}
	return cmds[cli.command](&cli);
}
