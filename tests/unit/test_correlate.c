// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "correlate.h"
#include "records.h"

#define DEV70 ((7u << 20) | 0)
#define MAP 0xffff88811ca5bbd0ull
#define MS 1000000ull

/* What the sink received, in order. */
struct seen {
	int n;
	char kind[64];          /* 'E' error, 'O' observe */
	struct wbw_error err[16];
	char err_path[16][64];
	struct wbw_observation obs[16];
	uint64_t obs_error_id[16];
	int nerr, nobs;
};

static void on_error(void *ctx, const struct wbw_error *e)
{
	struct seen *s = ctx;

	s->kind[s->n++] = 'E';
	s->err[s->nerr] = *e;
	snprintf(s->err_path[s->nerr], 64, "%s", e->fs_path ? e->fs_path : "(null)");
	s->nerr++;
}

static void on_observe(void *ctx, const struct wbw_observation *o)
{
	struct seen *s = ctx;

	s->kind[s->n++] = 'O';
	s->obs_error_id[s->nobs] = o->error ? o->error->id : 0;
	s->obs[s->nobs++] = *o;
}

static struct wbw_corr *new_corr(struct seen *s, size_t max_inodes)
{
	memset(s, 0, sizeof(*s));
	return wbw_corr__new(&(struct wbw_corr_opts){ .settle_ns = 200 * MS,
						      .max_inodes = max_inodes },
			     &(struct wbw_corr_sink){ .on_error = on_error,
						      .on_observe = on_observe,
						      .ctx = s });
}

static void push(struct wbw_corr *c, const void *rec, size_t len, enum wbw_setfield sf)
{
	struct wbw_decode_opts opts = { .setfield = sf };
	struct wbw_ev ev;

	assert_int_equal(wbw_decode(rec, len, &opts, &ev), WBW_DECODE_OK);
	wbw_corr__push(c, &ev);
}

#define PUSH(c, r) do { __typeof__(r) _r = (r); push((c), &_r, sizeof(_r), WBW_SETFIELD_PREVIOUS); } while (0)

/* The burst from the facts file: the first event 0x0 -> 0x1c, then 0x1c -> 0x1c. */
static void push_burst(struct wbw_corr *c, uint64_t t0, uint64_t ino, int events)
{
	PUSH(c, rec_set(t0, MAP + ino, DEV70, ino, 0x0, 0x1c));
	for (int i = 1; i < events; i++)
		PUSH(c, rec_set(t0 + (uint64_t)i * MS, MAP + ino, DEV70, ino, 0x1c, 0x1c));
}

static void test_burst_is_one_error_with_count(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);
	struct wbw_corr_stats st;

	(void)state;
	PUSH(c, rec_path(0, MAP + 12, DEV70, 12, "data\0", 5, 1));
	push_burst(c, 1000 * MS, 12, 24);
	/* still inside the settle window after the last event: nothing yet */
	wbw_corr__tick(c, 1000 * MS + 23 * MS + 199 * MS);
	assert_int_equal(s.nerr, 0);
	wbw_corr__tick(c, 1000 * MS + 23 * MS + 200 * MS);
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].id, 1);
	assert_int_equal(s.err[0].events, 24);
	assert_int_equal(s.err[0].err, ENOSPC);
	assert_int_equal(s.err[0].eseq, 0x1c);
	assert_int_equal(s.err[0].first_raw, 0x0); /* the value before, as 6.18 reports it */
	assert_int_equal(s.err[0].dev, DEV70);
	assert_int_equal(s.err[0].ino, 12);
	assert_int_equal(s.err[0].first_ts, 1000 * MS);
	assert_int_equal(s.err[0].last_ts, 1023 * MS);
	assert_string_equal(s.err[0].first_ctx.comm, "ksoftirqd/0");
	assert_string_equal(s.err_path[0], "/data");
	wbw_corr__stats(c, &st);
	assert_int_equal(st.set_events, 24);
	assert_int_equal(st.errors, 1);
	wbw_corr__free(c);
}

static void test_observe_flushes_error_first_and_links_it(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	push_burst(c, 1000 * MS, 12, 3);
	PUSH(c, rec_observe(1010 * MS, MAP + 12, 0xf1, DEV70, 12, 0x0, 0x101c, 42, "writer"));
	PUSH(c, rec_observe(1011 * MS, MAP + 12, 0xf2, DEV70, 12, 0x0, 0x101c, 42, "writer"));
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.kind, "EOO", 3);
	assert_int_equal(s.obs_error_id[0], 1);
	assert_int_equal(s.obs_error_id[1], 1);
	assert_int_equal(s.obs[0].err, ENOSPC);
	assert_int_equal(s.obs[0].task.pid, 42);
	assert_int_equal(s.obs[0].file, 0xf1);
	/* already emitted: a tick does not repeat it */
	wbw_corr__tick(c, 5000 * MS);
	assert_int_equal(s.nerr, 1);
	wbw_corr__free(c);
}

static void test_error_after_seen_is_a_new_error(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	push_burst(c, 1000 * MS, 12, 2);
	PUSH(c, rec_observe(1010 * MS, MAP + 12, 0xf1, DEV70, 12, 0x0, 0x101c, 42, "writer"));
	/* next failure: previous value 0x101c, counter bumped */
	PUSH(c, rec_set(2000 * MS, MAP + 12, DEV70, 12, 0x101c, 0x201c));
	PUSH(c, rec_set(2001 * MS, MAP + 12, DEV70, 12, 0x201c, 0x201c));
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[1].id, 2);
	assert_int_equal(s.err[1].eseq, 0x201c);
	assert_int_equal(s.err[1].events, 2);
	wbw_corr__free(c);
}

