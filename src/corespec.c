// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "corespec.h"

int wbw_spec_parse(const char *text, struct wbw_spec *spec, char *err, size_t errlen)
{
	const char *p = text;

	memset(spec, 0, sizeof(*spec));
	while (*p) {
		char line[1024], *tok, *save = NULL;
		size_t len = strcspn(p, "\n");
		struct wbw_spec_entry *e;

		if (len >= sizeof(line)) {
			snprintf(err, errlen, "spec line too long");
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		line[strcspn(line, "#")] = '\0';
		tok = strtok_r(line, " \t:", &save);
		if (!tok)
			continue;
		if (spec->n == WBW_SPEC_MAX_ENTRIES) {
			snprintf(err, errlen, "too many spec entries");
			return -EINVAL;
		}
		e = &spec->e[spec->n++];
		if (strcmp(tok, "struct") && strcmp(tok, "union") && strcmp(tok, "typedef")) {
			snprintf(err, errlen, "spec entry kind must be struct, union or typedef: %s", tok);
			return -EINVAL;
		}
		snprintf(e->kind, sizeof(e->kind), "%s", tok);
		tok = strtok_r(NULL, " \t:", &save);
		if (!tok || strlen(tok) >= WBW_SPEC_NAME_MAX) {
			snprintf(err, errlen, "spec entry without a usable name");
			return -EINVAL;
		}
		snprintf(e->name, sizeof(e->name), "%s", tok);
		while ((tok = strtok_r(NULL, " \t", &save))) {
			if (e->nfields == WBW_SPEC_MAX_FIELDS || strlen(tok) >= WBW_SPEC_NAME_MAX) {
				snprintf(err, errlen, "too many or too long fields for %s", e->name);
				return -EINVAL;
			}
			size_t n = strlen(tok);

			e->optional[e->nfields] = n > 1 && tok[n - 1] == '?';
			if (e->optional[e->nfields])
				tok[n - 1] = '\0';
			snprintf(e->fields[e->nfields++], WBW_SPEC_NAME_MAX, "%s", tok);
		}
	}
	return 0;
}

const struct wbw_spec_entry *wbw_spec_find(const struct wbw_spec *spec, const char *name)
{
	for (int i = 0; i < spec->n; i++)
		if (!strcmp(spec->e[i].name, name))
			return &spec->e[i];
	return NULL;
}
