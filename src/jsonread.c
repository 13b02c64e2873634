// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>
#include "jsonread.h"

void wbw_jr_init(struct wbw_jr *r, const char *text, size_t len)
{
	r->p = text;
	r->end = text + len;
	r->depth = 0;
	r->bad = false;
}

static void ws(struct wbw_jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool fail(struct wbw_jr *r)
{
	r->bad = true;
	return false;
}

char wbw_jr_peek(struct wbw_jr *r)
{
	if (r->bad)
		return 0;
	ws(r);
	return r->p < r->end ? *r->p : 0;
}

static bool eat(struct wbw_jr *r, char c)
{
	if (wbw_jr_peek(r) != c)
		return false;
	r->p++;
	return true;
}

bool wbw_jr_obj_begin(struct wbw_jr *r)
{
	if (!eat(r, '{') || ++r->depth > WBW_JR_DEPTH_MAX)
		return fail(r);
	return true;
}

bool wbw_jr_arr_begin(struct wbw_jr *r)
{
	if (!eat(r, '[') || ++r->depth > WBW_JR_DEPTH_MAX)
		return fail(r);
	return true;
}

/* after the opening bracket or a value: the closing bracket, or a comma unless first */
static bool next(struct wbw_jr *r, bool *first, char close)
{
	if (r->bad)
		return false;
	if (eat(r, close)) {
		r->depth--;
		return false;
	}
	if (!*first && !eat(r, ','))
		return fail(r);
	*first = false;
	if (wbw_jr_peek(r) == 0)
		return fail(r);
	return true;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool u4(struct wbw_jr *r, unsigned *v)
{
	*v = 0;
	if (r->end - r->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hex(r->p[i]);

		if (h < 0)
			return false;
		*v = *v << 4 | (unsigned)h;
	}
	r->p += 4;
	return true;
}

/* append n bytes to out if they fit whole (a UTF-8 sequence is never cut) */
static void put(char *out, size_t outlen, size_t *o, const char *b, size_t n, bool *cut)
{
	if (*o + n < outlen) {
		memcpy(out + *o, b, n);
		*o += n;
	} else {
		*cut = true;
	}
}

bool wbw_jr_string(struct wbw_jr *r, char *out, size_t outlen, bool *truncated)
{
	size_t o = 0;
	bool cut = false;

	if (wbw_jr_peek(r) != '"')
		return false;
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++, b[4];
		unsigned u;
		size_t n = 1;

		if ((unsigned char)c < 0x20)
			return fail(r);
		if (c != '\\') {
			b[0] = c;
			put(out, outlen, &o, b, 1, &cut);
			continue;
		}
		if (r->p == r->end)
			return fail(r);
		c = *r->p++;
		switch (c) {
		case '"': case '\\': case '/': b[0] = c; break;
		case 'b': b[0] = '\b'; break;
		case 'f': b[0] = '\f'; break;
		case 'n': b[0] = '\n'; break;
		case 'r': b[0] = '\r'; break;
		case 't': b[0] = '\t'; break;
		case 'u':
			if (!u4(r, &u))
				return fail(r);
			if (u >= 0xd800 && u < 0xdc00) {
				unsigned lo;

				/* a surrogate pair; a lone half becomes U+FFFD */
				if (r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
					r->p += 2;
					if (!u4(r, &lo))
						return fail(r);
					u = lo >= 0xdc00 && lo < 0xe000
						    ? 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)
						    : 0xfffd;
				} else {
					u = 0xfffd;
				}
			} else if (u >= 0xdc00 && u < 0xe000) {
				u = 0xfffd;
			}
			if (u == 0) /* a NUL would cut the C string: keep it visible */
				u = 0xfffd;
			if (u < 0x80) {
				b[0] = (char)u;
			} else if (u < 0x800) {
				b[0] = (char)(0xc0 | u >> 6);
				b[1] = (char)(0x80 | (u & 0x3f));
				n = 2;
			} else if (u < 0x10000) {
				b[0] = (char)(0xe0 | u >> 12);
				b[1] = (char)(0x80 | (u >> 6 & 0x3f));
				b[2] = (char)(0x80 | (u & 0x3f));
				n = 3;
			} else {
				b[0] = (char)(0xf0 | u >> 18);
				b[1] = (char)(0x80 | (u >> 12 & 0x3f));
				b[2] = (char)(0x80 | (u >> 6 & 0x3f));
				b[3] = (char)(0x80 | (u & 0x3f));
				n = 4;
			}
			break;
		default:
			return fail(r);
		}
		put(out, outlen, &o, b, n, &cut);
	}
	if (r->p == r->end)
		return fail(r);
	r->p++;
	if (outlen)
		out[o] = '\0';
	if (truncated)
		*truncated = cut;
	return true;
}

bool wbw_jr_obj_next(struct wbw_jr *r, bool *first, char *key, size_t keylen)
{
	if (!next(r, first, '}'))
		return false;
	if (!wbw_jr_string(r, key, keylen, NULL) || !eat(r, ':'))
		return fail(r);
	return true;
}

bool wbw_jr_arr_next(struct wbw_jr *r, bool *first)
{
	return next(r, first, ']');
}

static bool literal(struct wbw_jr *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return fail(r);
	r->p += n;
	return true;
}

bool wbw_jr_skip(struct wbw_jr *r)
{
	char c = wbw_jr_peek(r), key[1];
	bool first = true;

	switch (c) {
	case '{':
		if (!wbw_jr_obj_begin(r))
			return false;
		while (wbw_jr_obj_next(r, &first, key, sizeof(key)))
			if (!wbw_jr_skip(r))
				return false;
		return !r->bad;
	case '[':
		if (!wbw_jr_arr_begin(r))
			return false;
		while (wbw_jr_arr_next(r, &first))
			if (!wbw_jr_skip(r))
				return false;
		return !r->bad;
	case '"':
		return wbw_jr_string(r, key, sizeof(key), NULL);
	case 't': return literal(r, "true");
	case 'f': return literal(r, "false");
	case 'n': return literal(r, "null");
	case 0: return fail(r);
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return fail(r);
		/* a number: its characters, loosely (nothing here reads numbers) */
		while (r->p < r->end && ((*r->p && strchr("+-.eE", *r->p)) || (*r->p >= '0' && *r->p <= '9')))
			r->p++;
		return true;
	}
}
