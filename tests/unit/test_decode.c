// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "decode.h"
#include "records.h"

#define DEV70 ((7u << 20) | 0)
#define MAP 0xffff88811ca5bbd0ull

static void test_set_tp_btf_uses_value_read_from_mapping(void **state)
{
	struct wbw_set_err_rec r = rec_set(100, MAP, DEV70, 12, 0x0, 0x1c);
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_SET_ERR);
	assert_int_equal(ev.ts_ns, 100);
	assert_int_equal(ev.mapping, MAP);
	assert_int_equal(ev.dev, DEV70);
	assert_int_equal(ev.ino, 12);
	assert_true(ev.set.after_known);
	assert_int_equal(ev.set.after, 0x1c);
	assert_true(ev.set.prev_known);
	assert_int_equal(ev.set.prev, 0x0);
	assert_int_equal(ev.set.err, ENOSPC);
	assert_int_equal(ev.generation, 7);
	assert_string_equal(ev.task.comm, "ksoftirqd/0");
	assert_int_equal(ev.task.pid, 14);
}

static void test_set_after_value_seen_flag_is_stripped(void **state)
{
	/* a fsync between the set and our read of wb_err adds SEEN */
	struct wbw_set_err_rec r = rec_set(100, MAP, DEV70, 12, 0x0, 0x101c);
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.set.after, 0x1c);
	assert_int_equal(ev.set.err, ENOSPC);
}

static void test_set_names_the_writer_with_its_cgroup(void **state)
{
	struct wbw_set_err_rec r = rec_set(100, MAP, DEV70, 12, 0x0, 0x1c);
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_false(ev.set.writer_known);
	r.hdr.flags |= WBW_F_WRITER_VALID;
	r.writer_pid = 3247;
	r.writer_ts_ns = 90;
	r.writer_cgroup_id = 5021;
	memcpy(r.writer_comm, "postgres", 9);
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_true(ev.set.writer_known);
	assert_int_equal(ev.set.writer.pid, 3247);
	assert_int_equal(ev.set.writer.cgroup_id, 5021);
	assert_int_equal(ev.set.writer_ts_ns, 90);
	assert_string_equal(ev.set.writer.comm, "postgres");
}

static void test_set_classic_current_kernel_has_previous_only(void **state)
{
	struct wbw_set_err_rec r = rec_set_classic(100, DEV70, 12, 0x1c);
	struct wbw_decode_opts opts = { .setfield = WBW_SETFIELD_PREVIOUS };
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), &opts, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.mapping, 0);
	assert_true(ev.set.prev_known);
	assert_int_equal(ev.set.prev, 0x1c);
	assert_false(ev.set.after_known);
	assert_int_equal(ev.set.err, 0); /* cannot know from the previous value */
}

static void test_set_classic_old_kernel_carries_new_value(void **state)
{
	struct wbw_set_err_rec r = rec_set_classic(100, DEV70, 12, 0x5);
	struct wbw_decode_opts opts = { .setfield = WBW_SETFIELD_NEW };
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), &opts, &ev), WBW_DECODE_OK);
	assert_false(ev.set.prev_known);
	assert_true(ev.set.after_known);
	assert_int_equal(ev.set.after, 0x5);
	assert_int_equal(ev.set.err, EIO);
}

/*
 * patches/0002: the event itself says what it recorded, so the decoder
 * needs no kernel-version option.  Whatever `setfield` says, the event's
 * errseq field is the value replaced and new_errseq the value after.
 */
