// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "correlate.h"
#include "errseq.h"

/* State per cached inode, keyed by dev:ino. */
struct inode_state {
	struct inode_state *hnext;
	struct inode_state *lru_prev, *lru_next;
	uint32_t dev;
	uint64_t ino;
	uint64_t mapping;
	char *fs_path;
	bool path_truncated;
	struct wbw_error *cur; /* latest error recorded on this mapping */
};

struct pending {
	struct pending *next;
	struct wbw_error *err;
	struct inode_state *st;
};

struct wbw_corr {
	struct wbw_corr_opts opts;
	struct wbw_corr_sink sink;
	struct inode_state **buckets;
	size_t nbuckets;
	size_t count;
	struct inode_state *lru_head, *lru_tail; /* head: most recently used */
	struct pending *pending;
	uint64_t next_error_id;
	struct wbw_corr_stats stats;
};

static uint64_t hash_key(uint32_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ ((uint64_t)dev << 32 | dev);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

struct wbw_corr *wbw_corr__new(const struct wbw_corr_opts *opts, const struct wbw_corr_sink *sink)
{
	struct wbw_corr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (opts)
		c->opts = *opts;
	if (!c->opts.max_inodes)
		c->opts.max_inodes = WBW_CORR_DEFAULT_MAX_INODES;
	if (sink)
		c->sink = *sink;
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	return c;
}

static void lru_unlink(struct wbw_corr *c, struct inode_state *st)
{
	if (st->lru_prev)
		st->lru_prev->lru_next = st->lru_next;
	else
		c->lru_head = st->lru_next;
	if (st->lru_next)
		st->lru_next->lru_prev = st->lru_prev;
	else
		c->lru_tail = st->lru_prev;
	st->lru_prev = st->lru_next = NULL;
}

static void lru_push_front(struct wbw_corr *c, struct inode_state *st)
{
	st->lru_next = c->lru_head;
	st->lru_prev = NULL;
	if (c->lru_head)
		c->lru_head->lru_prev = st;
	c->lru_head = st;
	if (!c->lru_tail)
		c->lru_tail = st;
}

static void grow(struct wbw_corr *c)
{
	size_t n = c->nbuckets * 2;
	struct inode_state **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct inode_state *st = c->buckets[i], *next;

		for (; st; st = next) {
			size_t b = hash_key(st->dev, st->ino) & (n - 1);

			next = st->hnext;
			st->hnext = nb[b];
			nb[b] = st;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

static void emit_error(struct wbw_corr *c, struct wbw_error *e)
{
	if (e->emitted)
		return;
	e->emitted = true;
	if (c->sink.on_error)
		c->sink.on_error(c->sink.ctx, e);
}

/* Report a pending error now and take it off the pending list. */
static void flush_error(struct wbw_corr *c, struct wbw_error *e)
{
	struct pending **pp = &c->pending;

	while (*pp) {
		struct pending *p = *pp;

		if (p->err == e) {
			*pp = p->next;
			free(p);
			break;
		}
		pp = &p->next;
	}
	emit_error(c, e);
}

static void retire_error(struct wbw_corr *c, struct inode_state *st)
{
	if (!st->cur)
		return;
	flush_error(c, st->cur);
	free(st->cur);
	st->cur = NULL;
}

static void drop_state(struct wbw_corr *c, struct inode_state *st)
{
	size_t b = hash_key(st->dev, st->ino) & (c->nbuckets - 1);
	struct inode_state **pp = &c->buckets[b];

	retire_error(c, st);
	while (*pp && *pp != st)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = st->hnext;
	lru_unlink(c, st);
	free(st->fs_path);
	free(st);
	c->count--;
}

static struct inode_state *lookup(struct wbw_corr *c, uint32_t dev, uint64_t ino, uint64_t mapping,
				  bool create)
{
	size_t b = hash_key(dev, ino) & (c->nbuckets - 1);
	struct inode_state *st;

	for (st = c->buckets[b]; st; st = st->hnext) {
		if (st->dev != dev || st->ino != ino)
			continue;
		if (mapping && st->mapping && mapping != st->mapping) {
			/*
			 * Same dev:ino, other address_space: the inode was evicted
			 * and read in again (or the number reused); its old errseq
			 * state died with it.
			 */
			c->stats.inode_reuse++;
			retire_error(c, st);
			free(st->fs_path);
			st->fs_path = NULL;
		}
		if (mapping)
			st->mapping = mapping;
		lru_unlink(c, st);
		lru_push_front(c, st);
		return st;
	}
	if (!create)
		return NULL;
	while (c->count >= c->opts.max_inodes && c->lru_tail) {
		c->stats.inodes_dropped++;
		drop_state(c, c->lru_tail);
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->dev = dev;
	st->ino = ino;
	st->mapping = mapping;
	st->hnext = c->buckets[b];
	c->buckets[b] = st;
	lru_push_front(c, st);
	if (++c->count > c->nbuckets * 2)
		grow(c);
	return st;
}

static struct wbw_error *new_error(struct wbw_corr *c, struct inode_state *st,
				   const struct wbw_ev *ev)
{
	struct wbw_error *e = calloc(1, sizeof(*e));
	struct pending *p = calloc(1, sizeof(*p));

	if (!e || !p) {
		free(e);
		free(p);
		return NULL;
	}
	retire_error(c, st);
	e->id = ++c->next_error_id;
	e->dev = st->dev;
	e->ino = st->ino;
	e->mapping = st->mapping;
	e->first_ts = ev->ts_ns;
	e->first_raw = ev->set.raw;
	e->first_ctx = ev->task;
	e->fs_path = st->fs_path;
	e->path_truncated = st->path_truncated;
	st->cur = e;
	p->err = e;
	p->st = st;
	p->next = c->pending;
	c->pending = p;
	c->stats.errors++;
	return e;
}

/*
 * Which error does this set event belong to?  With the value after the set
 * (tp_btf, or kernels whose event carries it) the answer is exact: the same
 * value is the same error.  From the classic event on current kernels only
 * the previous value is known; a previous value with SEEN set means someone
 * looked since, so this is a new error; otherwise it is the error we already
 * have, whose value we learn from the second event of the burst.
 */
static void push_set(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, true);
	struct wbw_error *e;

	if (!st)
		return;
	e = st->cur;
	if (ev->set.after_known) {
		if (!e || !wbw_errseq_same_error(e->eseq, ev->set.after) || !e->eseq)
			e = new_error(c, st, ev);
		if (!e)
			return;
		e->eseq = ev->set.after;
		e->err = wbw_errseq_errno(ev->set.after);
	} else {
		uint32_t prev = ev->set.prev;

		if (!e || wbw_errseq_seen(prev) ||
		    (e->eseq && prev && !wbw_errseq_same_error(prev, e->eseq)))
			e = new_error(c, st, ev);
		if (!e)
			return;
		if (prev && !wbw_errseq_seen(prev)) {
			e->eseq = prev;
			e->err = wbw_errseq_errno(prev);
		}
	}
	e->events++;
	e->last_ts = ev->ts_ns;
	if (!e->fs_path && st->fs_path) {
		e->fs_path = st->fs_path;
		e->path_truncated = st->path_truncated;
	}
}

static void push_observe(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, false);
	struct wbw_observation o = {
		.ts_ns = ev->ts_ns,
		.task = ev->task,
		.dev = ev->dev,
		.ino = ev->ino,
		.mapping = ev->mapping,
		.file = ev->obs.file,
		.old = ev->obs.old,
		.new_cursor = ev->obs.new_cursor,
		.err = ev->obs.err,
		.f_mode = ev->obs.f_mode,
		.f_flags = ev->obs.f_flags,
	};

	if (st) {
		o.fs_path = st->fs_path;
		if (st->cur && wbw_errseq_same_error(st->cur->eseq, ev->obs.new_cursor)) {
			/* the error goes out before anything that observed it */
			flush_error(c, st->cur);
			st->cur->observations++;
			o.error = st->cur;
		}
	}
	c->stats.observations++;
	if (c->sink.on_observe)
		c->sink.on_observe(c->sink.ctx, &o);
}

static void push_path(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st;
	char *path;

	if (ev->path.no_dentry || !ev->path.fs_path[0])
		return;
	st = lookup(c, ev->dev, ev->ino, ev->mapping, true);
	if (!st)
		return;
	if (st->fs_path && !strcmp(st->fs_path, ev->path.fs_path))
		return;
	path = strdup(ev->path.fs_path);
	if (!path)
		return;
	free(st->fs_path);
	st->fs_path = path;
	st->path_truncated = ev->path.truncated || !ev->path.complete;
	if (st->cur) {
		st->cur->fs_path = path;
		st->cur->path_truncated = st->path_truncated;
	}
}

void wbw_corr__push(struct wbw_corr *c, const struct wbw_ev *ev)
{
	switch (ev->kind) {
	case WBW_EV_SET_ERR:
		c->stats.set_events++;
		push_set(c, ev);
		break;
	case WBW_EV_OBSERVE:
		c->stats.observe_events++;
		push_observe(c, ev);
		break;
	case WBW_EV_PATH:
		c->stats.path_events++;
		push_path(c, ev);
		break;
	}
}

static void emit_settled(struct wbw_corr *c, uint64_t now_ns, bool all)
{
	struct pending **pp = &c->pending;
	struct pending *ready = NULL;

	/*
	 * The list is newest first; moving entries onto `ready` reverses it, so
	 * errors go out oldest first.
	 */
	while (*pp) {
		struct pending *p = *pp;

		if (all || p->err->last_ts + c->opts.settle_ns <= now_ns) {
			*pp = p->next;
			p->next = ready;
			ready = p;
			continue;
		}
		pp = &p->next;
	}
	while (ready) {
		struct pending *p = ready;

		ready = p->next;
		emit_error(c, p->err);
		free(p);
	}
}

void wbw_corr__tick(struct wbw_corr *c, uint64_t now_ns)
{
	emit_settled(c, now_ns, false);
}

void wbw_corr__flush(struct wbw_corr *c)
{
	emit_settled(c, 0, true);
}

void wbw_corr__stats(const struct wbw_corr *c, struct wbw_corr_stats *st)
{
	*st = c->stats;
	st->inodes = c->count;
}

void wbw_corr__free(struct wbw_corr *c)
{
	if (!c)
		return;
	while (c->pending) {
		struct pending *p = c->pending;

		c->pending = p->next;
		free(p);
	}
	while (c->lru_head) {
		struct inode_state *st = c->lru_head;

		lru_unlink(c, st);
		free(st->cur);
		free(st->fs_path);
		free(st);
	}
	free(c->buckets);
	free(c);
}
