// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "container.h"
#include "jsonread.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID3 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static struct wbw_container parse(const char *path, bool expect)
{
	struct wbw_container c = { 0 };

	assert_int_equal(wbw_container_from_cgroup(path, &c), expect);
	return c;
}

static void test_cgroup_layouts(void **state)
{
	struct wbw_container c;

	(void)state;
	/* kubelet's systemd driver with containerd's CRI */
	c = parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000_"
		  "1111_2222_333344445555.slice/cri-containerd-" ID ".scope", true);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.runtime, "containerd");
	assert_string_equal(c.pod_uid, "1a2b3c4d-0000-1111-2222-333344445555");
	/* guaranteed QoS has no qos slice; CRI-O */
	c = parse("/kubepods.slice/kubepods-pod77.slice/crio-" ID ".scope", true);
	assert_string_equal(c.runtime, "cri-o");
	assert_string_equal(c.pod_uid, "77");
	/* CRI-O's monitor is not the container */
	parse("/kubepods.slice/kubepods-pod77.slice/crio-conmon-" ID ".scope", false);
	/* kubelet's cgroupfs driver: the runtime is not in the path */
	c = parse("/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/" ID, true);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.runtime, "");
	assert_string_equal(c.pod_uid, "1a2b3c4d-0000-1111-2222-333344445555");
	c = parse("/kubepods/pod9/" ID, true);
	assert_string_equal(c.pod_uid, "9");
	/* podman: cgroupfs and systemd managers, and the container's own sub-cgroup */
	c = parse("/libpod_parent/libpod-" ID, true);
	assert_string_equal(c.runtime, "podman");
	assert_string_equal(c.pod_uid, "");
	c = parse("/machine.slice/libpod-" ID ".scope/container", true);
	assert_string_equal(c.id, ID);
	parse("/machine.slice/libpod-conmon-" ID ".scope", false);
	/* docker, both drivers */
	c = parse("/system.slice/docker-" ID ".scope", true);
	assert_string_equal(c.runtime, "docker");
	c = parse("/docker/" ID, true);
	assert_string_equal(c.runtime, "docker");
	/* the deepest container wins (a container running containers) */
	c = parse("/docker/" ID "/docker/" ID2, true);
	assert_string_equal(c.id, ID2);
	/* not containers */
	parse("/", false);
	parse("", false);
	parse("/system.slice/postgresql.service", false);
	parse("/user.slice/user-0.slice/session-1.scope", false);
	parse("/kubepods/besteffort/pod1", false);
	parse("/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", false); /* 63 */
	parse("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false);
	parse("/system.slice/docker-" ID "x.scope", false);
	parse("//kubepods//pod1//" ID "//", true);
}

