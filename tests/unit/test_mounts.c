// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include "mounts.h"

#define DEV(a, b) (((a) << 20) | (b))

static const char *const sample =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"35 22 0:33 / /sys/kernel/tracing rw,nosuid - tracefs nodev rw\n"
	/* optional fields of any number before the separator */
	"40 22 7:0 / /mnt/with\\040space rw shared:5 master:3 - ext4 /dev/loop0 rw,errors=continue\n"
	/* a bind mount of a subdirectory of the same filesystem */
	"41 22 7:0 /srv/data /data rw - ext4 /dev/loop0 rw\n"
	/* only the subdirectory of 7:1 is mounted */
	"42 22 7:1 /export /exp rw - ext4 /dev/loop1 rw\n"
	"garbage line\n";

/* overlay mounts: upperdir among the super options, a comma in it escaped */
static const char *const overlays =
	"22 1 254:0 / / rw - ext4 /dev/vda rw\n"
	"50 22 7:2 / /disk rw - ext4 /dev/loop2 rw,errors=continue\n"
	"51 22 0:44 / /merged rw - overlay ovl rw,lowerdir=/lower,upperdir=/disk/up,workdir=/disk/work\n"
	"52 22 0:45 / /m2 rw - overlay ovl rw,lowerdir=/l,upperdir=/disk/a\\054b,workdir=/disk/w\n"
	/* a bind of an overlay's subdirectory: not the merged root */
	"53 22 0:44 /sub /elsewhere rw - overlay ovl rw,lowerdir=/lower,upperdir=/disk/up,workdir=/disk/work\n"
	/* read-only overlay: no upper layer */
	"54 22 0:46 / /ro rw - overlay ovl ro,lowerdir=/a:/b\n";

static void test_overlay_path(void **state)
{
	struct wbw_mounts m = { 0 };
	char out[256];

	(void)state;
	assert_int_equal(wbw_mounts__parse(&m, overlays), 0);
	assert_int_equal(m.n, 6);
	assert_string_equal(m.v[2].upperdir, "/disk/up");
	assert_string_equal(m.v[3].upperdir, "/disk/a,b");
	assert_null(m.v[5].upperdir);
	assert_null(m.v[1].upperdir);
	assert_int_equal(wbw_mounts__overlay_path(&m, "/disk/up/dir/f", out, sizeof(out)), 0);
	assert_string_equal(out, "/merged/dir/f");
	assert_int_equal(wbw_mounts__overlay_path(&m, "/disk/a,b/g", out, sizeof(out)), 0);
	assert_string_equal(out, "/m2/g");
	/* a sibling that merely starts with the same letters, the work dir, elsewhere */
	assert_int_equal(wbw_mounts__overlay_path(&m, "/disk/upper/f", out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "");
	assert_int_equal(wbw_mounts__overlay_path(&m, "/disk/work/f", out, sizeof(out)), -ENOENT);
	assert_int_equal(wbw_mounts__overlay_path(&m, "/disk/up/dir/f", out, 8), -ENAMETOOLONG);
	wbw_mounts__free(&m);
}

static void test_parse_and_find(void **state)
{
	struct wbw_mounts m = { 0 };
	const struct wbw_mount *e;

	(void)state;
	assert_int_equal(wbw_mounts__parse(&m, sample), 0);
	assert_int_equal(m.n, 5);
	e = wbw_mounts__find(&m, DEV(7, 0), "/srv/data/f");
	assert_non_null(e);
	/* the whole filesystem wins over a bind mount of part of it */
	assert_string_equal(e->mountpoint, "/mnt/with space");
	assert_string_equal(e->fstype, "ext4");
	assert_string_equal(e->source, "/dev/loop0");
	assert_null(wbw_mounts__find(&m, DEV(8, 0), "/x"));
	wbw_mounts__free(&m);
}

/* /proc/PID/fd paths back to paths within the filesystem (start-up catch-up) */
static void test_fs_path(void **state)
{
	struct wbw_mounts m = { 0 };
	char out[256];

	(void)state;
	assert_int_equal(wbw_mounts__parse(&m, sample), 0);
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 0), "/mnt/with space/dir/f", out, sizeof(out)), 0);
	assert_string_equal(out, "/dir/f");
	/* through the bind mount of a subdirectory: its root comes back */
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 0), "/data/f", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/data/f");
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 1), "/exp", out, sizeof(out)), 0);
	assert_string_equal(out, "/export");
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(254, 0), "/etc/passwd", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/passwd");
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 0), "/mnt/with space", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	/* a prefix that is not a directory boundary, another device, no mount */
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 0), "/database/f", out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "");
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(8, 0), "/x", out, sizeof(out)), -ENOENT);
	assert_int_equal(wbw_mounts__fs_path(&m, DEV(7, 0), "/data/f", out, 4), -ENAMETOOLONG);
	wbw_mounts__free(&m);
}