static void test_set_classic_v2_event_needs_no_quirk(void **state)
{
	static const enum wbw_setfield modes[] = { WBW_SETFIELD_PREVIOUS, WBW_SETFIELD_NEW };
	struct wbw_set_err_rec r = rec_set_classic_v2(100, DEV70, 12, 0x0, 0x1c, -ENOSPC);
	struct wbw_ev ev;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct wbw_decode_opts opts = { .setfield = modes[i] };

		assert_int_equal(wbw_decode(&r, sizeof(r), &opts, &ev), WBW_DECODE_OK);
		assert_int_equal(ev.mapping, 0);
		assert_true(ev.set.prev_known);
		assert_int_equal(ev.set.prev, 0x0);
		assert_true(ev.set.after_known);
		assert_int_equal(ev.set.after, 0x1c);
		assert_int_equal(ev.set.err, ENOSPC); /* known from the first event */
	}
	/* the second error of a file: EIO after a seen ENOSPC, counter bumped */
	r = rec_set_classic_v2(200, DEV70, 12, 0x101c, 0x2005, -EIO);
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.set.prev, 0x101c);
	assert_int_equal(ev.set.after, 0x2005);
	assert_int_equal(ev.set.err, EIO);
	/* SEEN in the event's value (a checker got in first) is stripped, as for mapping reads */
	r = rec_set_classic_v2(300, DEV70, 12, 0x0, 0x1005, -EIO);
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.set.after, 0x5);
	/* an err field that is not a negative errno: the value after still names it */
	r = rec_set_classic_v2(400, DEV70, 12, 0x0, 0x1c, 0);
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.set.err, ENOSPC);
	r = rec_set_classic_v2(400, DEV70, 12, 0x0, 0x1c, -5000);
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.set.err, ENOSPC);
	/* without the flag the same bytes are the old form: previous value only */
	r.hdr.flags &= ~WBW_F_SET_EVENT_V2;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_false(ev.set.after_known);
	assert_int_equal(ev.set.err, 0);
}

static void test_observe_reports_errno_when_cursor_moved(void **state)
{
	struct wbw_observe_rec r = rec_observe(200, MAP, 0xffff1, DEV70, 12, 0x0, 0x101c, 3247,
					       "wbw-io");
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_OBSERVE);
	assert_int_equal(ev.obs.file, 0xffff1);
	assert_int_equal(ev.obs.old, 0);
	assert_int_equal(ev.obs.new_cursor, 0x101c);
	assert_int_equal(ev.obs.err, ENOSPC);
	assert_int_equal(ev.task.pid, 3247);
	assert_string_equal(ev.task.comm, "wbw-io");
	assert_int_equal(ev.obs.fd, -1);

	/* cursor already current: nothing reported */
	r = rec_observe(200, MAP, 0xffff1, DEV70, 12, 0x101c, 0x101c, 1, "x");
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.obs.err, 0);
}

static void test_close_told(void **state)
{
	struct wbw_close_told_rec r = rec_close_told(5, MAP, 0xf1, DEV70, 12, 4, -ENOSPC, 0x0, 0x1c,
						     0x0, 42, "cp");
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_CLOSE_TOLD);
	assert_int_equal(ev.mapping, MAP);
	assert_int_equal(ev.ino, 12);
	assert_int_equal(ev.close_told.file, 0xf1);
	assert_int_equal(ev.close_told.fd, 4);
	assert_int_equal(ev.close_told.err, ENOSPC);
	assert_int_equal(ev.close_told.eseq, 0x1c);
	assert_int_equal(ev.close_told.since, 0);
	assert_int_equal(ev.close_told.f_mode, WBW_FMODE_WRITE);
	assert_int_equal(ev.task.pid, 42);
	/* a record of another size is refused */
	r.hdr.size -= 8;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_BAD_SIZE);
	assert_string_equal(wbw_rec_kind_key(WBW_REC_CLOSE_TOLD), "close_told");
}

static void test_fsync_failure(void **state)
{
	struct wbw_fsync_fail_rec r = rec_fsync_fail(5, MAP, 0xf1, DEV70, 12, 3, -EIO, 42, "postgres");
	struct wbw_ev ev;

	(void)state;
	r.datasync = 1;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_FSYNC_FAIL);
	assert_int_equal(ev.mapping, MAP);
	assert_int_equal(ev.ino, 12);
	assert_int_equal(ev.fsync_fail.file, 0xf1);
	assert_int_equal(ev.fsync_fail.fd, 3);
	assert_int_equal(ev.fsync_fail.err, EIO);
	assert_true(ev.fsync_fail.datasync);
	assert_string_equal(ev.task.comm, "postgres");
	/* a record of another size is refused */
	assert_int_equal(wbw_decode(&r, sizeof(r) - 8, NULL, &ev), WBW_DECODE_SHORT);
}

