// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

static void put(struct wbw_json *j, const char *s, size_t n)
{
	if (j->oom)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *nb;

		while (cap < j->len + n + 1)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->oom = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc_(struct wbw_json *j, char c)
{
	put(j, &c, 1);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* reject overlong forms, surrogates and values past U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * File names are bytes, JSON is UTF-8: bytes that are not valid UTF-8 are
 * written as U+FFFD so that every line stays parseable.
 */
static void put_string(struct wbw_json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc_(j, '"');
	while (i < n) {
		unsigned char c = p[i];
		size_t len;

		if (c == '"' || c == '\\') {
			putc_(j, '\\');
			putc_(j, (char)c);
			i++;
		} else if (c < 0x20) {
			char esc[8];

			switch (c) {
			case '\n': put(j, "\\n", 2); break;
			case '\t': put(j, "\\t", 2); break;
			case '\r': put(j, "\\r", 2); break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(j, esc, 6);
			}
			i++;
		} else if ((len = utf8_seq_len(p + i, n - i)) > 0) {
			put(j, s + i, len);
			i += len;
		} else {
			put(j, "\\ufffd", 6);
			i++;
		}
	}
	putc_(j, '"');
}

static void key(struct wbw_json *j, const char *k)
{
	if (j->need_comma)
		putc_(j, ',');
	if (k) {
		put_string(j, k, strlen(k));
		putc_(j, ':');
	}
	j->need_comma = true;
}

void wbw_json_reset(struct wbw_json *j)
{
	j->len = 0;
	j->depth = 0;
	j->need_comma = false;
	j->oom = false;
	if (j->buf)
		j->buf[0] = '\0';
}

void wbw_json_free(struct wbw_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

void wbw_json_begin(struct wbw_json *j, const char *k)
{
	key(j, k);
	putc_(j, '{');
	j->depth++;
	j->need_comma = false;
}

void wbw_json_end(struct wbw_json *j)
{
	putc_(j, '}');
	j->depth--;
	j->need_comma = true;
}

void wbw_json_strn(struct wbw_json *j, const char *k, const char *val, size_t n)
{
	key(j, k);
	put_string(j, val, n);
}

void wbw_json_str(struct wbw_json *j, const char *k, const char *val)
{
	if (!val) {
		wbw_json_null(j, k);
		return;
	}
	wbw_json_strn(j, k, val, strlen(val));
}

void wbw_json_u64(struct wbw_json *j, const char *k, uint64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, val);

	key(j, k);
	put(j, num, (size_t)n);
}

void wbw_json_i64(struct wbw_json *j, const char *k, int64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, val);

	key(j, k);
	put(j, num, (size_t)n);
}

void wbw_json_bool(struct wbw_json *j, const char *k, bool val)
{
	key(j, k);
	put(j, val ? "true" : "false", val ? 4 : 5);
}

void wbw_json_null(struct wbw_json *j, const char *k)
{
	key(j, k);
	put(j, "null", 4);
}

const char *wbw_json_text(const struct wbw_json *j)
{
	if (j->oom)
		return NULL;
	return j->buf ? j->buf : "";
}