static void test_join(void **state)
{
	struct wbw_mounts m = { 0 };
	char out[256];

	(void)state;
	assert_int_equal(wbw_mounts__parse(&m, sample), 0);
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 0), "/dir/data", out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/with space/dir/data");
	assert_int_equal(wbw_mounts__join(&m, DEV(254, 0), "/etc/passwd", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/passwd");
	assert_int_equal(wbw_mounts__join(&m, DEV(254, 0), "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 0), "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/with space");
	/* only /export of 7:1 is visible */
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 1), "/export/a/b", out, sizeof(out)), 0);
	assert_string_equal(out, "/exp/a/b");
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 1), "/exported", out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "");
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 1), "/other", out, sizeof(out)), -ENOENT);
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 0), "/dir/data", out, 8), -ENAMETOOLONG);
	wbw_mounts__free(&m);
}

static void test_reparse_replaces(void **state)
{
	struct wbw_mounts m = { 0 };
	char out[64];

	(void)state;
	assert_int_equal(wbw_mounts__parse(&m, sample), 0);
	/* the device number is reused by a mount elsewhere */
	assert_int_equal(wbw_mounts__parse(&m, "50 1 7:0 / /new rw - ext4 /dev/loop0 rw\n"), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(wbw_mounts__join(&m, DEV(7, 0), "/f", out, sizeof(out)), 0);
	assert_string_equal(out, "/new/f");
	wbw_mounts__free(&m);
}

/* the host's table vs a container's (overlay root) and vs unshare -m's copy */
static void test_same_root(void **state)
{
	static const char host[] =
		"22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
		"30 22 7:0 / /mnt/fx rw - ext4 /dev/loop0 rw\n";
	static const char unshared[] =
		"622 600 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
		"640 622 7:3 / /tmp/fx rw - ext4 /dev/loop3 rw\n";
	static const char container[] =
		"700 650 0:77 / / ro,relatime - overlay overlay rw,lowerdir=/l\n"
		"701 700 254:1 /var/lib/x /data rw - ext4 /dev/vda1 rw\n";
	/* a chroot into a directory of the same filesystem */
	static const char chrooted[] = "800 1 254:1 /srv/root / rw - ext4 /dev/vda1 rw\n";
	/* overmounted: the last mount on / counts */
	static const char over[] = "1 0 254:1 / / rw - ext4 /dev/vda1 rw\n"
				   "2 1 0:77 / / rw - overlay overlay rw\n";
	struct wbw_mounts a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(wbw_mounts__parse(&a, host), 0);
	assert_int_equal(wbw_mounts__parse(&b, unshared), 0);
	assert_true(wbw_mounts__same_root(&a, &b));
	assert_int_equal(wbw_mounts__parse(&b, container), 0);
	assert_false(wbw_mounts__same_root(&a, &b));
	assert_int_equal(wbw_mounts__parse(&b, chrooted), 0);
	assert_false(wbw_mounts__same_root(&a, &b));
	assert_int_equal(wbw_mounts__parse(&b, over), 0);
	assert_false(wbw_mounts__same_root(&a, &b));
	assert_int_equal(wbw_mounts__parse(&b, ""), 0);
	assert_false(wbw_mounts__same_root(&a, &b));
	wbw_mounts__free(&a);
	wbw_mounts__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_find),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_fs_path),
		cmocka_unit_test(test_reparse_replaces),
		cmocka_unit_test(test_same_root),
		cmocka_unit_test(test_overlay_path),
	};
	return cmocka_run_group_tests_name("mounts", tests, NULL, NULL);
}
