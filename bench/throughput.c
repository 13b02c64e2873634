// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Userspace pipeline throughput: a synthetic record stream shaped like real
 * failures (per error: a path record, a burst of 20 set events, 2 checks,
 * a pass listing 2 files and a pass finding one gone) through decode ->
 * correlate -> JSON output to /dev/null.  Baseline in the same run: decode
 * alone over the same bytes.  Prints records/s for both and the ratio.
 *
 *   throughput [ERRORS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "correlate.h"
#include "decode.h"
#include "output.h"
#include "../tests/unit/records.h"

#define MS 1000000ull

struct stream {
	unsigned char *buf;
	size_t len, cap;
	size_t *off; /* record offsets, for the pass markers */
	size_t nrec, reccap;
	size_t records;
};

static void add(struct stream *s, const void *rec, size_t len)
{
	if (s->len + len > s->cap) {
		s->cap = (s->cap + len) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	if (s->nrec == s->reccap) {
		s->reccap = s->reccap ? s->reccap * 2 : 1024;
		s->off = realloc(s->off, s->reccap * sizeof(*s->off));
	}
	memcpy(s->buf + s->len, rec, len);
	s->off[s->nrec++] = s->len;
	s->len += len;
	s->records++;
}

/* a zero-length marker: end of a pass */
static void mark_pass(struct stream *s)
{
	struct wbw_rec_hdr h = { .kind = 0xffff, .size = sizeof(h) };
	add(s, &h, sizeof(h));
	s->records--;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sink_error(void *ctx, const struct wbw_error *e) { wbw_output__error(ctx, e); }
static void sink_obs(void *ctx, const struct wbw_observation *o) { wbw_output__observe(ctx, o); }
static void sink_verdict(void *ctx, const struct wbw_verdict *v) { wbw_output__verdict(ctx, v); }

int main(int argc, char **argv)
{
	unsigned errors = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	struct stream s = { 0 };
	const __u32 dev = 7u << 20;
	uint64_t t = 1000 * MS, watched[64];
	double t0, decode_s, full_s;
	unsigned long long sink = 0;
	struct wbw_mounts mounts = { 0 };
	struct wbw_output out;
	struct wbw_corr *c;
	FILE *devnull = fopen("/dev/null", "w");

	for (unsigned i = 0; i < errors; i++) {
		__u64 ino = 100 + i, map = 0xffff888000000000ull + ino * 512;
		struct wbw_path_rec p = rec_path(t, map, dev, ino, "data\0dir\0", 9, 2);

		add(&s, &p, sizeof(p));
		struct wbw_set_err_rec first = rec_set(t, map, dev, ino, 0x0, 0x1c);
		add(&s, &first, sizeof(first));
		for (int k = 1; k < 20; k++) {
			struct wbw_set_err_rec r = rec_set(t + (uint64_t)k, map, dev, ino, 0x1c, 0x1c);
			add(&s, &r, sizeof(r));
		}
		struct wbw_file_rec fa = rec_file(t + 30, map, 0xa00 + i, dev, ino, 3, 0, 2, 42, "db");
		struct wbw_file_rec fb = rec_file(t + 30, map, 0xb00 + i, dev, ino, 4, 0, 2, 42, "db");
		add(&s, &fa, sizeof(fa));
		add(&s, &fb, sizeof(fb));
		mark_pass(&s);
		struct wbw_observe_rec o = rec_observe(t + 40, map, 0xa00 + i, dev, ino, 0, 0x101c, 42, "db");
		add(&s, &o, sizeof(o));
		/* b is gone at the next pass: UNREPORTED */
		mark_pass(&s);
		t += 1 * MS;
	}

	/* baseline: decode only */
	t0 = now_s();
	for (size_t r = 0; r < s.nrec; r++) {
		struct wbw_ev ev;
		const struct wbw_rec_hdr *h = (const void *)(s.buf + s.off[r]);

		if (h->kind != 0xffff && wbw_decode(h, h->size, NULL, &ev) == WBW_DECODE_OK)
			sink += ev.ts_ns;
	}
	decode_s = now_s() - t0;

	/* the whole pipeline, JSON out */
	wbw_output__init(&out, devnull, true, &mounts, 0);
	c = wbw_corr__new(&(struct wbw_corr_opts){ .settle_ns = 200 * MS },
			  &(struct wbw_corr_sink){ .on_error = sink_error, .on_observe = sink_obs,
						   .on_verdict = sink_verdict, .ctx = &out });
	t0 = now_s();
	wbw_corr__snapshot_begin(c, watched, 64);
	for (size_t r = 0; r < s.nrec; r++) {
		struct wbw_ev ev;
		const struct wbw_rec_hdr *h = (const void *)(s.buf + s.off[r]);

		if (h->kind == 0xffff) {
			wbw_corr__snapshot_end(c, h->ts_ns);
			wbw_corr__snapshot_begin(c, watched, 64);
			continue;
		}
		if (wbw_decode(h, h->size, NULL, &ev) == WBW_DECODE_OK) {
			wbw_corr__push(c, &ev);
			if ((r & 63) == 0)
				wbw_corr__tick(c, ev.ts_ns);
		}
	}
	wbw_corr__snapshot_end(c, t);
	wbw_corr__flush(c, false);
	full_s = now_s() - t0;
	{
		struct wbw_corr_stats st;

		wbw_corr__stats(c, &st);
		printf("records %zu: errors %llu, verdicts reported %llu unreported %llu\n", s.records,
		       (unsigned long long)st.errors, (unsigned long long)st.verdicts[WBW_V_REPORTED],
		       (unsigned long long)st.verdicts[WBW_V_UNREPORTED]);
	}
	printf("decode only:                     %.0f records/s\n", (double)s.records / decode_s);
	printf("decode+correlate+JSON (wbw):     %.0f records/s\n", (double)s.records / full_s);
	printf("ratio pipeline/decode:           %.3f\n", decode_s / full_s);
	printf("target >= 100000 records/s:      %s\n",
	       (double)s.records / full_s >= 100000 ? "met" : "NOT met");
	wbw_corr__free(c);
	fclose(devnull);
	free(s.buf);
	free(s.off);
	return (double)s.records / full_s >= 100000 && sink ? 0 : 1;
}
