/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The commands, one file each (cmd_<name>.c), one entry point each: the
 * options parsed, the exit status returned.  main() dispatches.
 */
#ifndef WBW_CMD_H
#define WBW_CMD_H

#include "cli.h"

int do_watch(struct wbw_cli *cli);
int do_run(struct wbw_cli *cli);
int do_scan(struct wbw_cli *cli);
int do_doctor(struct wbw_cli *cli);

#endif
