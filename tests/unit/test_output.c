// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Exact output of each record kind in both formats. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "output.h"

#define DEV70 ((7u << 20) | 0)
/* 2026-11-24T08:51:12Z at monotonic 4195 s */
#define OFFSET_NS ((int64_t)1795510272 * 1000000000 - (int64_t)4195 * 1000000000)

static struct wbw_mounts mounts;

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return wbw_mounts__parse(&mounts, "40 22 7:0 / /mnt/fx rw - ext4 /dev/loop0 rw\n"
					  "41 22 0:44 / /merged rw - overlay ovl "
					  "rw,lowerdir=/l,upperdir=/mnt/fx/up,workdir=/mnt/fx/work\n"
					  "42 22 0:43 / /mnt/bt rw - btrfs /dev/loop3 rw\n"
					  /* a real directory, as a btrfs: stat_dev is read from it */
					  "43 22 0:50 / /tmp rw - btrfs /dev/loop4 rw\n");
}

static int teardown(void **state)
{
	(void)state;
	wbw_mounts__free(&mounts);
	return 0;
}

static const struct wbw_error sample_error = {
	.id = 1,
	.dev = DEV70,
	.ino = 12,
	.mapping = 0xffff88811ca5bbd0ull,
	.eseq = 0x1c,
	.first_raw = 0,
	.err = ENOSPC,
	.first_ts = 4195000000000ull + 285482000,
	.last_ts = 4195000000000ull + 318000000,
	.events = 18,
	.first_ctx = { .pid = 14, .tid = 14, .cgroup_id = 1, .comm = "ksoftirqd/0" },
	.fs_path = "/data",
};

/* a made-up container for cgroup 7001 (a pod's) and 7002 (podman's) */
static const struct wbw_container pod_db = {
	.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	.runtime = "containerd", .pod = "web-0", .ns = "prod", .name = "db", .pod_uid = "42",
};
static const struct wbw_container podman_app = {
	.id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
	.runtime = "podman", .name = "wbw-app",
};

/* render() asks fake_fsync_seen where fsync results are seen when set */
static bool with_fsync_seen;

/* as on a kernel without fentry: ext4's fsync results only */
static bool fake_fsync_seen(void *ctx, const char *fstype)
{
	(void)ctx;
	return !strcmp(fstype, "ext4");
}

static const struct wbw_container *fake_container_of(void *ctx, uint64_t id)
{
	(void)ctx;
	return id == 7001 ? &pod_db : id == 7002 ? &podman_app : NULL;
}

static char *render(bool json, void (*fn)(struct wbw_output *, const void *), const void *arg)
{
	struct wbw_output o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	wbw_output__init(&o, f, json, &mounts, OFFSET_NS);
	o.container_of = fake_container_of;
	if (with_fsync_seen)
		o.fsync_seen = fake_fsync_seen;
	o.header_done = true;
	fn(&o, arg);
	fclose(f);
	return buf;
}

static void do_error(struct wbw_output *o, const void *e)
{
	wbw_output__error(o, e);
}

static void do_observe(struct wbw_output *o, const void *ob)
{
	wbw_output__observe(o, ob);
}

static void do_fsync_failure(struct wbw_output *o, const void *f)
{
	wbw_output__fsync_failure(o, f);
}

