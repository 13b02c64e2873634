// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer over what container attribution reads that is not ours: OCI
 * config.json, runtimes' state files, containers/storage's list (all
 * through src/jsonread.c) and cgroup paths.  ASan and UBSan watch every
 * read; the only outcome checked is that the parsers return with their
 * outputs NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "container.h"
#include "jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbw_container c = { 0 };
	char bundle[256], name[64], *path;
	struct wbw_jr r;

	wbw_container_parse_config((const char *)data, size, &c);
	if (strnlen(c.pod, sizeof(c.pod)) == sizeof(c.pod) || strnlen(c.ns, sizeof(c.ns)) == sizeof(c.ns) ||
	    strnlen(c.name, sizeof(c.name)) == sizeof(c.name))
		abort();
	if (wbw_container_parse_state((const char *)data, size, bundle, sizeof(bundle)) &&
	    strnlen(bundle, sizeof(bundle)) == sizeof(bundle))
		abort();
	if (wbw_container_parse_storage((const char *)data, size,
					"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
					name, sizeof(name)) &&
	    strnlen(name, sizeof(name)) == sizeof(name))
		abort();
	wbw_jr_init(&r, (const char *)data, size);
	wbw_jr_skip(&r);
	/* as a cgroup path (a C string) */
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	memset(&c, 0, sizeof(c));
	if (wbw_container_from_cgroup(path, &c) && strlen(c.id) != WBW_CONTAINER_ID_LEN)
		abort();
	free(path);
	return 0;
}
