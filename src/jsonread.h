/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A small pull reader for JSON text that is not ours (an OCI runtime's
 * config.json or state.json): walk objects and arrays, read strings, skip
 * what is not wanted.  Bounds-checked and depth-limited; malformed text
 * makes every call return false (r->bad), never reads past the end.
 */
#ifndef WBW_JSONREAD_H
#define WBW_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

#define WBW_JR_DEPTH_MAX 64

struct wbw_jr {
	const char *p, *end;
	int depth;
	bool bad;
};

void wbw_jr_init(struct wbw_jr *r, const char *text, size_t len);
/* the next value's first character ('{', '[', '"', 't', 'f', 'n', '-', a digit), 0 at the end */
char wbw_jr_peek(struct wbw_jr *r);
/* enter an object: false (and bad) if the next value is not one */
bool wbw_jr_obj_begin(struct wbw_jr *r);
/*
 * The next member of the object entered: its key into key (NUL-terminated,
 * truncated to keylen - 1) and the reader at its value, which the caller
 * reads or skips.  *first starts true.  False at the object's end or on bad
 * text.
 */
bool wbw_jr_obj_next(struct wbw_jr *r, bool *first, char *key, size_t keylen);
bool wbw_jr_arr_begin(struct wbw_jr *r);
/* the reader at the array's next element; false at its end */
bool wbw_jr_arr_next(struct wbw_jr *r, bool *first);
/*
 * A string value, unescaped into out (\uXXXX as UTF-8).  False if the next
 * value is not a string (then it is left unread) or the text is bad; a
 * string longer than outlen - 1 is cut and *truncated set (may be NULL).
 */
bool wbw_jr_string(struct wbw_jr *r, char *out, size_t outlen, bool *truncated);
/* skip the next value, whatever it is */
bool wbw_jr_skip(struct wbw_jr *r);

#endif