/* text shows only a failure not from errseq (the other is the observe line); JSON both */
static void test_fsync_failure(void **state)
{
	struct wbw_fsync_failure f = {
		.ts_ns = 4195000000000ull + 318040000,
		.task = { .pid = 3247, .tid = 3247, .cgroup_id = 1, .comm = "postgres" },
		.dev = DEV70,
		.ino = 49,
		.mapping = 0xffff88811ca5bbd0ull,
		.file = 0xffff88810a12ae40ull,
		.fd = 14,
		.err = EIO,
		.fs_path = "/base/1/2",
	};
	char *s;

	(void)state;
	s = render(false, do_fsync_failure, &f);
	assert_non_null(strstr(s, "fsyncerr EIO     7:0     49         /mnt/fx/base/1/2  fsync by "
				  "postgres[3247] fd 14 failed, not from a writeback error"));
	free(s);
	s = render(true, do_fsync_failure, &f);
	assert_non_null(strstr(s, "\"type\":\"fsync_error\",\"error_id\":null,\"errseq\":false,"));
	assert_non_null(strstr(s, "\"call\":\"fsync\""));
	assert_non_null(strstr(s, "\"fd\":14,\"process\":{\"pid\":3247"));
	free(s);
	f.from_errseq = true;
	f.error = &sample_error;
	s = render(false, do_fsync_failure, &f);
	assert_string_equal(s, "");
	free(s);
	s = render(true, do_fsync_failure, &f);
	assert_non_null(strstr(s, "\"error_id\":1,\"errseq\":true,"));
	free(s);
}

/* a file in an overlay's upper layer: the merged path beside the upper one */
static void test_overlay_path_json(void **state)
{
	struct wbw_error e = sample_error;
	char *s;

	(void)state;
	e.fs_path = "/up/d/f";
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"path\":\"/mnt/fx/up/d/f\",\"overlay_path\":\"/merged/d/f\","
				  "\"fs_path\":\"/up/d/f\""));
	free(s);
	s = render(false, do_error, &e);
	assert_string_equal(s, "08:51:12.285 wb_error ENOSPC  7:0     12         /mnt/fx/up/d/f "
			       "(overlay: /merged/d/f)  events=18 errseq=0x1c "
			       "completed-by=ksoftirqd/0[14]\n");
	free(s);
	/* only a path the walk gave whole is mapped */
	e.path_truncated = true;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"overlay_path\":null"));
	free(s);
}

/* btrfs's btree inode: no path, labelled as the filesystem's metadata */
static void test_btrfs_metadata(void **state)
{
	struct wbw_error e = sample_error;
	char *s;

	(void)state;
	e.dev = (0u << 20) | 43;
	e.ino = 1;
	e.fs_path = NULL;
	e.err = EIO;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"path\":null,\"overlay_path\":null,\"fs_path\":null"));
	assert_non_null(strstr(s, "\"bdev\":null,\"fs_metadata\":\"btrfs btree inode\""));
	free(s);
	s = render(false, do_error, &e);
	assert_non_null(strstr(s, " [btrfs metadata (btree inode) of /dev/loop3] "));
	free(s);
	/* inode 1 of another filesystem, or a btrfs inode with a path, is a file */
	e.dev = DEV70;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"fs_metadata\":null"));
	free(s);
	e.dev = (0u << 20) | 43;
	e.fs_path = "/f";
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"fs_metadata\":null"));
	free(s);
}

/* btrfs: stat_dev is what stat(2) says for the file, while it is the same inode */
static void test_btrfs_stat_dev(void **state)
{
	struct wbw_error e = sample_error;
	char tmpl[] = "/tmp/wbw-test-output.XXXXXX", want[64], *s;
	struct stat st;
	int fd = mkstemp(tmpl);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	e.dev = 50;
	e.ino = st.st_ino;
	e.fs_path = tmpl + 4; /* under /tmp, "mounted" as 0:50 */
	snprintf(want, sizeof(want), "\"stat_dev\":\"%u:%u\"", major(st.st_dev), minor(st.st_dev));
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, want));
	free(s);
	/* another inode at that path now: no number */
	e.ino = st.st_ino + 1;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"stat_dev\":null"));
	free(s);
	close(fd);
	unlink(tmpl);
	/* gone */
	e.ino = st.st_ino;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"stat_dev\":null"));
	free(s);
}

