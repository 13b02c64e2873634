// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "errseq.h"

wbw_errseq_t wbw_errseq_set(wbw_errseq_t cur, int err)
{
	wbw_errseq_t next;

	/* the kernel ignores err == 0 and values outside -MAX_ERRNO..-1 */
	if (err <= 0 || err > (int)WBW_ERRSEQ_ERRNO_MASK)
		return cur;
	next = (cur & ~(WBW_ERRSEQ_ERRNO_MASK | WBW_ERRSEQ_SEEN)) | (wbw_errseq_t)err;
	/*
	 * Only bump the counter if someone saw the previous value: an error
	 * recorded while the previous one is unseen replaces it in place.  The
	 * counter wraps in 32-bit arithmetic, exactly as in the kernel.
	 */
	if (cur & WBW_ERRSEQ_SEEN)
		next += WBW_ERRSEQ_CTR_INC;
	return next;
}

wbw_errseq_t wbw_errseq_sample(wbw_errseq_t cur)
{
	/*
	 * An unseen error is sampled as 0 so that the new file still reports it
	 * (errseq_sample(), Linux 4.16+: "if no one has seen it, it's new").
	 */
	return (cur & WBW_ERRSEQ_SEEN) ? cur : 0;
}

int wbw_errseq_check(wbw_errseq_t cur, wbw_errseq_t since)
{
	if (cur == since)
		return 0;
	return wbw_errseq_errno(cur);
}

int wbw_errseq_check_and_advance(wbw_errseq_t *cur, wbw_errseq_t *since)
{
	wbw_errseq_t seen;

	if (*cur == *since)
		return 0;
	seen = *cur | WBW_ERRSEQ_SEEN;
	*cur = seen;
	*since = seen;
	return wbw_errseq_errno(seen);
}
