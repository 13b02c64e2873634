// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: random record streams through the decoder and the
 * correlator, interleaved with passes, ticks and flushes.  Small id spaces
 * (8 inodes, 8 files, 4 pids) make the fuzzer hit the same state often.
 * Asserts bounded state; ASan/LSan/UBSan catch the rest.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "correlate.h"
#include "decode.h"

#define MAX_INODES 6

static void sink_error(void *ctx, const struct wbw_error *e)
{
	(void)ctx;
	/* an error found at start-up (catch-up) has no event of its own */
	assert(e->id > 0 && (e->events > 0 || e->predates_watch));
}

static void sink_observe(void *ctx, const struct wbw_observation *o)
{
	(void)ctx;
	(void)o;
}

static void sink_verdict(void *ctx, const struct wbw_verdict *v)
{
	(void)ctx;
	assert(v->kind < WBW_V_KIND_MAX && v->error && v->error->emitted);
}

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct cursor *c, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes && c->n; i++, c->p++, c->n--)
		v = v << 8 | *c->p;
	return v;
}

static void fill_hdr(struct wbw_rec_hdr *h, uint16_t kind, uint16_t size, struct cursor *c,
		     uint64_t *clock)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->size = size;
	h->flags = take(c, 1) & 0x3f;
	h->pid = 100 + take(c, 1) % 4;
	h->tid = h->pid;
	*clock += take(c, 1) * 1000000ull;
	h->ts_ns = *clock;
	memcpy(h->comm, "fuzz", 5);
}