static void test_error_json(void **state)
{
	char *s = render(true, do_error, &sample_error);

	(void)state;
	assert_string_equal(
		s, "{\"schema\":1,\"type\":\"wb_error\",\"id\":1,\"time\":\"2026-11-24T08:51:12.285482Z\","
		   "\"ts_ns\":4195285482000,\"errno\":28,\"errno_name\":\"ENOSPC\",\"dev\":\"7:0\","
		   "\"ino\":12,\"path\":\"/mnt/fx/data\",\"overlay_path\":null,\"fs_path\":\"/data\",\"path_truncated\":false,\"stat_dev\":null,"
		   "\"mapping\":\"0xffff88811ca5bbd0\",\"bdev\":null,\"fs_metadata\":null,\"errseq\":28,"
		   "\"event_errseq\":0,\"events\":18,"
		   "\"first_ts_ns\":4195285482000,\"last_ts_ns\":4195318000000,"
		   "\"context\":{\"pid\":14,\"tid\":14,\"comm\":\"ksoftirqd/0\",\"cgroup_id\":1,\"container\":null},"
		   "\"writer\":null,\"first_look_ms\":null,\"predates_watch\":false,"
		   "\"hit_time_known\":true}\n");
	free(s);
}

static void test_error_plain(void **state)
{
	char *s = render(false, do_error, &sample_error);

	(void)state;
	assert_string_equal(s, "08:51:12.285 wb_error ENOSPC  7:0     12         /mnt/fx/data  "
			       "events=18 errseq=0x1c completed-by=ksoftirqd/0[14]\n");
	free(s);
}

static void test_writer_is_named(void **state)
{
	struct wbw_error e = sample_error;
	char *s;

	(void)state;
	e.writer_known = true;
	e.writer = (struct wbw_task){ .pid = 3247, .cgroup_id = 5021, .comm = "postgres" };
	e.writer_ts = 4195000000000ull + 100000000;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"writer\":{\"pid\":3247,\"comm\":\"postgres\","
				  "\"cgroup_id\":5021,\"container\":null,\"dirtied_time\":\"2026-11-24T08:51:12.100000Z\"}"));
	free(s);
	s = render(false, do_error, &e);
	assert_non_null(strstr(s, " errseq=0x1c written-by=postgres[3247] completed-by=ksoftirqd/0[14]"));
	free(s);
}

static void test_bdev_error_is_labelled(void **state)
{
	struct wbw_error e = sample_error;
	char *s;

	(void)state;
	e.bdev = (7u << 20) | 0;
	e.dev = 3; /* 0:3, the bdev pseudo-filesystem */
	e.fs_path = NULL;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"bdev\":\"7:0\""));
	free(s);
	s = render(false, do_error, &e);
	assert_non_null(strstr(s, " 0:3     12         [block device 7:0]  events=18"));
	free(s);
}

static void test_error_unknown_path_and_errno(void **state)
{
	struct wbw_error e = sample_error;
	char *s;

	(void)state;
	e.fs_path = NULL;
	e.err = 0;
	e.mapping = 0;
	s = render(true, do_error, &e);
	assert_non_null(strstr(s, "\"errno\":null,\"errno_name\":null"));
	assert_non_null(strstr(s, "\"path\":null,\"overlay_path\":null,\"fs_path\":null"));
	assert_non_null(strstr(s, "\"mapping\":null"));
	free(s);
	/* a path on a device we cannot find a mount for */
	e.fs_path = "/data";
	e.dev = (8u << 20) | 1;
	s = render(false, do_error, &e);
	assert_non_null(strstr(s, " ?/data "));
	free(s);
}