static void test_path_joined_root_first(void **state)
{
	struct wbw_path_rec r = rec_path(1, MAP, DEV70, 12, "data\0dir\0", 9, 2);
	struct wbw_ev ev;

	(void)state;
	r.i_generation = 9;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.generation, 9);
	assert_int_equal(ev.kind, WBW_EV_PATH);
	assert_string_equal(ev.path.fs_path, "/dir/data");
	assert_int_equal(ev.path.depth, 2);
	assert_true(ev.path.complete);
	assert_false(ev.path.truncated);
}

static void test_path_of_fs_root(void **state)
{
	struct wbw_path_rec r = rec_path(1, MAP, DEV70, 2, "", 0, 0);
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_string_equal(ev.path.fs_path, "/");
}

static void test_release_names_the_releaser_and_how(void **state)
{
	struct wbw_release_rec r = rec_release(300, MAP, 0xffff2, DEV70, 12, 0x0, 0x2,
					       WBW_F_RELEASE_EXITING, 9, 4100, "killed");
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_RELEASE);
	assert_int_equal(ev.mapping, MAP);
	assert_int_equal(ev.dev, DEV70);
	assert_int_equal(ev.ino, 12);
	assert_int_equal(ev.release.file, 0xffff2);
	assert_int_equal(ev.release.cursor, 0);
	assert_int_equal(ev.release.mapping_eseq, 0x1c);
	assert_int_equal(ev.release.f_mode, 0x2);
	assert_true(ev.release.exiting);
	assert_false(ev.release.kthread);
	assert_int_equal(ev.release.exit_code, 9);
	assert_int_equal(ev.task.pid, 4100);
	assert_string_equal(ev.task.comm, "killed");

	r = rec_release(300, MAP, 0xffff2, DEV70, 12, 0x101c, 0x2, WBW_F_RELEASE_KTHREAD, 0, 77,
			"kworker/1:0");
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_false(ev.release.exiting);
	assert_true(ev.release.kthread);
	assert_int_equal(ev.release.cursor, 0x101c);
	/* the kernel's own event (--hooks=kernel) decodes as fentry's does */
	{
		struct wbw_release_rec k = rec_release(300, MAP, 0xffff2, DEV70, 12, 0x0, 0x2,
						       WBW_F_RELEASE_EXITING | WBW_F_RELEASE_UNREPORTED,
						       9, 4100, "killed");
		struct wbw_release_rec f = rec_release(300, MAP, 0xffff2, DEV70, 12, 0x0, 0x2,
						       WBW_F_RELEASE_EXITING, 9, 4100, "killed");
		struct wbw_ev kev, fev;

		assert_int_equal(wbw_decode(&k, sizeof(k), NULL, &kev), WBW_DECODE_OK);
		assert_int_equal(wbw_decode(&f, sizeof(f), NULL, &fev), WBW_DECODE_OK);
		assert_int_equal(kev.rec_flags & ~WBW_F_RELEASE_UNREPORTED, fev.rec_flags);
		kev.rec_flags = fev.rec_flags;
		assert_memory_equal(&kev, &fev, sizeof(kev));
	}
	/* the size is checked like every kind's */
	r.hdr.size = sizeof(r) - 8;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_BAD_SIZE);
}

static void test_syncfs_says_what_the_check_will_report(void **state)
{
	struct wbw_syncfs_rec r = rec_syncfs(400, 0xffff3, DEV70, 2, 5, 0x0, 0x1c, 4200, "sync");
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.kind, WBW_EV_SYNCFS);
	assert_int_equal(ev.task.pid, 4200);
	assert_string_equal(ev.task.comm, "sync");
	assert_int_equal(ev.dev, DEV70);
	assert_int_equal(ev.ino, 2);
	assert_int_equal(ev.mapping, 0);
	assert_int_equal(ev.syncfs.file, 0xffff3);
	assert_int_equal(ev.syncfs.fd, 5);
	assert_int_equal(ev.syncfs.cursor, 0);
	assert_int_equal(ev.syncfs.sb_eseq, 0x1c);
	assert_int_equal(ev.syncfs.f_mode, WBW_FMODE_READ);
	assert_int_equal(ev.syncfs.err, ENOSPC);
	/* errseq_check(): a cursor at the superblock's value reports nothing */
	r = rec_syncfs(400, 0xffff3, DEV70, 2, 5, 0x101c, 0x101c, 4200, "sync");
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.syncfs.err, 0);
	/* a newer error after the seen one: EIO, counter bumped */
	r = rec_syncfs(400, 0xffff3, DEV70, 2, 5, 0x101c, 0x2005, 4200, "sync");
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_OK);
	assert_int_equal(ev.syncfs.err, EIO);
	r.hdr.size -= 8;
	assert_int_equal(wbw_decode(&r, sizeof(r), NULL, &ev), WBW_DECODE_BAD_SIZE);
}