static void feed(struct wbw_corr *corr, const void *rec, size_t len)
{
	struct wbw_ev ev;
	/* previous-value and new-value kernels both */
	struct wbw_decode_opts opts = { .setfield = len & 1 ? WBW_SETFIELD_NEW : WBW_SETFIELD_PREVIOUS };

	if (wbw_decode(rec, len, &opts, &ev) == WBW_DECODE_OK)
		wbw_corr__push(corr, &ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbw_corr *corr = wbw_corr__new(
		&(struct wbw_corr_opts){ .settle_ns = 50000000, .max_inodes = MAX_INODES,
					 .all_files = size & 1, .release_events = size & 2,
					 .handover_ns = size & 4 ? 200000000 : 0 },
		&(struct wbw_corr_sink){ .on_error = sink_error, .on_observe = sink_observe,
					 .on_verdict = sink_verdict });
	struct cursor c = { data, size };
	uint64_t clock = 1000000000, watched[16];
	uint32_t holders[16];
	struct wbw_corr_stats st;
	bool in_pass = false;

	while (c.n) {
		uint8_t op = (uint8_t)take(&c, 1);
		uint64_t ino = 10 + take(&c, 1) % 8, mapping = 0xffff000000000000ull + ino * 64;
		uint32_t dev = (7u << 20) | (take(&c, 1) % 2);

		switch (op % 12) {
		case 0: case 1: case 2: {
			struct wbw_set_err_rec r;
			fill_hdr(&r.hdr, WBW_REC_SET_ERR, sizeof(r), &c, &clock);
			r.mapping = mapping;
			r.ino = ino;
			r.dev = dev;
			r.eseq_event = take(&c, 2);
			r.eseq_after = take(&c, 2);
			/* the set event of a kernel with patches/0002, now and then */
			if (take(&c, 1) & 1)
				r.hdr.flags |= WBW_F_SET_EVENT_V2;
			r.event_err = -(int32_t)take(&c, 2);
			/* the writers the kernel counted at the error, now and then */
			r.writers = (int32_t)take(&c, 1) % 6 - 1;
			if (take(&c, 1) & 1)
				r.hdr.flags |= WBW_F_WRITERS_VALID;
			r.i_generation = 0;
			feed(corr, &r, sizeof(r));
			break;
		}
		case 3: {
			struct wbw_observe_rec r;
			fill_hdr(&r.hdr, WBW_REC_OBSERVE, sizeof(r), &c, &clock);
			r.mapping = mapping;
			r.file = 0xf00 + take(&c, 1) % 8;
			r.ino = ino;
			r.dev = dev;
			r.cursor_old = take(&c, 2);
			r.cursor_new = take(&c, 2);
			r.mapping_eseq = r.cursor_new;
			r.f_mode = take(&c, 1);
			r.f_flags = 0;
			feed(corr, &r, sizeof(r));
			break;
		}
		case 4: {
			struct wbw_file_rec r;
			if (!in_pass) {
				size_t n = wbw_corr__snapshot_begin(corr, watched, 16);
				assert(n <= 16);
				in_pass = true;
			}
			fill_hdr(&r.hdr, WBW_REC_FILE, sizeof(r), &c, &clock);
			r.mapping = mapping;
			r.file = 0xf00 + take(&c, 1) % 8;
			r.ino = ino;
			r.dev = dev;
			r.fd = take(&c, 1);
			r.cursor = take(&c, 2);
			r.mapping_eseq = take(&c, 2);
			r.f_mode = take(&c, 1);
			r.f_flags = 0;
			if (r.mapping_eseq & 0x8000) {
				/* start-up catch-up: a lagging file found before the watch */
				struct wbw_ev ev;

				if (wbw_decode(&r, sizeof(r), NULL, &ev) == WBW_DECODE_OK)
					wbw_corr__adopt(corr, &ev, take(&c, 1) ? clock : 0,
							 take(&c, 1) ? "/adopted" : NULL);
				break;
			}
			r.mapping_eseq = 0;
			feed(corr, &r, sizeof(r));
			break;
		}
		case 5:
			if (!in_pass)
				wbw_corr__snapshot_begin(corr, watched, 16);
			wbw_corr__snapshot_end(corr, clock);
			in_pass = false;
			assert(wbw_corr__holders(corr, holders, 16) <= 16);
			break;
		case 6:
			wbw_corr__tick(corr, clock);
			break;
		case 7: {
			struct wbw_exit_rec r;
			fill_hdr(&r.hdr, WBW_REC_EXIT, sizeof(r), &c, &clock);
			r.file = 0xf00 + take(&c, 1) % 8;
			r.fd = 3;
			r.exit_code = take(&c, 1);
			feed(corr, &r, sizeof(r));
			break;
		}
		case 9: {
			struct wbw_release_rec r;
			uint8_t how = (uint8_t)take(&c, 1);
			fill_hdr(&r.hdr, WBW_REC_RELEASE, sizeof(r), &c, &clock);
			r.hdr.flags = WBW_F_MAPPING_VALID | (how & 1 ? WBW_F_RELEASE_EXITING : 0) |
				      (how & 2 ? WBW_F_RELEASE_KTHREAD : 0) |
				      (how & 4 ? WBW_F_RELEASE_UNREPORTED : 0);
			r.mapping = mapping;
			r.file = 0xf00 + take(&c, 1) % 8;
			r.ino = ino;
			r.dev = dev;
			r.cursor = take(&c, 2);
			r.mapping_eseq = take(&c, 2);
			r.f_mode = take(&c, 1);
			r.f_flags = 0;
			r.exit_code = (int32_t)take(&c, 1);
			feed(corr, &r, sizeof(r));
			break;
		}
		case 11: {
			/* syncfs on an fd of either filesystem, with any cursor */
			struct wbw_syncfs_rec r;
			fill_hdr(&r.hdr, WBW_REC_SYNCFS, sizeof(r), &c, &clock);
			r.file = 0xf00 + take(&c, 1) % 8;
			r.ino = ino;
			r.dev = dev;
			r.fd = take(&c, 1);
			r.cursor = take(&c, 2);
			r.sb_eseq = take(&c, 2);
			r.f_mode = take(&c, 1);
			r.pad = 0;
			feed(corr, &r, sizeof(r));
			break;
		}
		case 8: {
			/* raw bytes straight into the decoder: malformed records */
			uint8_t raw[sizeof(struct wbw_path_rec)] = { 0 };
			size_t len = take(&c, 2) % (sizeof(raw) + 1);

			for (size_t i = 0; i < len && c.n; i++)
				raw[i] = (uint8_t)take(&c, 1);
			feed(corr, raw, len);
			break;
		}
		default: {
			struct wbw_path_rec r;
			size_t len = take(&c, 1) % 64;
			memset(&r, 0, sizeof(r));
			fill_hdr(&r.hdr, WBW_REC_PATH, sizeof(r), &c, &clock);
			r.mapping = mapping + (op & 0x80 ? 8 : 0); /* sometimes a new lifetime */
			r.ino = ino;
			r.dev = dev;
			for (size_t i = 0; i < len && c.n; i++)
				r.names[i] = (char)take(&c, 1);
			r.names_len = (uint16_t)len;
			r.depth = (uint16_t)(take(&c, 1) % 4);
			feed(corr, &r, sizeof(r));
		}
		}
		wbw_corr__stats(corr, &st);
		assert(st.inodes <= MAX_INODES);
		assert(st.tracked_files <= (uint64_t)MAX_INODES * 8 * 4);
	}
	if (in_pass)
		wbw_corr__snapshot_end(corr, clock);
	wbw_corr__flush(corr, false);
	wbw_corr__free(corr);
	return 0;
}