static void test_observe_json(void **state)
{
	struct wbw_observation ob = {
		.error = &sample_error,
		.ts_ns = 4195000000000ull + 318040000,
		.task = { .pid = 3247, .tid = 3247, .cgroup_id = 1, .comm = "wbw-io" },
		.dev = DEV70,
		.ino = 12,
		.mapping = 0xffff88811ca5bbd0ull,
		.file = 0xffff88810a12ae40ull,
		.old = 0,
		.new_cursor = 0x101c,
		.err = ENOSPC,
		.f_mode = 0xc5d801e,
		.f_flags = 0x8001,
		.fd = 4,
		.fs_path = "/data",
	};
	char *s = render(true, do_observe, &ob);

	(void)state;
	assert_string_equal(
		s, "{\"schema\":1,\"type\":\"observe\",\"error_id\":1,"
		   "\"time\":\"2026-11-24T08:51:12.318040Z\",\"ts_ns\":4195318040000,\"errno\":28,"
		   "\"errno_name\":\"ENOSPC\",\"dev\":\"7:0\",\"ino\":12,\"path\":\"/mnt/fx/data\","
		   "\"overlay_path\":null,\"fs_path\":\"/data\",\"path_truncated\":false,\"stat_dev\":null,\"mapping\":\"0xffff88811ca5bbd0\","
		   "\"file\":\"0xffff88810a12ae40\",\"fd\":4,\"cursor_old\":0,\"cursor_new\":4124,"
		   "\"f_mode\":207454238,\"f_flags\":32769,"
		   "\"process\":{\"pid\":3247,\"tid\":3247,\"comm\":\"wbw-io\",\"cgroup_id\":1,\"container\":null}}\n");
	free(s);
	ob.error = NULL;
	s = render(false, do_observe, &ob);
	assert_string_equal(s, "08:51:12.318 observe  ENOSPC  7:0     12         /mnt/fx/data  "
			       "told=wbw-io[3247] cursor=0x0->0x101c\n");
	free(s);
}

static void do_verdict(struct wbw_output *o, const void *v)
{
	wbw_output__verdict(o, v);
}

/* told by syncfs: on the fd it was called on, and on another file of the caller */
static void test_syncfs_verdict(void **state)
{
	struct wbw_error listed = sample_error;
	struct wbw_verdict v = {
		.kind = WBW_V_REPORTED,
		.error = &listed,
		.ts_ns = 4195000000000ull + 400000000,
		.final = true,
		.file = 0xffff88810a12ae40ull,
		.f_mode = 0x1,
		.cursor = 0,
		.holder = { .pid = 3247, .tid = 3247, .cgroup_id = 1, .comm = "wbw-io" },
		.fd = 5,
		.nholders = 1,
		.told_via = WBW_TOLD_SYNCFS,
		.syncfs_fd = 5,
		.syncfs_file = 0xffff88810a12ae40ull,
		.syncfs_err = EIO,
		.app = WBW_APP_PROCESS(3247),
	};
	char *s;

	(void)state;
	/* its files were first listed 12.7 ms after the error: whole ms in JSON */
	listed.first_look_ts = listed.first_ts + 12700000;
	s = render(true, do_verdict, &v);
	assert_string_equal(
		s, "{\"schema\":1,\"type\":\"verdict\",\"verdict\":\"reported\",\"error_id\":1,"
		   "\"time\":\"2026-11-24T08:51:12.400000Z\",\"ts_ns\":4195400000000,\"errno\":28,"
		   "\"errno_name\":\"ENOSPC\",\"dev\":\"7:0\",\"ino\":12,\"path\":\"/mnt/fx/data\","
		   "\"overlay_path\":null,\"fs_path\":\"/data\",\"path_truncated\":false,\"stat_dev\":null,\"bdev\":null,\"fs_metadata\":null,"
		   "\"writer\":null,"
		   "\"first_look_ms\":12,"
		   "\"final\":true,\"file\":\"0xffff88810a12ae40\",\"f_mode\":1,\"cursor\":0,"
		   "\"holder\":{\"pid\":3247,\"comm\":\"wbw-io\",\"cgroup_id\":1,\"container\":null,\"fd\":5,\"processes\":1},"
		   "\"application\":\"process:3247\",\"told_via\":\"syncfs\",\"syncfs\":{\"fd\":5,\"file\":\"0xffff88810a12ae40\","
		   "\"errno\":5,\"errno_name\":\"EIO\"}}\n");
	free(s);
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "REPORTED to wbw-io[3247] via syncfs on fd 5 (it returned EIO) (error 1)\n");
	free(s);
	v.file = 0xffff88810a12ae00ull;
	v.fd = 3;
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "REPORTED to wbw-io[3247] fd 3 via syncfs on fd 5 (it returned EIO) "
			       "(error 1)\n");
	free(s);
}