static void test_unseen_error_replaced_by_other_errno(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	push_burst(c, 1000 * MS, 12, 2);
	/* EIO while ENOSPC is unseen: errseq keeps the latest */
	PUSH(c, rec_set(1100 * MS, MAP + 12, DEV70, 12, 0x1c, 0x5));
	/* the first error is reported when replaced, before the second */
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].err, ENOSPC);
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[1].err, EIO);
	assert_int_equal(s.err[1].id, 2);
	wbw_corr__free(c);
}

static void test_errors_settle_oldest_first(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	push_burst(c, 1000 * MS, 12, 1);
	push_burst(c, 1001 * MS, 13, 1);
	push_burst(c, 1002 * MS, 14, 1);
	wbw_corr__tick(c, 1201 * MS); /* only the first two have settled */
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[0].ino, 12);
	assert_int_equal(s.err[1].ino, 13);
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 3);
	assert_int_equal(s.err[2].ino, 14);
	wbw_corr__free(c);
}

static void test_classic_events_learn_errno_from_next_event(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	/* previous values only: 0x0, then 0x1c, 0x1c */
	PUSH(c, rec_set_classic(1000 * MS, DEV70, 12, 0x0));
	PUSH(c, rec_set_classic(1001 * MS, DEV70, 12, 0x1c));
	PUSH(c, rec_set_classic(1002 * MS, DEV70, 12, 0x1c));
	/* a seen previous value: someone looked, this is a new error */
	PUSH(c, rec_set_classic(2000 * MS, DEV70, 12, 0x101c));
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[0].events, 3);
	assert_int_equal(s.err[0].err, ENOSPC);
	assert_int_equal(s.err[0].eseq, 0x1c);
	assert_int_equal(s.err[0].mapping, 0);
	assert_int_equal(s.err[1].events, 1);
	assert_int_equal(s.err[1].err, 0); /* honest: not known from one event */
	wbw_corr__free(c);
}

static void test_observe_of_error_from_before_the_watch(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	PUSH(c, rec_observe(10 * MS, MAP + 12, 0xf1, DEV70, 12, 0x0, 0x101c, 42, "writer"));
	assert_int_equal(s.nobs, 1);
	assert_int_equal(s.obs_error_id[0], 0);
	assert_int_equal(s.obs[0].err, ENOSPC);
	assert_int_equal(s.nerr, 0);
	wbw_corr__free(c);
}

static void test_inode_reuse_starts_a_new_lifetime(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);
	struct wbw_corr_stats st;

	(void)state;
	PUSH(c, rec_set(1000 * MS, MAP, DEV70, 12, 0x0, 0x1c));
	/* same dev:ino, another address_space: evicted and read in again */
	PUSH(c, rec_set(1001 * MS, MAP + 0x1000, DEV70, 12, 0x0, 0x1c));
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[0].mapping, MAP);
	assert_int_equal(s.err[1].mapping, MAP + 0x1000);
	wbw_corr__stats(c, &st);
	assert_int_equal(st.inode_reuse, 1);
	wbw_corr__free(c);
}

static void test_state_is_bounded(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 4);
	struct wbw_corr_stats st;

	(void)state;
	for (uint64_t ino = 100; ino < 110; ino++)
		PUSH(c, rec_set(1000 * MS + ino, MAP + ino * 8, DEV70, ino, 0x0, 0x1c));
	wbw_corr__stats(c, &st);
	assert_int_equal(st.inodes, 4);
	assert_int_equal(st.inodes_dropped, 6);
	/* a dropped inode's error is still reported, not lost */
	wbw_corr__flush(c);
	assert_int_equal(s.nerr, 10);
	wbw_corr__free(c);
}

static void test_many_inodes_grow_the_table(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);
	struct wbw_corr_stats st;

	(void)state;
	for (uint64_t ino = 1; ino <= 5000; ino++)
		PUSH(c, rec_set(ino, MAP + ino * 8, DEV70, ino, 0x0, 0x1c));
	for (uint64_t ino = 1; ino <= 5000; ino++)
		PUSH(c, rec_set(6000 + ino, MAP + ino * 8, DEV70, ino, 0x1c, 0x1c));
	wbw_corr__stats(c, &st);
	assert_int_equal(st.inodes, 5000);
	assert_int_equal(st.errors, 5000);
	wbw_corr__free(c);
}

static void test_path_arriving_later_names_pending_error(void **state)
{
	struct seen s;
	struct wbw_corr *c = new_corr(&s, 0);

	(void)state;
	push_burst(c, 1000 * MS, 12, 1);
	PUSH(c, rec_path(1001 * MS, MAP + 12, DEV70, 12, "b\0a\0", 4, 2));
	wbw_corr__flush(c);
	assert_string_equal(s.err_path[0], "/a/b");
	wbw_corr__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_is_one_error_with_count),
		cmocka_unit_test(test_observe_flushes_error_first_and_links_it),
		cmocka_unit_test(test_error_after_seen_is_a_new_error),
		cmocka_unit_test(test_unseen_error_replaced_by_other_errno),
		cmocka_unit_test(test_errors_settle_oldest_first),
		cmocka_unit_test(test_classic_events_learn_errno_from_next_event),
		cmocka_unit_test(test_observe_of_error_from_before_the_watch),
		cmocka_unit_test(test_inode_reuse_starts_a_new_lifetime),
		cmocka_unit_test(test_state_is_bounded),
		cmocka_unit_test(test_many_inodes_grow_the_table),
		cmocka_unit_test(test_path_arriving_later_names_pending_error),
	};
	return cmocka_run_group_tests_name("correlate", tests, NULL, NULL);
}
