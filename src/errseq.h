/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A userspace model of the kernel's errseq_t (lib/errseq.c, Linux 4.13+).
 * Pure functions over values: the correlator replays what the kernel did to
 * a mapping and to each file's cursor.  Errno values are positive here; the
 * kernel stores -err in the low 12 bits, which is the same bit pattern.
 */
#ifndef WBW_ERRSEQ_H
#define WBW_ERRSEQ_H

#include <stdbool.h>
#include <stdint.h>
#include "wberrwatch.h"

typedef uint32_t wbw_errseq_t;

static inline int wbw_errseq_errno(wbw_errseq_t e)
{
	return (int)(e & WBW_ERRSEQ_ERRNO_MASK);
}

static inline bool wbw_errseq_seen(wbw_errseq_t e)
{
	return e & WBW_ERRSEQ_SEEN;
}

/* The same recorded error, whether or not someone has seen it yet. */
static inline bool wbw_errseq_same_error(wbw_errseq_t a, wbw_errseq_t b)
{
	return (a & ~WBW_ERRSEQ_SEEN) == (b & ~WBW_ERRSEQ_SEEN);
}

/* errseq_set(): the value the mapping holds after recording `err`. */
wbw_errseq_t wbw_errseq_set(wbw_errseq_t cur, int err);

/* errseq_sample(): what a newly opened file's cursor starts at. */
wbw_errseq_t wbw_errseq_sample(wbw_errseq_t cur);

/* errseq_check(): errno a check against `since` would report, or 0. */
int wbw_errseq_check(wbw_errseq_t cur, wbw_errseq_t since);

/*
 * errseq_check_and_advance(): report and advance `*since`; marks `*cur` seen.
 * Returns the errno reported, or 0.
 */
int wbw_errseq_check_and_advance(wbw_errseq_t *cur, wbw_errseq_t *since);

#endif
