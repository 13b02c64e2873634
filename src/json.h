/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A small JSON object writer into a growing buffer: one record is built
 * completely, then written with one call, so a reader never sees half a line.
 */
#ifndef WBW_JSON_H
#define WBW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wbw_json {
	char *buf;
	size_t len;
	size_t cap;
	int depth;
	bool need_comma;
	bool oom;
};

void wbw_json_reset(struct wbw_json *j);
void wbw_json_free(struct wbw_json *j);

void wbw_json_begin(struct wbw_json *j, const char *key); /* key NULL at top level */
void wbw_json_end(struct wbw_json *j);
void wbw_json_str(struct wbw_json *j, const char *key, const char *val); /* NULL -> null */
void wbw_json_strn(struct wbw_json *j, const char *key, const char *val, size_t n);
void wbw_json_u64(struct wbw_json *j, const char *key, uint64_t val);
void wbw_json_i64(struct wbw_json *j, const char *key, int64_t val);
void wbw_json_bool(struct wbw_json *j, const char *key, bool val);
void wbw_json_null(struct wbw_json *j, const char *key);

/* the finished text, NUL-terminated; NULL if memory ran out */
const char *wbw_json_text(const struct wbw_json *j);

#endif