/*
 * A release untold: provisional in JSON at once (final false), in text only
 * once final or restated as pending at the end; a handover names who of
 * the application was told.
 */
static void test_release_verdicts(void **state)
{
	struct wbw_verdict v = {
		.kind = WBW_V_UNREPORTED,
		.error = &sample_error,
		.ts_ns = 4195000000000ull + 400000000,
		.file = 0xffff88810a12ae40ull,
		.f_mode = 0x2,
		.holder = { .pid = 3247, .tid = 3247, .cgroup_id = 500, .comm = "postgres" },
		.fd = 14,
		.nholders = 1,
		.released = WBW_RELEASE_CLOSE,
		.releaser = { .pid = 3247, .tid = 3247, .cgroup_id = 500, .comm = "postgres" },
		.app = 500,
	};
	char *s = render(true, do_verdict, &v);

	(void)state;
	assert_non_null(strstr(s, "\"verdict\":\"unreported\","));
	assert_non_null(strstr(s, "\"final\":false,"));
	assert_non_null(strstr(s, "\"application\":\"cgroup:500\",\"window_expired\":false,"
				  "\"released_by\":{\"how\":\"close\",\"pid\":3247,\"comm\":\"postgres\"}}"));
	free(s);
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "");
	free(s);
	v.restated = true;
	s = render(true, do_verdict, &v);
	assert_string_equal(s, "");
	free(s);
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "UNREPORTED: held by postgres[3247] fd 14, released by close of "
			       "postgres[3247] (pending: its application may still be told) (error 1)\n");
	free(s);
	v.restated = false;
	v.final = true;
	v.window_expired = true;
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "UNREPORTED: held by postgres[3247] fd 14, released by close of "
			       "postgres[3247] (no process of its application told within the "
			       "handover window) (error 1)\n");
	free(s);
	v.kind = WBW_V_REPORTED;
	v.told_via = WBW_TOLD_HANDOVER;
	v.told_task = (struct wbw_task){ .pid = 3301, .tid = 3301, .cgroup_id = 500,
					 .comm = "checkpointer" };
	v.told_ts = 4195000000000ull + 900000000;
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "REPORTED to its application: held by postgres[3247] fd 14, released "
			       "untold by close of postgres[3247], then checkpointer[3301] was told at "
			       "08:51:12.900 (error 1)\n");
	free(s);
	s = render(true, do_verdict, &v);
	assert_non_null(strstr(s, "\"told_via\":\"handover\",\"told\":{\"pid\":3301,"
				  "\"comm\":\"checkpointer\",\"time\":\"2026-11-24T08:51:12.900000Z\"},"
				  "\"late\":false,\"released_by\":{\"how\":\"close\""));
	free(s);
}

