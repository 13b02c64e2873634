/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * run's gate: do the verdicts about the command trip it?  Pure: counts in,
 * a decision and its reason out (unit-tested in tests/unit/test_gate.c).
 */
#ifndef WBW_GATE_H
#define WBW_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "correlate.h"

enum wbw_gate_reason {
	WBW_GATE_CLEAN = 0,  /* no verdict --fail-on names */
	WBW_GATE_LOSS,       /* tripped: data lost and the command was never told */
	WBW_GATE_RETRIED,    /* tripped: told, then a false success (fsyncgate) */
	WBW_GATE_TOLD,       /* not tripped: data lost, but the command was told */
};

/*
 * n: decided verdicts about the command's processes and data, by kind.
 * A command that was told of an error (a REPORTED to one of its
 * processes) knew its writes failed: it never trips the gate for the other
 * losses of that run, as a program that handles an error as it should
 * (dd conv=fsync, git with core.fsync, sqlite3, PostgreSQL's PANIC) fails
 * its own way.  A false success after being told (RETRIED) trips it
 * whatever else was told.
 */
enum wbw_gate_reason wbw_gate_judge(const uint64_t n[WBW_V_KIND_MAX], enum wbw_fail_on on);
static inline bool wbw_gate_tripped(enum wbw_gate_reason r)
{
	return r == WBW_GATE_LOSS || r == WBW_GATE_RETRIED;
}

#endif
