// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `wberrwatch doctor`: try every hook kind this kernel might give, say
 * which work and why not, and exit with the status a watch would have
 * (the fix on stderr).
 */
#include <stdio.h>
#include "cmd.h"
#include "loader.h"
#include "output.h"

int do_doctor(struct wbw_cli *cli)
{
	static struct wbw_doctor report;
	static struct wbw_output out;

	wbw_output__init(&out, stdout, cli->json, NULL, 0);
	wbw_loader__doctor(&report);
	wbw_output__doctor(&out, &report);
	if (report.exit_status)
		fprintf(stderr, "wberrwatch: %s\n", report.fix);
	return report.exit_status;
}