static void test_summary_and_fatal(void **state)
{
	struct wbw_summary sum = { .corr = { .errors = 2, .observations = 1, .set_events = 30,
					     .observe_events = 1 },
				   .lost = { 0, 3, 0, 1, 0, 0, 0, 0 },
				   .lost_total = 4,
				   .duration_s = 1.5 };
	struct wbw_output o;
	char *out = NULL, *hum = NULL;
	size_t ol = 0, hl = 0;
	FILE *fo = open_memstream(&out, &ol), *fh = open_memstream(&hum, &hl);

	(void)state;
	wbw_output__init(&o, fo, true, &mounts, OFFSET_NS);
	o.verdicts[WBW_V_UNREPORTED][ENOSPC] = 2;
	wbw_output__summary(&o, fh, &sum);
	fclose(fo);
	fclose(fh);
	assert_string_equal(out, "{\"schema\":1,\"type\":\"summary\",\"errors\":2,\"observations\":1,"
				 "\"set_events\":30,\"observe_events\":1,\"lost\":{\"set_err\":3,"
				 "\"observe\":0,\"path\":1,\"file\":0,\"exit\":0,\"retry\":0,\"dirty\":0,"
				 "\"release\":0,\"syncfs\":0,\"fsync_error\":0,\"close_told\":0,\"total\":4},\"decode_errors\":0,\"inodes_dropped\":0,\"files_dropped\":0,\"verdicts\":{"
				 "\"reported\":{},\"unreported\":{\"ENOSPC\":2},\"unseen\":{},"
				 "\"superseded\":{},\"retried\":{}},"
				 "\"unreported_pending\":0,\"looked_late\":0,\"handovers\":0,\"failed_fsyncs\":{\"errseq\":0,\"other\":0},\"complete\":false}\n");
	/* lost records are said out loud */
	assert_non_null(strstr(hum, "WARNING: incomplete: 4 records lost"));
	assert_non_null(strstr(hum, "unreported 2: ENOSPC 2\n"));
	free(out);
	free(hum);
}

static void test_write_error_marks_broken(void **state)
{
	struct wbw_output o;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	wbw_output__init(&o, f, true, &mounts, OFFSET_NS);
	wbw_output__error(&o, &sample_error);
	assert_true(o.broken);
	fclose(f);
}

static void test_errno_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(wbw_errno_name(EIO, buf, sizeof(buf)), "EIO");
	assert_string_equal(wbw_errno_name(ENOSPC, buf, sizeof(buf)), "ENOSPC");
	assert_string_equal(wbw_errno_name(0, buf, sizeof(buf)), "");
	assert_string_equal(wbw_errno_name(4000, buf, sizeof(buf)), "E4000");
}

/* a verdict about a process in a container names the container */
static void test_container_labels(void **state)
{
	struct wbw_error e = sample_error;
	struct wbw_verdict v = {
		.kind = WBW_V_REPORTED, .error = &e, .ts_ns = 4195000000000ull + 400000000,
		.final = true, .file = 0xffff88810a12ae40ull, .f_mode = 0x2,
		.holder = { .pid = 3247, .tid = 3247, .cgroup_id = 7001, .comm = "postgres" },
		.fd = 5, .nholders = 1, .told_via = WBW_TOLD_CHECK, .app = 7001,
	};
	char *s;

	(void)state;
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "REPORTED to postgres[3247] [pod web-0 in namespace prod, container db] "
			       "(error 1)\n");
	free(s);
	s = render(true, do_verdict, &v);
	assert_non_null(strstr(s, "\"holder\":{\"pid\":3247,\"comm\":\"postgres\",\"cgroup_id\":7001,"
			       "\"container\":{\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
			       "0123456789abcdef\",\"runtime\":\"containerd\",\"name\":\"db\",\"pod\":"
			       "\"web-0\",\"namespace\":\"prod\",\"pod_uid\":\"42\"},\"fd\":5"));
	free(s);
	/* UNSEEN: the writer's container, without pod */
	e.writer_known = true;
	e.writer = (struct wbw_task){ .pid = 88, .cgroup_id = 7002, .comm = "app" };
	v.kind = WBW_V_UNSEEN;
	v.final = true;
	s = render(false, do_verdict, &v);
	assert_string_equal(s, "08:51:12.400 verdict  ENOSPC  7:0     12         /mnt/fx/data  "
			       "UNSEEN: no file was told [container wbw-app (podman fedcba987654)] "
			       "(error 1)\n");
	free(s);
	s = render(true, do_verdict, &v);
	assert_non_null(strstr(s, "\"writer\":{\"pid\":88,\"comm\":\"app\",\"cgroup_id\":7002,"
			       "\"container\":{\"id\":\"fedcba9876543210fedcba9876543210fedcba9876543210"
			       "fedcba9876543210\",\"runtime\":\"podman\",\"name\":\"wbw-app\",\"pod\":"
			       "null,\"namespace\":null,\"pod_uid\":null},"));
	free(s);
	/* the error line names the writer's container too */
	s = render(false, do_error, &e);
	assert_non_null(strstr(s, " written-by=app[88] [container wbw-app (podman fedcba987654)] "));
	free(s);
}