static const char cri_config[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/pause\"],\"env\":[\"A=\\\"b\\\"\"],"
	"\"user\":{\"uid\":0,\"gid\":-1.5e3}},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.sandbox-name\":\"web-0\",\"io.kubernetes.cri.sandbox-namespace\":"
	"\"prod\",\"io.kubernetes.cri.container-name\":\"db\",\"n\":null,\"o\":{\"x\":[1,2]}},"
	"\"linux\":{\"cgroupsPath\":\"kubepods-besteffort-pod1.slice:cri-containerd:x\"}}";

static void test_config_annotations(void **state)
{
	struct wbw_container c = { 0 };

	(void)state;
	assert_true(wbw_container_parse_config(cri_config, strlen(cri_config), &c));
	assert_string_equal(c.pod, "web-0");
	assert_string_equal(c.ns, "prod");
	assert_string_equal(c.name, "db");
	assert_string_equal(c.runtime, "containerd");

	/* CRI-O */
	const char *crio = "{ \"annotations\" : { \"io.kubernetes.pod.name\": \"api-7d9\", "
			   "\"io.kubernetes.pod.namespace\": \"shop\", \"io.kubernetes.container.name\":"
			   " \"nginx\", \"io.kubernetes.cri-o.ContainerID\": \"" ID "\" } }";
	memset(&c, 0, sizeof(c));
	assert_true(wbw_container_parse_config(crio, strlen(crio), &c));
	assert_string_equal(c.pod, "api-7d9");
	assert_string_equal(c.ns, "shop");
	assert_string_equal(c.name, "nginx");
	assert_string_equal(c.runtime, "cri-o");

	/* podman (a few cri-o keys of its own), no names: they are in containers/storage */
	const char *podman = "{\"annotations\":{\"io.container.manager\":\"libpod\","
			     "\"io.kubernetes.cri-o.Created\":\"2026-12-02T09:17:40Z\","
			     "\"io.kubernetes.cri-o.TTY\":\"false\"}}";
	memset(&c, 0, sizeof(c));
	assert_true(wbw_container_parse_config(podman, strlen(podman), &c));
	assert_string_equal(c.runtime, "podman");
	assert_string_equal(c.pod, "");

	/* the cgroup path's runtime is kept */
	memset(&c, 0, sizeof(c));
	strcpy(c.runtime, "docker");
	assert_true(wbw_container_parse_config(cri_config, strlen(cri_config), &c));
	assert_string_equal(c.runtime, "docker");

	/* escapes are decoded */
	const char *esc = "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"a\\u00e9\\ud83d"
			  "\\ude00\\n\\/\"}}";
	memset(&c, 0, sizeof(c));
	assert_true(wbw_container_parse_config(esc, strlen(esc), &c));
	assert_string_equal(c.pod, "a\xc3\xa9\xf0\x9f\x98\x80\n/");

	/* not an object, or annotations of the wrong type */
	memset(&c, 0, sizeof(c));
	assert_false(wbw_container_parse_config("[]", 2, &c));
	assert_true(wbw_container_parse_config("{\"annotations\":[\"x\"]}", 21, &c));
	assert_string_equal(c.pod, "");
	/* over-long values are cut, not overrun */
	char big[2048];
	int n = snprintf(big, sizeof(big), "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"");
	memset(big + n, 'p', 1000);
	strcpy(big + n + 1000, "\"}}");
	memset(&c, 0, sizeof(c));
	assert_true(wbw_container_parse_config(big, strlen(big), &c));
	assert_int_equal(strlen(c.pod), sizeof(c.pod) - 1);
}

/* every prefix of a valid document, and every single-byte corruption, is handled */
static void test_config_truncated_and_corrupted(void **state)
{
	size_t len = strlen(cri_config);
	char *buf = malloc(len);

	(void)state;
	for (size_t i = 0; i < len; i++) {
		struct wbw_container c = { 0 };

		/* a prefix in a buffer of its own size: ASan catches any read past it */
		memcpy(buf, cri_config, i);
		char *exact = malloc(i ? i : 1);
		memcpy(exact, cri_config, i);
		assert_false(wbw_container_parse_config(exact, i, &c));
		free(exact);
		for (int b = 0; b < 256; b += 37) {
			memcpy(buf, cri_config, len);
			buf[i] = (char)b;
			wbw_container_parse_config(buf, len, &c);
		}
	}
	free(buf);
}

static void test_depth_limit(void **state)
{
	char deep[4096];
	struct wbw_jr r;

	(void)state;
	memset(deep, '[', sizeof(deep));
	wbw_jr_init(&r, deep, sizeof(deep));
	assert_false(wbw_jr_skip(&r));
	assert_true(r.bad);
	const char *ok = "[[1,2],{\"a\":\"b\"},true,false,null,-1.5e+3]";
	wbw_jr_init(&r, ok, strlen(ok));
	assert_true(wbw_jr_skip(&r));
	assert_false(r.bad);
	wbw_jr_init(&r, "[1 2]", 5);
	assert_false(wbw_jr_skip(&r));
	wbw_jr_init(&r, "[1,]", 4);
	assert_false(wbw_jr_skip(&r));
	wbw_jr_init(&r, "\"a\nb\"", 5);
	assert_false(wbw_jr_skip(&r));
	wbw_jr_init(&r, "tru", 3);
	assert_false(wbw_jr_skip(&r));
}

static void test_state_files(void **state)
{
	char b[256];
	/* runc's state.json, as runc 1.1 writes it (trimmed) */
	const char *runc = "{\"id\":\"" ID "\",\"init_process_pid\":123,\"config\":{\"rootfs\":\"/x\","
			   "\"labels\":[\"io.kubernetes.cri.sandbox-name=web-0\",\"bundle=/run/b/" ID
			   "\"],\"cgroups\":{\"path\":\"/kubepods\"}},\"cgroup_paths\":{\"\":\"/s\"}}";
	const char *crun = "{\"pid\":5,\"bundle\":\"/var/b\",\"rootfs\":\"/var/b/rootfs\"}";

	(void)state;
	assert_true(wbw_container_parse_state(runc, strlen(runc), b, sizeof(b)));
	assert_string_equal(b, "/run/b/" ID);
	assert_true(wbw_container_parse_state(crun, strlen(crun), b, sizeof(b)));
	assert_string_equal(b, "/var/b");
	assert_false(wbw_container_parse_state("{\"config\":{\"labels\":[\"bundle=\"]}}", 34, b,
					       sizeof(b)));
	assert_false(wbw_container_parse_state("{\"id\":1}", 8, b, sizeof(b)));
	assert_false(wbw_container_parse_state("{\"bundle\":\"/x\"", 14, b, sizeof(b)));
}

static void test_storage_names(void **state)
{
	char name[64];
	const char *list = "[{\"id\":\"" ID2 "\",\"names\":[\"other\"]},"
			   "{\"names\":[\"wbw-app\",\"alias\"],\"id\":\"" ID "\",\"flags\":{}}]";

	(void)state;
	assert_true(wbw_container_parse_storage(list, strlen(list), ID, name, sizeof(name)));
	assert_string_equal(name, "wbw-app");
	assert_true(wbw_container_parse_storage(list, strlen(list), ID2, name, sizeof(name)));
	assert_string_equal(name, "other");
	assert_false(wbw_container_parse_storage(list, strlen(list), "abc", name, sizeof(name)));
	assert_false(wbw_container_parse_storage("{}", 2, ID, name, sizeof(name)));
}

static void test_describe_and_match(void **state)
{
	struct wbw_container c = { .id = ID, .runtime = "containerd", .pod = "web-0", .ns = "prod",
				   .name = "db" };
	char buf[512];

	(void)state;
	assert_string_equal(wbw_container_describe(&c, buf, sizeof(buf)),
			    "pod web-0 in namespace prod, container db");
	c.pod[0] = '\0';
	strcpy(c.runtime, "podman");
	assert_string_equal(wbw_container_describe(&c, buf, sizeof(buf)),
			    "container db (podman 0123456789ab)");
	c.name[0] = '\0';
	assert_string_equal(wbw_container_describe(&c, buf, sizeof(buf)),
			    "container 0123456789ab (podman)");
	strcpy(c.name, "db");
	assert_true(wbw_container_matches(&c, ID));
	assert_true(wbw_container_matches(&c, "0123456789ab"));
	assert_false(wbw_container_matches(&c, "0123456789a")); /* too short to be an id */
	assert_true(wbw_container_matches(&c, "db"));
	assert_false(wbw_container_matches(&c, "d"));
	assert_false(wbw_container_matches(&c, ""));
	assert_false(wbw_container_matches(&c, ID "0"));
}

static void put_file(const char *path, const char *text)
{
	char dir[512], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* the lookup end to end, on a made-up cgroup tree and runtime files */
static void test_lookup_in_a_tree(void **state)
{
	char tmp[] = "/tmp/wbw-container-XXXXXX", p[1024], cg[600], out[512], cmd[600];
	struct wbw_containers *cs;
	const struct wbw_container *c;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/cg/kubepods/besteffort/pod42/" ID "/x", tmp);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/cg/libpod_parent/libpod-" ID2 "/x", tmp);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/root/run/runc/" ID "/state.json", tmp);
	put_file(p, "{\"config\":{\"labels\":[\"bundle=/bundles/one\"]}}");
	snprintf(p, sizeof(p), "%s/root/bundles/one/config.json", tmp);
	put_file(p, cri_config);
	snprintf(p, sizeof(p), "%s/root/var/lib/containers/storage/overlay-containers/" ID2
		 "/userdata/config.json", tmp);
	put_file(p, "{\"annotations\":{\"io.container.manager\":\"libpod\"}}");
	snprintf(p, sizeof(p), "%s/root/var/lib/containers/storage/overlay-containers/"
		 "containers.json", tmp);
	put_file(p, "[{\"id\":\"" ID2 "\",\"names\":[\"wbw-app\"]}]");

	/* podman with a store elsewhere (--root /store): runc's state names the bundle */
	snprintf(p, sizeof(p), "%s/cg/libpod_parent/libpod-" ID3 "/x", tmp);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/root/run/runc/" ID3 "/state.json", tmp);
	put_file(p, "{\"config\":{\"labels\":[\"bundle=/store/overlay-containers/" ID3 "/userdata\"]}}");
	snprintf(p, sizeof(p), "%s/root/store/overlay-containers/" ID3 "/userdata/config.json", tmp);
	put_file(p, "{\"annotations\":{\"io.container.manager\":\"libpod\"}}");
	snprintf(p, sizeof(p), "%s/root/store/overlay-containers/containers.json", tmp);
	put_file(p, "[{\"id\":\"" ID3 "\",\"names\":[\"on-the-store\"]}]");

	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	snprintf(p, sizeof(p), "%s/root", tmp);
	cs = wbw_containers__new(cg, p);
	assert_non_null(cs);

	snprintf(p, sizeof(p), "%s/cg/kubepods/besteffort/pod42/" ID, tmp);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(wbw_containers__cgroup_path(cs, st.st_ino, out, sizeof(out)), 0);
	assert_string_equal(out, "/kubepods/besteffort/pod42/" ID);
	c = wbw_containers__get(cs, st.st_ino);
	assert_non_null(c);
	assert_string_equal(c->pod, "web-0");
	assert_string_equal(c->ns, "prod");
	assert_string_equal(c->name, "db");
	assert_string_equal(c->pod_uid, "42");
	assert_string_equal(c->runtime, "containerd"); /* the annotations say CRI */
	assert_ptr_equal(wbw_containers__get(cs, st.st_ino), c); /* cached */

	snprintf(p, sizeof(p), "%s/cg/libpod_parent/libpod-" ID2, tmp);
	assert_int_equal(stat(p, &st), 0);
	c = wbw_containers__get(cs, st.st_ino);
	assert_non_null(c);
	assert_string_equal(c->runtime, "podman");
	assert_string_equal(c->name, "wbw-app");
	assert_true(c->bundle_found);

	snprintf(p, sizeof(p), "%s/cg/libpod_parent/libpod-" ID3, tmp);
	assert_int_equal(stat(p, &st), 0);
	c = wbw_containers__get(cs, st.st_ino);
	assert_non_null(c);
	assert_string_equal(c->runtime, "podman");
	assert_string_equal(c->name, "on-the-store");

	/* not in a container, the root, unknown ids */
	snprintf(p, sizeof(p), "%s/cg/kubepods", tmp);
	assert_int_equal(stat(p, &st), 0);
	assert_null(wbw_containers__get(cs, st.st_ino));
	assert_int_equal(stat(cg, &st), 0);
	assert_int_equal(wbw_containers__cgroup_path(cs, st.st_ino, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_null(wbw_containers__get(cs, st.st_ino));
	assert_null(wbw_containers__get(cs, 0));
	assert_null(wbw_containers__get(cs, 1));
	assert_null(wbw_containers__get(NULL, 5));
	/* many distinct ids: the cache stays bounded and still answers */
	for (uint64_t i = 2; i < 600; i++)
		wbw_containers__get(cs, i);
	snprintf(p, sizeof(p), "%s/cg/kubepods/besteffort/pod42/" ID, tmp);
	assert_int_equal(stat(p, &st), 0);
	c = wbw_containers__get(cs, st.st_ino);
	assert_non_null(c);
	assert_string_equal(c->name, "db");
	wbw_containers__free(cs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_layouts),
		cmocka_unit_test(test_config_annotations),
		cmocka_unit_test(test_config_truncated_and_corrupted),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_state_files),
		cmocka_unit_test(test_storage_names),
		cmocka_unit_test(test_describe_and_match),
		cmocka_unit_test(test_lookup_in_a_tree),
	};
	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