static void test_malformed_records_are_refused(void **state)
{
	struct wbw_set_err_rec s = rec_set(1, MAP, DEV70, 12, 0, 0x1c);
	struct wbw_path_rec p;
	struct wbw_ev ev;

	(void)state;
	assert_int_equal(wbw_decode(&s, 10, NULL, &ev), WBW_DECODE_SHORT);
	assert_int_equal(wbw_decode(&s, sizeof(s) - 1, NULL, &ev), WBW_DECODE_SHORT);
	s.hdr.kind = 99;
	assert_int_equal(wbw_decode(&s, sizeof(s), NULL, &ev), WBW_DECODE_BAD_KIND);
	s.hdr.kind = WBW_REC_OBSERVE; /* an observe record must be 96 bytes */
	assert_int_equal(wbw_decode(&s, sizeof(s), NULL, &ev), WBW_DECODE_BAD_SIZE);

	/* names_len says more than the components hold */
	p = rec_path(1, MAP, DEV70, 12, "data\0dir\0", 9, 1);
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
	/* a component without its NUL */
	p = rec_path(1, MAP, DEV70, 12, "data", 4, 1);
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
	/* a slash inside a dentry name cannot come from the kernel */
	p = rec_path(1, MAP, DEV70, 12, "a/b\0", 4, 1);
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
	/* empty component */
	p = rec_path(1, MAP, DEV70, 12, "\0", 1, 1);
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
	/* lengths beyond the buffer */
	p = rec_path(1, MAP, DEV70, 12, "a\0", 2, 1);
	p.names_len = WBW_PATH_BUF + 1;
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
	p = rec_path(1, MAP, DEV70, 12, "a\0", 2, WBW_PATH_DEPTH + 1);
	assert_int_equal(wbw_decode(&p, sizeof(p), NULL, &ev), WBW_DECODE_BAD_PATH);
}

static void test_status_strings(void **state)
{
	(void)state;
	assert_string_equal(wbw_decode_status_str(WBW_DECODE_BAD_KIND), "unknown record kind");
	assert_string_equal(wbw_decode_status_str(-1), "unknown decode status");
}

static void test_dev_encoding(void **state)
{
	(void)state;
	assert_int_equal(wbw_dev_make(7, 3), (7u << 20) | 3);
	assert_int_equal(wbw_dev_major(wbw_dev_make(259, 65536)), 259);
	assert_int_equal(wbw_dev_minor(wbw_dev_make(259, 65536)), 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_tp_btf_uses_value_read_from_mapping),
		cmocka_unit_test(test_set_after_value_seen_flag_is_stripped),
		cmocka_unit_test(test_set_names_the_writer_with_its_cgroup),
		cmocka_unit_test(test_set_classic_current_kernel_has_previous_only),
		cmocka_unit_test(test_set_classic_old_kernel_carries_new_value),
		cmocka_unit_test(test_set_classic_v2_event_needs_no_quirk),
		cmocka_unit_test(test_observe_reports_errno_when_cursor_moved),
		cmocka_unit_test(test_fsync_failure),
		cmocka_unit_test(test_close_told),
		cmocka_unit_test(test_path_joined_root_first),
		cmocka_unit_test(test_path_of_fs_root),
		cmocka_unit_test(test_syncfs_says_what_the_check_will_report),
		cmocka_unit_test(test_malformed_records_are_refused),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_dev_encoding),
		cmocka_unit_test(test_release_names_the_releaser_and_how),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