static void do_verdict_r(struct wbw_output *o, const void *v)
{
	wbw_output__verdict(o, v);
}

static void do_start(struct wbw_output *o, const void *info)
{
	wbw_output__start(o, info);
}

/*
 * A REPORTED told by a check says whether a false-success retry would be
 * seen on the error's filesystem: true on ext4, false on a btrfs whose
 * fsync results are not seen (text says so), null when not known.
 */
static void test_retry_seen(void **state)
{
	struct wbw_error e = sample_error;
	struct wbw_verdict v = {
		.kind = WBW_V_REPORTED, .error = &e, .ts_ns = 4195000000000ull + 400000000,
		.final = true, .file = 0xffff88810a12ae40ull, .f_mode = 0x2,
		.holder = { .pid = 3247, .tid = 3247, .cgroup_id = 1, .comm = "postgres" },
		.fd = 5, .nholders = 1, .told_via = WBW_TOLD_CHECK, .app = 1,
	};
	struct wbw_start_info start = {
		.version = "0", .kernel = "6.18", .tp_mode = "raw_tp", .lifetime = "iter",
		.hooks = "tracepoint", .priority = "fifo",
		.fsync_seen = { true, false, false },
		.fsync_why = { NULL, "needs fexit", "needs fexit" },
	};
	char *s;

	(void)state;
	s = render(true, do_verdict_r, &v);
	assert_non_null(strstr(s, "\"told_via\":\"check\",\"retry_seen\":null"));
	free(s);
	with_fsync_seen = true;
	s = render(true, do_verdict_r, &v);
	assert_non_null(strstr(s, "\"told_via\":\"check\",\"retry_seen\":true"));
	free(s);
	s = render(false, do_verdict_r, &v);
	assert_non_null(strstr(s, "REPORTED to postgres[3247] (error 1)\n"));
	free(s);
	e.dev = (0u << 20) | 43; /* the btrfs mounted at /mnt/bt */
	s = render(true, do_verdict_r, &v);
	assert_non_null(strstr(s, "\"told_via\":\"check\",\"retry_seen\":false"));
	free(s);
	s = render(false, do_verdict_r, &v);
	assert_non_null(strstr(s, "REPORTED to postgres[3247] (a retried fsync's false success is not "
				  "seen on btrfs here) (error 1)\n"));
	free(s);
	/* told via syncfs: no retry is watched, no retry_seen */
	v.told_via = WBW_TOLD_SYNCFS;
	s = render(true, do_verdict_r, &v);
	assert_null(strstr(s, "retry_seen"));
	free(s);
	with_fsync_seen = false;
	s = render(true, do_start, &start);
	assert_non_null(strstr(s, "\"fsync_results\":{\"ext4\":true,\"xfs\":false,\"btrfs\":false},"
				  "\"fsync_results_missing\":{\"xfs\":\"needs fexit\",\"btrfs\":"
				  "\"needs fexit\"}}"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_fsync_failure),
		cmocka_unit_test(test_overlay_path_json),
		cmocka_unit_test(test_btrfs_metadata),
		cmocka_unit_test(test_btrfs_stat_dev),
		cmocka_unit_test(test_error_plain),
		cmocka_unit_test(test_error_unknown_path_and_errno),
		cmocka_unit_test(test_bdev_error_is_labelled),
		cmocka_unit_test(test_writer_is_named),
		cmocka_unit_test(test_observe_json),
		cmocka_unit_test(test_syncfs_verdict),
		cmocka_unit_test(test_container_labels),
		cmocka_unit_test(test_release_verdicts),
		cmocka_unit_test(test_summary_and_fatal),
		cmocka_unit_test(test_write_error_marks_broken),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_retry_seen),
	};
	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
