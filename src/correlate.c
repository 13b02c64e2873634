// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "correlate.h"
#include "errseq.h"

#define MAX_HOLDERS 8

/*
 * A process as a pass named it, shared by every holder record naming it:
 * 100,000 due descriptors are held by a few processes, and a task (comm,
 * cgroup) copied into each cost more than the rest of the file's state.
 */
struct task_ref {
	struct task_ref *hnext;
	uint32_t refs;
	struct wbw_task task;
};

#define TASK_BUCKETS 4096

/* packed: 12 bytes, so that a tracked file is 88 (a 96-byte allocation) */
struct holder {
	struct task_ref *t; /* NULL: none */
	int32_t fd;
} __attribute__((packed));

/*
 * An open file that was on the mapping when its error was tracked.  Laid
 * out for size: 100,000 of them must fit in a watcher of 20 MiB.
 */
struct tracked_file {
	struct tracked_file *next;
	struct tracked_file *hnext; /* in its error's index by file (find_file) */
	uint64_t file;
	uint32_t f_mode;
	uint32_t cursor;
	struct holder h0;    /* the first holder the last pass saw (holder_at) */
	/*
	 * This pass found the cursor at the error (cursor_at_error): told,
	 * though not through a check seen yet.  Decided at the end of the
	 * pass, once the records queued meanwhile are read: the check's own
	 * record may be among them.  By this holder, at cursor_ts.
	 */
	struct holder cursor_holder;
	struct holder *more; /* the others, MAX_HOLDERS - 1 of them: a shared file */
	uint64_t last_seen_ts;
	uint64_t cursor_ts;
	uint32_t last_pass; /* the low 32 bits of the pass that last listed it */
	uint8_t nholders;
	bool cursor_at_error;
	bool told;
	bool done; /* verdict given, or not due */
	/* known from the kernel's first look only: no pass has listed it yet */
	bool kernel_look_only;
};

/* A process told this error by its fsync: is its next success false? */
struct retry_watch {
	struct retry_watch *next;
	struct wbw_task task;
	uint64_t told_ts;
};

/* A process told this error by its syncfs(2), and by which call. */
struct syncfs_told {
	struct syncfs_told *next;
	struct wbw_task task;
	int32_t fd;
	uint64_t file;
	int err;
	uint64_t ts_ns;
};

/*
 * A superblock errseq value a syncfs reported, and when: from then on the
 * superblock holds it with SEEN set, and a file cursor (f_sb_err) equal to
 * that was set at or after `ts_ns` (by that syncfs, a later one, or an
 * open sampling it).
 */
struct sb_report {
	struct sb_report *next;
	uint32_t dev;
	uint32_t eseq; /* SEEN clear */
	uint64_t ts_ns;
};

#define MAX_SB_REPORTS 256 /* the oldest is forgotten: its errors are long told */

/* An application told this error: its first process told, and when. */
struct app_told {
	struct app_told *next;
	uint64_t app;
	struct wbw_task task;
	uint64_t ts_ns;
};

struct err_state;

/*
 * A file released untold while its application may still be told (a later
 * opener's fsync): decided when one of the application's processes is
 * told (REPORTED via handover), or when the error is final, the
 * application gone or the handover window over (UNREPORTED).
 */
struct release_finding {
	struct release_finding *next, *prev; /* prev: dropped in O(1), 100,000 may wait */
	struct err_state *es;
	struct wbw_verdict v; /* UNREPORTED, final false */
	uint64_t deadline;    /* end of the handover window; 0: none */
	bool decided;         /* the window made it final: a telling now is late */
};

struct err_state {
	struct wbw_error e; /* what the sinks see */
	struct retry_watch *retries;
	struct syncfs_told *syncfs; /* processes told by their syncfs */
	struct tracked_file *files;
	/*
	 * The files by struct file address: a pass hands over every open file
	 * on the mapping, and 50,000 descriptors of one due file made a list
	 * walk per record cost a whole core (issue 15).
	 */
	struct tracked_file **fidx;
	uint32_t fidx_cap, nfiles; /* buckets (a power of two), files in the list */
	unsigned live; /* files still due */
	/* on the active list while a pass has something to do for it */
	struct err_state *act_prev, *act_next;
	bool active;
	struct inode_state *st;
	bool listed;    /* at least one pass has listed the mapping's files */
	uint64_t in_pass; /* the pass that is listing it */
	bool anyone_told;
	bool concluded; /* UNSEEN/SUPERSEDED given, or told */
	struct app_told *apps_told;
	/*
	 * Until the first pass listing it ends: the distinct writable files
	 * found on the mapping (by that pass, or told before it), to compare
	 * with the writers the kernel counted when the error hit.  An open-
	 * addressing set (0 is never a file's address), looked_cap a power of two.
	 */
	uint64_t *looked;
	uint32_t nlooked, looked_cap;
	/*
	 * UNREPORTED findings on it, provisional or final: they are its
	 * outcome, so it gets no UNSEEN besides (one alarm per error).
	 */
	unsigned unreported;
};

/* State per cached inode, keyed by dev:ino. */
struct inode_state {
	struct inode_state *hnext;
	struct inode_state *lru_prev, *lru_next;
	uint32_t dev;
	uint64_t ino;
	uint64_t mapping;
	uint32_t generation; /* i_generation, 0 until a set or path record says */
	char *fs_path;
	char *path; /* fs_path under its mount point when it came (wbw_error.path) */
	bool path_truncated;
	struct err_state *cur; /* latest error recorded on this mapping */
};

struct pending {
	struct pending *next;
	struct wbw_error *err;
};

/* A tracked file an exiting process still held, since the last pass. */
struct exited {
	struct exited *next;
	uint64_t file;
	struct wbw_task task;
	uint64_t ts_ns;
	int32_t exit_code;
	uint32_t refs; /* the file's references as the exit began (0: unknown) */
	bool keep;     /* still needed after this pass (snapshot_end) */
};

/*
 * A check that told its caller an error: the fsync that made it returns
 * that error next (same task, same call), which then came from errseq.
 */
struct recent_check {
	uint32_t tid;
	uint64_t mapping;
	int err;
	uint64_t error_id; /* 0: not an error of ours */
};
#define WBW_RECENT_CHECKS 64

struct wbw_corr {
	struct wbw_corr_opts opts;
	struct wbw_corr_sink sink;
	struct inode_state **buckets;
	size_t nbuckets;
	size_t count;
	struct inode_state *lru_head, *lru_tail; /* head: most recently used */
	struct pending *pending;
	struct exited *exited;
	size_t nexited;
	struct exited **xv; /* the exits by file, during snapshot_end (index_exits) */
	size_t nxv, xv_cap;
	struct release_finding *findings;
	struct sb_report *sb_reports; /* newest first */
	unsigned nsb_reports;
	struct err_state *active; /* errors unlisted or with files due */
	uint64_t next_error_id;
	uint64_t last_alive_check;
	uint64_t pass;
	bool pass_open; /* between snapshot_begin and snapshot_end */
	uint64_t unlisted; /* errors whose files no pass has listed yet */
	uint64_t retry_watches;
	uint64_t *disarmed; /* mappings to forget in the kernel */
	size_t ndisarmed, disarmed_cap;
	struct recent_check checks[WBW_RECENT_CHECKS];
	unsigned next_check;
	struct wbw_corr_stats stats;
	struct task_ref *tasks[TASK_BUCKETS];
};

static struct holder *holder_at(const struct tracked_file *f, unsigned i)
{
	return i ? &f->more[i - 1] : (struct holder *)&f->h0;
}

/* The shared record of task t, one more reference to it; NULL when out of memory. */
static struct task_ref *task_get(struct wbw_corr *c, const struct wbw_task *t)
{
	size_t b = (t->pid * 0x9e3779b1u ^ t->tid ^ (uint32_t)t->cgroup_id) & (TASK_BUCKETS - 1);
	struct task_ref *r;

	for (r = c->tasks[b]; r; r = r->hnext)
		if (r->task.pid == t->pid && r->task.tid == t->tid &&
		    r->task.cgroup_id == t->cgroup_id && !strcmp(r->task.comm, t->comm)) {
			r->refs++;
			return r;
		}
	r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	r->task = *t;
	r->refs = 1;
	r->hnext = c->tasks[b];
	c->tasks[b] = r;
	return r;
}

static void task_put(struct wbw_corr *c, struct task_ref *r)
{
	const struct wbw_task *t;
	struct task_ref **pp;

	if (!r || --r->refs)
		return;
	t = &r->task;
	pp = &c->tasks[(t->pid * 0x9e3779b1u ^ t->tid ^ (uint32_t)t->cgroup_id) & (TASK_BUCKETS - 1)];
	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	free(r);
}

/* Forget the holders a pass saw (a new pass lists them again). */
static void drop_holders(struct wbw_corr *c, struct tracked_file *f)
{
	for (unsigned i = 0; i < f->nholders; i++)
		task_put(c, holder_at(f, i)->t);
	f->nholders = 0;
}

static void free_file(struct wbw_corr *c, struct tracked_file *f)
{
	drop_holders(c, f);
	task_put(c, f->cursor_holder.t);
	free(f->more);
	free(f);
}

static uint64_t hash_key(uint32_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ ((uint64_t)dev << 32 | dev);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

const char *wbw_verdict_name(enum wbw_verdict_kind k)
{
	static const char *const names[WBW_V_KIND_MAX] = {
		[WBW_V_REPORTED] = "reported",
		[WBW_V_UNREPORTED] = "unreported",
		[WBW_V_UNSEEN] = "unseen",
		[WBW_V_SUPERSEDED] = "superseded",
		[WBW_V_RETRIED] = "retried",
	};
	return k < WBW_V_KIND_MAX ? names[k] : "?";
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
	if (!c->opts.max_files)
		c->opts.max_files = WBW_CORR_DEFAULT_MAX_FILES;
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

uint64_t wbw_app_default(const struct wbw_task *t)
{
	return t->cgroup_id > WBW_CGROUP_ROOT_ID ? t->cgroup_id : WBW_APP_PROCESS(t->pid);
}

static uint64_t app_of(const struct wbw_corr *c, const struct wbw_task *t)
{
	return c->opts.app_of ? c->opts.app_of(c->opts.app_ctx, t) : wbw_app_default(t);
}

static void emit_verdict(struct wbw_corr *c, struct wbw_verdict *v)
{
	/* an error goes out before any verdict on it */
	flush_error(c, (struct wbw_error *)v->error);
	/* counted once, when decided */
	if (wbw_verdict_decided(v))
		c->stats.verdicts[v->kind]++;
	if (c->sink.on_verdict)
		c->sink.on_verdict(c->sink.ctx, v);
}

static void verdict_error_only(struct wbw_corr *c, struct err_state *es, enum wbw_verdict_kind k,
			       uint64_t ts, bool final, const struct wbw_error *by, bool elsewhere)
{
	struct wbw_verdict v = { .kind = k, .error = &es->e, .ts_ns = ts, .final = final,
				 .fd = -1, .superseded_by = by, .checked_elsewhere = elsewhere };

	es->concluded = true;
	emit_verdict(c, &v);
}

static void fill_file_verdict(struct wbw_verdict *v, const struct tracked_file *f)
{
	v->file = f->file;
	v->f_mode = f->f_mode;
	v->cursor = f->cursor;
	v->nholders = f->nholders;
	if (f->nholders) {
		v->holder = f->h0.t->task;
		v->fd = f->h0.fd;
	}
}

static size_t ptr_hash(uint64_t p)
{
	p ^= p >> 33;
	p *= 0xff51afd7ed558ccdull;
	return (size_t)(p ^ (p >> 33));
}

/*
 * The first file with this address in list order (the newest): the index
 * chains keep list order, as both push at the front.
 */
static struct tracked_file *find_file(struct err_state *es, uint64_t file)
{
	if (!es->fidx)
		return NULL;
	for (struct tracked_file *f = es->fidx[ptr_hash(file) & (es->fidx_cap - 1)]; f; f = f->hnext)
		if (f->file == file)
			return f;
	return NULL;
}

/* The last file with this address that is still due, in list order (push_release). */
static struct tracked_file *find_live_file(struct err_state *es, uint64_t file)
{
	struct tracked_file *found = NULL;

	if (!es->fidx)
		return NULL;
	for (struct tracked_file *f = es->fidx[ptr_hash(file) & (es->fidx_cap - 1)]; f; f = f->hnext)
		if (f->file == file && !f->done)
			found = f;
	return found;
}

/*
 * Put f at the front of es's list and index.  False, with nothing changed,
 * when memory for the index ran out.
 */
static bool add_file(struct err_state *es, struct tracked_file *f)
{
	if (es->nfiles >= es->fidx_cap) {
		uint32_t cap = es->fidx_cap ? es->fidx_cap * 2 : 16, n = 0;
		struct tracked_file **idx = calloc(cap, sizeof(*idx));
		struct tracked_file **all = malloc((es->nfiles + 1) * sizeof(*all));

		if (!idx || !all) {
			free(idx);
			free(all);
			return false;
		}
		/*
		 * Rebuilt from the list, oldest first, pushing at the front: each
		 * chain ends up in list order again.
		 */
		for (struct tracked_file *t = es->files; t; t = t->next)
			all[n++] = t;
		while (n--) {
			struct tracked_file **bucket = &idx[ptr_hash(all[n]->file) & (cap - 1)];

			all[n]->hnext = *bucket;
			*bucket = all[n];
		}
		free(all);
		free(es->fidx);
		es->fidx = idx;
		es->fidx_cap = cap;
	}
	f->hnext = es->fidx[ptr_hash(f->file) & (es->fidx_cap - 1)];
	es->fidx[ptr_hash(f->file) & (es->fidx_cap - 1)] = f;
	f->next = es->files;
	es->files = f;
	es->nfiles++;
	return true;
}

static void disarm(struct wbw_corr *c, uint64_t mapping)
{
	if (c->ndisarmed == c->disarmed_cap) {
		size_t cap = c->disarmed_cap ? c->disarmed_cap * 2 : 64;
		uint64_t *n = realloc(c->disarmed, cap * sizeof(*n));

		if (!n)
			return; /* the kernel keeps reporting it; harmless */
		c->disarmed = n;
		c->disarmed_cap = cap;
	}
	c->disarmed[c->ndisarmed++] = mapping;
}

static void free_retries(struct wbw_corr *c, struct err_state *es)
{
	if (es->retries && es->e.mapping)
		disarm(c, es->e.mapping);
	while (es->retries) {
		struct retry_watch *r = es->retries;

		es->retries = r->next;
		free(r);
		c->retry_watches--;
	}
}

static void free_syncfs(struct err_state *es)
{
	while (es->syncfs) {
		struct syncfs_told *t = es->syncfs;

		es->syncfs = t->next;
		free(t);
	}
}

static void free_apps_told(struct err_state *es)
{
	while (es->apps_told) {
		struct app_told *t = es->apps_told;

		es->apps_told = t->next;
		free(t);
	}
}

static const struct app_told *app_told_of(const struct err_state *es, uint64_t app)
{
	for (const struct app_told *t = es->apps_told; t; t = t->next)
		if (t->app == app)
			return t;
	return NULL;
}

/* Make a provisional UNREPORTED final; `window`: the handover window ran out. */
static void decide_finding(struct wbw_corr *c, struct release_finding *f, uint64_t ts, bool window)
{
	struct wbw_verdict v = f->v;

	v.final = true;
	v.window_expired = window;
	v.ts_ns = ts;
	f->decided = true;
	c->stats.provisional--;
	emit_verdict(c, &v);
}

/* Take a finding off the list and free it. */
static void drop_finding(struct wbw_corr *c, struct release_finding *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		c->findings = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
}

/*
 * A process of `app` was told: releases of the application waiting on this
 * error were handed over to it (a later opener told what an earlier writer
 * left behind), and a later release of the application's is not an alarm.
 */
static void app_told(struct wbw_corr *c, struct err_state *es, const struct wbw_task *task,
		     uint64_t ts)
{
	uint64_t app = app_of(c, task);
	struct release_finding *f, *next;
	struct app_told *t;

	if (app_told_of(es, app) || !(t = calloc(1, sizeof(*t))))
		return;
	t->app = app;
	t->task = *task;
	t->ts_ns = ts;
	t->next = es->apps_told;
	es->apps_told = t;
	for (f = c->findings; f; f = next) {
		struct wbw_verdict v;

		next = f->next;
		if (f->es != es || f->v.app != app)
			continue;
		v = f->v;
		v.kind = WBW_V_REPORTED;
		v.told_via = WBW_TOLD_HANDOVER;
		v.told_task = *task;
		v.told_ts = ts;
		v.ts_ns = ts;
		v.final = true;
		v.late = f->decided;
		if (!f->decided)
			c->stats.provisional--;
		c->stats.handovers++;
		es->unreported--;
		drop_finding(c, f);
		emit_verdict(c, &v);
	}
}

/*
 * A file due on the error was released untold (v: UNREPORTED, its holder
 * and release filled in).  Judged per application: REPORTED when one of
 * the holder's application's processes was told already, else UNREPORTED,
 * provisional while the application can yet be told.
 */
static void released_untold(struct wbw_corr *c, struct err_state *es, struct wbw_verdict *v,
			    uint64_t released_after)
{
	const struct app_told *t;
	struct release_finding *f;

	v->app = app_of(c, &v->holder);
	t = app_told_of(es, v->app);
	if (t) {
		/*
		 * Told before the release, or (a pass finds a release only up to
		 * an interval after it happened) maybe after it: a handover then.
		 */
		v->kind = WBW_V_REPORTED;
		v->told_via = t->ts_ns < released_after ? WBW_TOLD_APPLICATION : WBW_TOLD_HANDOVER;
		v->told_task = t->task;
		v->told_ts = t->ts_ns;
		v->final = true;
		emit_verdict(c, v);
		return;
	}
	es->unreported++;
	/* an application of one process that has exited cannot be told any more */
	if (v->released == WBW_RELEASE_EXIT && v->app == WBW_APP_PROCESS(v->releaser.pid) &&
	    v->releaser.pid == v->holder.pid) {
		v->final = true;
		emit_verdict(c, v);
		return;
	}
	v->final = false;
	f = calloc(1, sizeof(*f));
	if (!f) {
		v->final = true; /* cannot wait for a handover: decide now */
		emit_verdict(c, v);
		return;
	}
	f->es = es;
	f->v = *v;
	f->deadline = c->opts.handover_ns ? v->ts_ns + c->opts.handover_ns : 0;
	f->next = c->findings;
	if (c->findings)
		c->findings->prev = f;
	c->findings = f;
	c->stats.provisional++;
	emit_verdict(c, v);
}

/*
 * The error is leaving (replaced, or its inode gone).  Superseded before
 * anyone saw it, its waiting releases move to the new error: errseq kept
 * only the newer value, and that is what a later opener's fsync reports.
 * Otherwise no later opener can be told this error: they are final.
 */
static void retire_findings(struct wbw_corr *c, struct err_state *es, struct err_state *next,
			    uint64_t ts)
{
	struct release_finding *f, *nf;

	for (f = c->findings; f; f = nf) {
		nf = f->next;
		if (f->es != es)
			continue;
		if (next && !f->decided) {
			f->es = next;
			f->v.error = &next->e;
			next->unreported++;
			continue;
		}
		if (!f->decided)
			decide_finding(c, f, ts, false);
		drop_finding(c, f);
	}
}

/* A writable file the first look found (or that was told before it ended). */
static void note_looked(struct err_state *es, uint64_t file)
{
	size_t i;

	if (es->listed || !file)
		return;
	if (es->looked) {
		for (i = ptr_hash(file) & (es->looked_cap - 1); es->looked[i];
		     i = (i + 1) & (es->looked_cap - 1))
			if (es->looked[i] == file)
				return;
	}
	/* at most half full */
	if (2 * (es->nlooked + 1) > es->looked_cap) {
		uint32_t cap = es->looked_cap ? es->looked_cap * 2 : 16;
		uint64_t *n = calloc(cap, sizeof(*n));

		if (!n)
			return; /* fewer found: the count says more were missed, never fewer */
		for (uint32_t j = 0; j < es->looked_cap; j++) {
			if (!es->looked[j])
				continue;
			for (i = ptr_hash(es->looked[j]) & (cap - 1); n[i]; i = (i + 1) & (cap - 1))
				;
			n[i] = es->looked[j];
		}
		free(es->looked);
		es->looked = n;
		es->looked_cap = cap;
	}
	for (i = ptr_hash(file) & (es->looked_cap - 1); es->looked[i]; i = (i + 1) & (es->looked_cap - 1))
		;
	es->looked[i] = file;
	es->nlooked++;
}

static void free_files(struct wbw_corr *c, struct err_state *es)
{
	free(es->fidx);
	es->fidx = NULL;
	es->fidx_cap = es->nfiles = 0;
	while (es->files) {
		struct tracked_file *f = es->files;

		es->files = f->next;
		free_file(c, f);
	}
}

static void activate(struct wbw_corr *c, struct err_state *es)
{
	if (es->active)
		return;
	es->active = true;
	es->act_prev = NULL;
	es->act_next = c->active;
	if (c->active)
		c->active->act_prev = es;
	c->active = es;
}

static void deactivate(struct wbw_corr *c, struct err_state *es)
{
	if (!es->active)
		return;
	if (es->act_prev)
		es->act_prev->act_next = es->act_next;
	else
		c->active = es->act_next;
	if (es->act_next)
		es->act_next->act_prev = es->act_prev;
	es->active = false;
	es->act_prev = es->act_next = NULL;
}

/* A tracked file needs nothing more (told, released, or not due). */
static void file_done(struct wbw_corr *c, struct err_state *es, struct tracked_file *f)
{
	if (f->done)
		return;
	f->done = true;
	es->live--;
	c->stats.tracked_files--;
}

/*
 * A file was told about the error (its fsync, or a pass finding its cursor
 * at the error).  Once per file and error.
 */
/*
 * A check told `task` the error (its fsync & co): watch its next success
 * for a false one.  Once per process and error.
 */
static void watch_retry(struct wbw_corr *c, struct err_state *es, const struct wbw_task *task,
			uint64_t ts)
{
	struct retry_watch *r;

	if (!es->e.mapping)
		return;
	for (r = es->retries; r && r->task.pid != task->pid; r = r->next)
		;
	if (!r && (r = calloc(1, sizeof(*r)))) {
		r->task = *task;
		r->told_ts = ts;
		r->next = es->retries;
		es->retries = r;
		c->retry_watches++;
	}
}

static void told(struct wbw_corr *c, struct err_state *es, struct tracked_file *f,
		 const struct wbw_task *task, int32_t fd, uint64_t file, uint32_t f_mode,
		 uint32_t cursor, uint64_t ts, enum wbw_told_via via, const struct syncfs_told *sfs)
{
	struct wbw_verdict v = { .kind = WBW_V_REPORTED, .error = &es->e, .ts_ns = ts, .final = true,
				 .file = file, .f_mode = f_mode, .cursor = cursor, .holder = *task,
				 .fd = fd, .nholders = 1, .told_via = via, .syncfs_fd = -1 };

	if (sfs) {
		v.syncfs_fd = sfs->fd;
		v.syncfs_file = sfs->file;
		v.syncfs_err = sfs->err;
	}
	/*
	 * Before the once-per-file test: a pass can find the cursor advanced
	 * (told via cursor) before the check's own record is read from the
	 * ring buffer, and the check is still what told the caller; missing
	 * it lost a RETRIED (6.1 guest, s11: fsync, fsync at once).
	 */
	if (via == WBW_TOLD_CHECK)
		watch_retry(c, es, task, ts);
	if (f_mode & WBW_FMODE_WRITE)
		note_looked(es, file);
	if (f && fd < 0) {
		/* the check names no descriptor: the holder's, as the last pass saw it */
		for (unsigned i = 0; i < f->nholders; i++)
			if (holder_at(f, i)->t->task.pid == task->pid) {
				v.fd = holder_at(f, i)->fd;
				break;
			}
	}
	if (f) {
		if (f->told) {
			app_told(c, es, task, ts);
			return;
		}
		file_done(c, es, f);
		f->told = true;
		f->cursor = cursor;
		v.nholders = f->nholders ? f->nholders : 1;
	}
	es->anyone_told = true;
	es->concluded = true;
	es->e.observations++;
	v.app = app_of(c, task);
	emit_verdict(c, &v);
	app_told(c, es, task, ts);
}

/*
 * The error on this mapping is being replaced (a newer error, or the inode
 * was evicted).  Files still due move on to the newer error when there is
 * one: their fsync will report that one, errseq keeps only the latest.
 * `prev_seen`: the replacing event says the old value had been seen.
 */
static void retire_error(struct wbw_corr *c, struct inode_state *st, struct err_state *next,
			 uint64_t ts, bool prev_seen)
{
	struct err_state *es = st->cur;

	if (!es)
		return;
	flush_error(c, &es->e);
	if (!es->anyone_told && !es->concluded) {
		if (next && !prev_seen)
			verdict_error_only(c, es, WBW_V_SUPERSEDED, ts, true, &next->e, false);
		else if (!es->unreported)
			verdict_error_only(c, es, WBW_V_UNSEEN, ts, true, NULL, prev_seen);
	}
	retire_findings(c, es, next && !prev_seen ? next : NULL, ts);
	if (next) {
		struct tracked_file **pp = &es->files;

		while (*pp) {
			struct tracked_file *f = *pp;

			if (!f->done) {
				*pp = f->next;
				es->nfiles--;
				if (!add_file(next, f)) {
					/* no memory for next's index: the file is not tracked on */
					c->stats.files_dropped++;
					c->stats.tracked_files--;
					es->live--;
					free_file(c, f);
					continue;
				}
				es->live--;
				next->live++;
			} else {
				pp = &f->next;
			}
		}
	}
	c->stats.tracked_files -= es->live;
	if (!es->listed)
		c->unlisted--;
	deactivate(c, es);
	free_files(c, es);
	free_retries(c, es);
	free_syncfs(es);
	free_apps_told(es);
	free(es->looked);
	free(es);
	st->cur = NULL;
}

static void drop_state(struct wbw_corr *c, struct inode_state *st)
{
	size_t b = hash_key(st->dev, st->ino) & (c->nbuckets - 1);
	struct inode_state **pp = &c->buckets[b];

	retire_error(c, st, NULL, st->cur ? st->cur->e.last_ts : 0, false);
	while (*pp && *pp != st)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = st->hnext;
	lru_unlink(c, st);
	free(st->fs_path);
	free(st->path);
	free(st);
	c->count--;
}

/*
 * The state of dev:ino.  `mapping` and `generation` (0: not known) tell a
 * new inode that took the number of a freed one from the old inode.
 */
static struct inode_state *lookup(struct wbw_corr *c, uint32_t dev, uint64_t ino, uint64_t mapping,
				  uint32_t generation, bool create, uint64_t ts)
{
	size_t b = hash_key(dev, ino) & (c->nbuckets - 1);
	struct inode_state *st;

	for (st = c->buckets[b]; st; st = st->hnext) {
		if (st->dev != dev || st->ino != ino)
			continue;
		if ((mapping && st->mapping && mapping != st->mapping) ||
		    (generation && st->generation && generation != st->generation)) {
			/*
			 * Same dev:ino, other address_space: the inode was evicted
			 * and read in again (or the number reused); its errseq
			 * state died with it, and an error nobody saw is lost.
			 * Same address_space, other generation: the inode was freed
			 * and its number and memory went to a new file at once.
			 */
			c->stats.inode_reuse++;
			retire_error(c, st, NULL, ts, false);
			free(st->fs_path);
			free(st->path);
			st->fs_path = st->path = NULL;
		}
		if (mapping)
			st->mapping = mapping;
		if (generation)
			st->generation = generation;
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
	st->generation = generation;
	st->hnext = c->buckets[b];
	c->buckets[b] = st;
	lru_push_front(c, st);
	if (++c->count > c->nbuckets * 2)
		grow(c);
	return st;
}

static struct err_state *new_error(struct wbw_corr *c, struct inode_state *st,
				   const struct wbw_ev *ev)
{
	struct err_state *es = calloc(1, sizeof(*es));
	struct pending *p = calloc(1, sizeof(*p));
	struct wbw_error *e;

	if (!es || !p) {
		free(es);
		free(p);
		return NULL;
	}
	e = &es->e;
	/* numbered first: the verdict on the error it replaces names it */
	e->id = ++c->next_error_id;
	retire_error(c, st, es, ev->ts_ns,
		     ev->kind == WBW_EV_SET_ERR && ev->set.prev_known && wbw_errseq_seen(ev->set.prev));
	e->writers = -1;
	e->dev = st->dev;
	e->ino = st->ino;
	e->mapping = st->mapping;
	e->first_ts = ev->ts_ns;
	e->first_raw = ev->set.raw;
	e->first_ctx = ev->task;
	e->fs_path = st->fs_path;
	e->path = st->path;
	e->path_truncated = st->path_truncated;
	st->cur = es;
	es->st = st;
	if (!st->mapping) {
		es->listed = true; /* nothing to list it by */
	} else {
		c->unlisted++;
		activate(c, es);
	}
	p->err = e;
	p->next = c->pending;
	c->pending = p;
	c->stats.errors++;
	return es;
}

/*
 * Which error does this set event belong to?  With the value after the set
 * (raw_tp/tp_btf, or kernels whose event carries it) the answer is exact:
 * the same value is the same error.  From the classic event on current
 * kernels only the previous value is known; a previous value with SEEN set
 * means someone looked since, so this is a new error; otherwise it is the
 * error we already have, whose value we learn from the burst's second event.
 */
static void push_set(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, ev->generation, true, ev->ts_ns);
	struct err_state *es;
	struct wbw_error *e;

	if (!st)
		return;
	es = st->cur;
	if (ev->set.after_known) {
		if (!es || !es->e.eseq || !wbw_errseq_same_error(es->e.eseq, ev->set.after))
			es = new_error(c, st, ev);
		if (!es)
			return;
		es->e.eseq = ev->set.after;
		es->e.err = wbw_errseq_errno(ev->set.after);
	} else {
		uint32_t prev = ev->set.prev;

		if (!es || wbw_errseq_seen(prev) ||
		    (es->e.eseq && prev && !wbw_errseq_same_error(prev, es->e.eseq)))
			es = new_error(c, st, ev);
		if (!es)
			return;
		if (prev && !wbw_errseq_seen(prev)) {
			es->e.eseq = prev;
			es->e.err = wbw_errseq_errno(prev);
		}
	}
	e = &es->e;
	if (!e->events && !e->predates_watch)
		e->writers = ev->set.writers; /* as the error hit: the burst's first event */
	e->events++;
	e->last_ts = ev->ts_ns;
	if (ev->set.bdev)
		e->bdev = ev->set.bdev;
	if (ev->set.writer_known && !e->writer_known) {
		e->writer_known = true;
		e->writer = ev->set.writer;
		e->writer_ts = ev->set.writer_ts_ns;
	}
	if (!e->fs_path && st->fs_path) {
		e->fs_path = st->fs_path;
		e->path = st->path;
		e->path_truncated = st->path_truncated;
	}
}

static void push_observe(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
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
		.fd = ev->obs.fd,
	};
	struct err_state *es = NULL;

	if (st) {
		o.fs_path = st->fs_path;
		es = st->cur;
		if (es && es->e.eseq && wbw_errseq_same_error(es->e.eseq, ev->obs.new_cursor) &&
		    ev->obs.err) {
			/* the error goes out before anything that observed it */
			flush_error(c, &es->e);
			o.error = &es->e;
		} else {
			es = NULL;
		}
	}
	c->stats.observations++;
	if (o.err) {
		struct recent_check *rc = &c->checks[c->next_check++ % WBW_RECENT_CHECKS];

		*rc = (struct recent_check){ .tid = ev->task.tid, .mapping = ev->mapping,
					     .err = o.err, .error_id = o.error ? o.error->id : 0 };
	}
	if (c->sink.on_observe)
		c->sink.on_observe(c->sink.ctx, &o);
	if (es)
		told(c, es, find_file(es, ev->obs.file), &ev->task, ev->obs.fd, ev->obs.file,
		     ev->obs.f_mode, ev->obs.new_cursor, ev->ts_ns, WBW_TOLD_CHECK, NULL);
}

static void push_path(struct wbw_corr *c, const struct wbw_ev *ev)
{
	const char *mount_path = ev->path.mount_path;
	struct inode_state *st;
	char *path, *full = NULL;

	if (ev->path.no_dentry || !ev->path.fs_path[0])
		return;
	st = lookup(c, ev->dev, ev->ino, ev->mapping, ev->generation, true, ev->ts_ns);
	if (!st)
		return;
	if (st->fs_path && !strcmp(st->fs_path, ev->path.fs_path) &&
	    (!mount_path || (st->path && !strcmp(st->path, mount_path))))
		return;
	path = strdup(ev->path.fs_path);
	if (mount_path && !(full = strdup(mount_path))) {
		free(path);
		return;
	}
	if (!path) {
		free(full);
		return;
	}
	free(st->fs_path);
	free(st->path);
	st->fs_path = path;
	st->path = full;
	st->path_truncated = ev->path.truncated || !ev->path.complete;
	if (st->cur) {
		st->cur->e.fs_path = path;
		st->cur->e.path = full;
		st->cur->e.path_truncated = st->path_truncated;
	}
}

static void push_fsync_failure(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
	struct wbw_fsync_failure f = {
		.ts_ns = ev->ts_ns,
		.task = ev->task,
		.dev = ev->dev,
		.ino = ev->ino,
		.mapping = ev->mapping,
		.file = ev->fsync_fail.file,
		.fd = ev->fsync_fail.fd,
		.err = ev->fsync_fail.err,
		.datasync = ev->fsync_fail.datasync,
	};

	for (unsigned i = 0; i < WBW_RECENT_CHECKS; i++) {
		struct recent_check *rc = &c->checks[i];

		if (rc->err && rc->tid == ev->task.tid && rc->mapping == ev->mapping &&
		    rc->err == f.err) {
			f.from_errseq = true;
			if (st && st->cur && st->cur->e.id == rc->error_id)
				f.error = &st->cur->e;
			rc->err = 0; /* one call's */
			break;
		}
	}
	if (st)
		f.fs_path = st->fs_path;
	if (f.from_errseq)
		c->stats.fsync_failures_errseq++;
	else
		c->stats.fsync_failures_other++;
	if (c->sink.on_fsync_failure)
		c->sink.on_fsync_failure(c->sink.ctx, &f);
}

/* One open file on a watched mapping, from an iterator pass. */
static void push_file(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
	struct err_state *es = st ? st->cur : NULL;
	struct tracked_file *f;
	bool at_error, again = false, kernel_look = ev->file.kernel_look;
	uint32_t pass = (uint32_t)c->pass;

	if (!es || !es->e.eseq)
		return;
	/*
	 * The kernel's first look lists the error's files at the error (a
	 * timer the error started, lifetime.bpf.c).  Once a pass has listed
	 * the error, the pass's view is newer, and the files it did not find
	 * were counted by looked_late(): a late record of the look adds
	 * nothing.
	 */
	if (kernel_look && es->listed)
		return;
	at_error = wbw_errseq_same_error(ev->file.cursor, es->e.eseq);
	if (ev->file.f_mode & WBW_FMODE_WRITE)
		note_looked(es, ev->file.file);
	f = find_file(es, ev->file.file);
	if (kernel_look) {
		/*
		 * A file at the error was told (its check comes as a record of
		 * its own); one the pass in progress has listed is known better
		 * already.  Otherwise the file is tracked as seen before the pass
		 * that will list the error: if that pass does not find it, it
		 * was released in between (conclude_pass), by its holder named
		 * here, which no pass would otherwise ever have seen.
		 */
		/* the first look at the error's files is the kernel's */
		if (!es->e.first_look_ts || ev->ts_ns < es->e.first_look_ts)
			es->e.first_look_ts = ev->ts_ns;
		if (at_error || (f && !f->kernel_look_only))
			return;
		if (c->pass_open && es->in_pass == c->pass)
			pass--;
	}
	if (!f) {
		bool writer = ev->file.f_mode & WBW_FMODE_WRITE;

		/*
		 * Due: open for writing (or --all-files) with a cursor behind
		 * the error, so that its fsync would report it.  Files already
		 * at the error were told (their check fired) or opened after
		 * someone saw it (errseq_sample gives them the seen value).
		 */
		if (at_error || (!writer && !c->opts.all_files))
			return;
		/*
		 * Bounded: a file not tracked gets no verdict, and the summary
		 * says the verdicts are incomplete (run cannot vouch).  Counted
		 * once per pass that finds it, until it is gone.
		 */
		if (c->stats.tracked_files >= c->opts.max_files) {
			c->stats.files_dropped++;
			return;
		}
		f = calloc(1, sizeof(*f));
		if (!f) {
			c->stats.files_dropped++;
			return;
		}
		f->file = ev->file.file;
		f->f_mode = ev->file.f_mode;
		f->kernel_look_only = kernel_look;
		f->last_pass = pass;
		if (!add_file(es, f)) {
			free(f);
			c->stats.files_dropped++;
			return;
		}
		es->live++;
		c->stats.tracked_files++;
		activate(c, es);
	}
	if (f->done)
		return;
	if (!kernel_look)
		f->kernel_look_only = false;
	if (f->last_pass != pass) {
		drop_holders(c, f);
		f->last_pass = pass;
	} else {
		/*
		 * A pass limited to the known holders may be followed by one over
		 * every process (to confirm a release): a holder it lists again
		 * is not a second one.
		 */
		for (unsigned i = 0; i < f->nholders && !again; i++)
			again = holder_at(f, i)->t->task.pid == ev->task.pid &&
				holder_at(f, i)->fd == (int32_t)ev->file.fd;
	}
	if (!again && f->nholders < MAX_HOLDERS &&
	    (f->nholders == 0 || f->more || (f->more = calloc(MAX_HOLDERS - 1, sizeof(*f->more))))) {
		struct holder *h = holder_at(f, f->nholders);

		h->t = task_get(c, &ev->task);
		h->fd = (int32_t)ev->file.fd;
		if (h->t)
			f->nholders++;
	}
	f->cursor = ev->file.cursor;
	f->last_seen_ts = ev->ts_ns;
	if (at_error && !f->cursor_at_error && (f->cursor_holder.t = task_get(c, &ev->task))) {
		f->cursor_at_error = true;
		f->cursor_holder.fd = (int32_t)ev->file.fd;
		f->cursor_ts = ev->ts_ns;
	}
}

/*
 * fsync/fdatasync returned on an inode watched for retries.  Success for a
 * process that was told the error and has not written since: the data it
 * wrote before the error is not on disk, whatever the call says.
 */
static void push_sync(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
	struct err_state *es = st ? st->cur : NULL;
	struct retry_watch **pp;

	if (!es || ev->inode.ret != 0)
		return;
	for (pp = &es->retries; *pp; pp = &(*pp)->next) {
		struct retry_watch *r = *pp;
		struct wbw_verdict v = { .kind = WBW_V_RETRIED, .error = &es->e, .ts_ns = ev->ts_ns,
					 .final = true, .holder = ev->task, .fd = -1, .nholders = 1 };

		if (r->task.pid != ev->task.pid)
			continue;
		v.told_ts = r->told_ts;
		*pp = r->next;
		free(r);
		c->retry_watches--;
		if (!es->retries)
			disarm(c, es->e.mapping);
		emit_verdict(c, &v);
		return;
	}
}

/* Written to again: a later success may cover a rewrite; stop watching. */
static void push_dirty(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);

	if (st && st->cur)
		free_retries(c, st->cur);
}

static const struct syncfs_told *syncfs_of(const struct err_state *es, uint32_t pid)
{
	for (const struct syncfs_told *t = es->syncfs; t; t = t->next)
		if (t->task.pid == pid)
			return t;
	return NULL;
}

/*
 * `file` (tracked as `f`, or NULL) belongs to a process told by syncfs `t`:
 * REPORTED via syncfs, never UNREPORTED.  The file syncfs was called on has
 * its verdict from the syncfs itself already.
 */
static void tell_via_syncfs(struct wbw_corr *c, struct err_state *es, struct tracked_file *f,
			    const struct wbw_task *task, int32_t fd, uint64_t file, uint32_t f_mode,
			    uint32_t cursor, uint64_t ts, const struct syncfs_told *t)
{
	if (file != t->file)
		told(c, es, f, task, fd, file, f_mode, cursor, ts, WBW_TOLD_SYNCFS, t);
	if (f) {
		f->told = true;
		file_done(c, es, f);
	}
}

/*
 * A tracked file one of whose holders was told the error by its own
 * syncfs, at its release or at the syncfs itself.  Returns whether it was.
 */
static bool told_by_syncfs(struct wbw_corr *c, struct err_state *es, struct tracked_file *f,
			   uint32_t cursor, uint64_t ts)
{
	for (unsigned i = 0; i < f->nholders; i++) {
		const struct holder *h = holder_at(f, i);
		const struct syncfs_told *t = syncfs_of(es, h->t->task.pid);

		if (t) {
			tell_via_syncfs(c, es, f, &h->t->task, h->fd, f->file,
					f->f_mode, cursor, ts, t);
			return true;
		}
	}
	return false;
}

/* The first syncfs of this watch that reported `eseq` on `dev` (SEEN ignored). */
static const struct sb_report *sb_report_of(const struct wbw_corr *c, uint32_t dev,
					    uint32_t eseq)
{
	const struct sb_report *found = NULL;

	/* newest first: the last match is the first report */
	for (const struct sb_report *r = c->sb_reports; r; r = r->next)
		if (r->dev == dev && wbw_errseq_same_error(r->eseq, eseq))
			found = r;
	return found;
}

/* When the latest report on `dev` before `before` was made; 0 if none. */
static uint64_t sb_report_before(const struct wbw_corr *c, uint32_t dev, uint64_t before)
{
	for (const struct sb_report *r = c->sb_reports; r; r = r->next)
		if (r->dev == dev && r->ts_ns < before)
			return r->ts_ns;
	return 0;
}

static void note_sb_report(struct wbw_corr *c, uint32_t dev, uint32_t eseq, uint64_t ts)
{
	struct sb_report *r;

	if (sb_report_of(c, dev, eseq))
		return;
	if (c->nsb_reports >= MAX_SB_REPORTS) {
		struct sb_report **pp = &c->sb_reports;

		while ((*pp)->next)
			pp = &(*pp)->next;
		free(*pp);
		*pp = NULL;
		c->nsb_reports--;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->dev = dev;
	r->eseq = eseq & ~WBW_ERRSEQ_SEEN;
	r->ts_ns = ts;
	r->next = c->sb_reports;
	c->sb_reports = r;
	c->nsb_reports++;
}

/*
 * Errors recorded on the filesystem after this time are news to a file
 * whose syncfs cursor (f_sb_err) is `cursor`, when the superblock holds
 * `sb_eseq`.  A seen cursor was set while the superblock held that value
 * seen, i.e. after the first syncfs that reported it, and before any newer
 * error (which would have changed the superblock's value for good).  One no
 * syncfs of this watch reported predates the watch: all its errors are
 * news.  A zero cursor was sampled while the superblock held nothing seen
 * (errseq_sample gives 0 then): after the last report before the current
 * value was first reported, if it has been.  When the current value is
 * unseen, the open may fall in this unseen stretch or an earlier one; the
 * later is assumed, which can leave an earlier error UNREPORTED for a file
 * it was in fact news to, but never credits a process with an error its
 * syncfs did not report.
 */
static uint64_t syncfs_news_since(const struct wbw_corr *c, uint32_t dev, uint32_t cursor,
				  uint32_t sb_eseq)
{
	const struct sb_report *r;

	if (cursor) {
		r = sb_report_of(c, dev, cursor);
		return r ? r->ts_ns : 0;
	}
	r = sb_report_of(c, dev, sb_eseq);
	return sb_report_before(c, dev, r ? r->ts_ns : UINT64_MAX);
}

/*
 * A syncfs(2) is reporting its filesystem's latest error to its caller:
 * errseq_check_and_advance(&sb->s_wb_err, &file->f_sb_err) found the
 * file's cursor behind.  The caller is told about every error recorded on
 * the filesystem that is news to that cursor: the file syncfs was called on
 * gets a REPORTED verdict per error, and so does each of the caller's
 * files due on it, now or when it is released.
 */
static void push_syncfs(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct syncfs_told told_now = { .task = ev->task, .fd = (int32_t)ev->syncfs.fd,
					.file = ev->syncfs.file, .err = ev->syncfs.err,
					.ts_ns = ev->ts_ns };
	uint64_t since;

	if (!ev->syncfs.err)
		return;
	c->stats.syncfs_events++;
	since = syncfs_news_since(c, ev->dev, ev->syncfs.cursor, ev->syncfs.sb_eseq);
	note_sb_report(c, ev->dev, ev->syncfs.sb_eseq, ev->ts_ns);
	for (struct inode_state *st = c->lru_head; st; st = st->lru_next) {
		struct err_state *es = st->cur;
		struct syncfs_told *t;

		if (st->dev != ev->dev || !es || es->e.first_ts > ev->ts_ns ||
		    (since && es->e.first_ts <= since) || syncfs_of(es, ev->task.pid))
			continue;
		t = malloc(sizeof(*t));
		if (!t)
			continue;
		*t = told_now;
		t->next = es->syncfs;
		es->syncfs = t;
		told(c, es, NULL, &ev->task, t->fd, t->file, ev->syncfs.f_mode, ev->syncfs.cursor,
		     ev->ts_ns, WBW_TOLD_SYNCFS, t);
		for (struct tracked_file *f = es->files; f; f = f->next)
			if (!f->done && !f->told)
				told_by_syncfs(c, es, f, f->cursor, ev->ts_ns);
	}
}

/*
 * close(2) returned a writeback error to its caller: NFS's flush
 * (nfs_file_flush, nfs4_file_flush in fs/nfs/) wrote the file back and
 * returned filemap_check_wb_err(mapping, since), whose errno is that of the
 * mapping's current value.  No tracepoint fired, and the file's cursor was
 * not advanced (the error is not even marked seen): the return value is the
 * telling, so the file is REPORTED (via close), and its release that follows
 * (its cursor still behind) is no UNREPORTED.  The error told is the
 * mapping's current one; a file due on an older error moved on to it when
 * it was replaced, as errseq keeps only the latest.
 */
static void push_close_told(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
	struct err_state *es = st ? st->cur : NULL;
	struct tracked_file *f;

	if (!es || !es->e.eseq || !ev->close_told.err ||
	    !wbw_errseq_same_error(es->e.eseq, ev->close_told.eseq))
		return;
	c->stats.close_told_events++;
	flush_error(c, &es->e);
	f = find_live_file(es, ev->close_told.file);
	if (!f && (f = calloc(1, sizeof(*f)))) {
		/*
		 * Not tracked yet (the error hit during this very close, before
		 * any pass): tracked from here, told, so that its release (the
		 * __fput that follows, its cursor behind) finds it told.
		 */
		f->file = ev->close_told.file;
		f->f_mode = ev->close_told.f_mode;
		f->cursor = ev->close_told.cursor;
		if (add_file(es, f)) {
			es->live++;
			c->stats.tracked_files++;
		} else {
			free(f);
			f = NULL;
		}
	}
	told(c, es, f, &ev->task, ev->close_told.fd, ev->close_told.file, ev->close_told.f_mode,
	     ev->close_told.cursor, ev->ts_ns, WBW_TOLD_CLOSE, NULL);
}

/*
 * The last reference to a file on a mapping with an error went (fentry on
 * __fput).  A tracked file whose final cursor is behind the error was
 * released unreported; the task that dropped the reference is the one that
 * held it last (close(2) runs __fput in the closer's own task work, an exit
 * in the exiting task), unless a kernel thread did it for someone.
 */
static void push_release(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct inode_state *st = lookup(c, ev->dev, ev->ino, ev->mapping, 0, false, ev->ts_ns);
	struct err_state *es = st ? st->cur : NULL;
	struct wbw_verdict v = { .kind = WBW_V_UNREPORTED, .final = true, .fd = -1,
				 .ts_ns = ev->ts_ns, .nholders = 1 };
	const struct syncfs_told *sfs;
	struct tracked_file *f = NULL;

	if (!es || !es->e.eseq)
		return;
	f = find_live_file(es, ev->release.file);
	if (f) {
		file_done(c, es, f);
		if (f->told)
			return;
		fill_file_verdict(&v, f);
		if (wbw_errseq_same_error(ev->release.cursor, es->e.eseq)) {
			/* told, though its check was not seen (a lost record) */
			told(c, es, f, &v.holder, v.fd, f->file, f->f_mode, ev->release.cursor,
			     ev->ts_ns, WBW_TOLD_CURSOR, NULL);
			return;
		}
		if (told_by_syncfs(c, es, f, ev->release.cursor, ev->ts_ns))
			return;
		v.cursor = ev->release.cursor;
		if (!ev->release.kthread) {
			v.holder = ev->task;
			v.fd = -1;
			v.nholders = 1;
			for (unsigned i = 0; i < f->nholders; i++)
				if (holder_at(f, i)->t->task.pid == ev->task.pid)
					v.fd = holder_at(f, i)->fd;
		}
	} else {
		/*
		 * Released before the pass that lists the error's files was done
		 * (it was open when the error hit): due when open for writing
		 * with a cursor behind the error, as push_file would judge it.
		 */
		f = find_file(es, ev->release.file);
		/* told at its close (NFS), before any pass listed it */
		if (f && f->told)
			return;
		if (es->listed || !c->opts.release_events)
			return;
		/* found, for looked_late(): it was open, so it is no writer the look missed */
		if (ev->release.f_mode & WBW_FMODE_WRITE)
			note_looked(es, ev->release.file);
		if (wbw_errseq_same_error(ev->release.cursor, es->e.eseq) ||
		    (!(ev->release.f_mode & WBW_FMODE_WRITE) && !c->opts.all_files))
			return;
		v.file = ev->release.file;
		v.f_mode = ev->release.f_mode;
		v.cursor = ev->release.cursor;
		v.holder = ev->task;
		sfs = syncfs_of(es, ev->task.pid);
		if (sfs) {
			tell_via_syncfs(c, es, NULL, &ev->task, -1, v.file, v.f_mode, v.cursor,
					ev->ts_ns, sfs);
			return;
		}
	}
	v.error = &es->e;
	v.released = ev->release.exiting ? WBW_RELEASE_EXIT : WBW_RELEASE_CLOSE;
	v.releaser = ev->task;
	v.released_ts = ev->ts_ns;
	v.exit_code = ev->release.exiting ? ev->release.exit_code : 0;
	released_untold(c, es, &v, ev->ts_ns);
}

/* One entry per descriptor the exit reports (a file held twice comes twice). */
static void push_exit(struct wbw_corr *c, const struct wbw_ev *ev)
{
	struct exited *x = calloc(1, sizeof(*x));

	if (!x)
		return;
	x->refs = ev->exit.refs;
	x->file = ev->exit.file;
	x->task = ev->task;
	x->ts_ns = ev->ts_ns;
	x->exit_code = ev->exit.exit_code;
	x->next = c->exited;
	c->exited = x;
	c->nexited++;
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
	case WBW_EV_FILE:
		push_file(c, ev);
		break;
	case WBW_EV_EXIT:
		push_exit(c, ev);
		break;
	case WBW_EV_SYNC:
		push_sync(c, ev);
		break;
	case WBW_EV_DIRTY:
		push_dirty(c, ev);
		break;
	case WBW_EV_RELEASE:
		push_release(c, ev);
		break;
	case WBW_EV_SYNCFS:
		push_syncfs(c, ev);
		break;
	case WBW_EV_FSYNC_FAIL:
		push_fsync_failure(c, ev);
		break;
	case WBW_EV_CLOSE_TOLD:
		push_close_told(c, ev);
		break;
	}
}

size_t wbw_corr__snapshot_begin(struct wbw_corr *c, uint64_t *watched, size_t max)
{
	size_t n = 0;

	struct err_state *es, *next;

	c->pass++;
	c->pass_open = true;
	for (es = c->active; es && n < max; es = next) {
		next = es->act_next;
		if (es->listed && !es->live) {
			deactivate(c, es);
			continue;
		}
		es->in_pass = c->pass;
		watched[n++] = es->st->mapping;
	}
	return n;
}

static int exited_by_file(const void *a, const void *b)
{
	uint64_t x = (*(struct exited *const *)a)->file, y = (*(struct exited *const *)b)->file;

	return (x > y) - (x < y);
}

/*
 * The exits by file, for the conclusions of a pass: a killed holder
 * reports every tracked file it held (19,000 in bench/scale.sh), each
 * looked up for every file the pass misses.  false: out of memory (the
 * exits are then not used, as if none had come).
 */
static bool index_exits(struct wbw_corr *c)
{
	struct exited *x;
	size_t i = 0;

	c->nxv = 0;
	if (!c->nexited)
		return true;
	if (c->nexited > c->xv_cap) {
		struct exited **v = realloc(c->xv, c->nexited * sizeof(*v));

		if (!v)
			return false;
		c->xv = v;
		c->xv_cap = c->nexited;
	}
	for (x = c->exited; x; x = x->next)
		c->xv[i++] = x;
	qsort(c->xv, i, sizeof(*c->xv), exited_by_file);
	c->nxv = i;
	return true;
}

/* The first exit in the index naming `file` (c->nxv if none). */
static size_t exits_of(const struct wbw_corr *c, uint64_t file)
{
	size_t lo = 0, hi = c->nxv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->xv[mid]->file < file)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct exited *exit_of(const struct wbw_corr *c, uint64_t file, uint32_t pid)
{
	for (size_t i = exits_of(c, file); i < c->nxv && c->xv[i]->file == file; i++)
		if (!pid || c->xv[i]->task.pid == pid)
			return c->xv[i];
	return NULL;
}

/* A holder the last pass saw that did not exit with the file since. */
static const struct holder *surviving_holder(const struct wbw_corr *c, const struct tracked_file *f)
{
	for (unsigned i = 0; i < f->nholders; i++)
		if (!exit_of(c, f->file, holder_at(f, i)->t->task.pid))
			return holder_at(f, i);
	return NULL;
}

/*
 * The exit that released a file no pass finds any more: the last of the
 * exits reporting it, when every holder the last pass saw exited with it
 * (a holder forked since then is in no pass; its exit alone counts only
 * when the known holders exited too).  NULL: a close released it.
 */
static const struct exited *last_exit_of(const struct wbw_corr *c, const struct tracked_file *f,
					 bool *alone)
{
	const struct exited *last = NULL;
	size_t first = exits_of(c, f->file), end = first;

	*alone = false;
	while (end < c->nxv && c->xv[end]->file == f->file)
		end++;
	/*
	 * An exit whose table held every reference the file had (one per
	 * descriptor it reported): nobody else held it then (a holder the
	 * last pass saw had closed it since), so that exit dropped the last.
	 */
	for (size_t i = first; i < end; i++) {
		const struct exited *x = c->xv[i];
		uint32_t fds = 0;

		if (!x->refs)
			continue;
		for (size_t k = first; k < end; k++)
			fds += c->xv[k]->task.pid == x->task.pid && c->xv[k]->ts_ns == x->ts_ns;
		if (x->refs == fds) {
			*alone = true;
			return x;
		}
	}
	if (surviving_holder(c, f))
		return NULL;
	for (size_t i = first; i < end; i++)
		if (!last || c->xv[i]->ts_ns > last->ts_ns)
			last = c->xv[i];
	return last;
}

/* Files a pass no longer found have been released. */
static void conclude_pass(struct wbw_corr *c, struct err_state *es, uint64_t now_ns)
{
	for (struct tracked_file *f = es->files; f; f = f->next) {
		struct wbw_verdict v = { .kind = WBW_V_UNREPORTED, .error = &es->e, .final = true,
					 .fd = -1 };
		const struct exited *x;
		bool alone;

		if (f->cursor_at_error) {
			/* told without a check seen, even now (e.g. its record was lost) */
			f->cursor_at_error = false;
			told(c, es, f, &f->cursor_holder.t->task, f->cursor_holder.fd, f->file, f->f_mode,
			     f->cursor, f->cursor_ts, WBW_TOLD_CURSOR, NULL);
			task_put(c, f->cursor_holder.t);
			f->cursor_holder.t = NULL;
		}
		/*
		 * With release events, absence from a pass means nothing: its
		 * release came, or will come, as an event.  Not for a file only
		 * the kernel's first look saw: the release hooks are attached by
		 * the first pass, and a release before it sent no event.
		 */
		if (f->done || f->last_pass == (uint32_t)c->pass ||
		    (c->opts.release_events && !f->kernel_look_only))
			continue;
		file_done(c, es, f);
		if (f->told || told_by_syncfs(c, es, f, f->cursor, now_ns))
			continue;
		fill_file_verdict(&v, f);
		/*
		 * An exiting holder reports the tracked files still in its table;
		 * a file not among them was closed (close, dup2 over it, exec
		 * with O_CLOEXEC) by the process that last held it.  The exit
		 * released it only when every holder the last pass saw exited
		 * with it: a forked child exiting while its parent still holds
		 * the file drops a reference, and the parent's close is the
		 * release.
		 */
		x = last_exit_of(c, f, &alone);
		if (x) {
			v.released = WBW_RELEASE_EXIT;
			v.releaser = x->task;
			v.released_ts = x->ts_ns;
			v.exit_code = x->exit_code;
			v.holder = x->task;
			/* its table held every reference: it alone held the file then */
			if (alone)
				v.nholders = 1;
			for (unsigned i = 0; i < f->nholders; i++)
				if (holder_at(f, i)->t->task.pid == x->task.pid)
					v.fd = holder_at(f, i)->fd;
		} else {
			const struct holder *h = surviving_holder(c, f);

			v.released = WBW_RELEASE_CLOSE;
			if (h) {
				v.holder = h->t->task;
				v.fd = h->fd;
			}
			v.releaser = v.holder;
			v.released_ts = now_ns;
		}
		v.ts_ns = now_ns;
		/* released since the last pass that saw it held, or at the exit */
		released_untold(c, es, &v, x ? x->ts_ns : f->last_seen_ts);
	}
}

/*
 * The first look at an error's files ended.  With iterator passes alone a
 * file released before it is seen by nothing, but the kernel counted the
 * files open for writing when the error hit: if the look found fewer (or
 * saw them told), the rest were released before it, untold as far as
 * anyone can say.  Their UNREPORTED names no holder, and says how late the
 * look came; it is final.  (Files opened since the error only make the
 * look find more: this never says too many.)  With release events too:
 * the release hook is attached by the first pass, so a release after it
 * came as an event (counted as found by push_release) and one before it
 * came as nothing, unless the kernel's first look saw the file.
 */
static void looked_late(struct wbw_corr *c, struct err_state *es, uint64_t now_ns)
{
	struct wbw_verdict v = { .kind = WBW_V_UNREPORTED, .error = &es->e, .ts_ns = now_ns,
				 .final = true, .fd = -1, .released = WBW_RELEASE_BEFORE_LOOK };
	uint32_t found = es->nlooked;

	/* the files found were needed for this count only */
	free(es->looked);
	es->looked = NULL;
	es->nlooked = es->looked_cap = 0;
	if (es->e.writers < 0 || (uint32_t)es->e.writers <= found)
		return;
	es->e.released_before_look = (uint32_t)es->e.writers - found;
	v.nholders = es->e.released_before_look;
	v.released_ts = now_ns;
	es->unreported++;
	c->stats.looked_late++;
	emit_verdict(c, &v);
}

/*
 * Mark the exits still needed after this pass: those of a tracked file no
 * pass has listed since the exit, or listed only in the exiting process's
 * own table (the exit hook fires before exit_files() in kernel/exit.c, so
 * a pass can list the file there meanwhile).  The pass that finds the file
 * missing concludes the release, and needs the exit then.  Before, every
 * pass forgot every exit, and an exit read during a pass that did not
 * conclude its file's release (queued records are read before a pass
 * ends, and an error first listed by the kernel's look is in no pass yet)
 * was gone when the next pass missed the file: a holder killed just after
 * its error was said to have closed it (test_verdicts s7 under load).  A
 * pass that lists the file in another process makes the exits before it
 * moot, so they do not pile up while a daemon's children come and go.
 * Once per pass with exits: the tracked files against the index by file.
 */
static void keep_exits_still_needed(struct wbw_corr *c)
{
	for (struct err_state *es = c->active; es; es = es->act_next) {
		for (struct tracked_file *f = es->files; f; f = f->next) {
			if (f->done)
				continue;
			for (size_t i = exits_of(c, f->file); i < c->nxv && c->xv[i]->file == f->file;
			     i++) {
				struct exited *x = c->xv[i];
				bool others = false;

				for (unsigned h = 0; h < f->nholders && !others; h++)
					others = holder_at(f, h)->t->task.pid != x->task.pid;
				if (f->last_seen_ts <= x->ts_ns || !others)
					x->keep = true;
			}
		}
	}
}

void wbw_corr__snapshot_end(struct wbw_corr *c, uint64_t now_ns)
{
	bool indexed = index_exits(c);

	c->pass_open = false;
	c->stats.passes++;
	for (struct err_state *es = c->active; es; es = es->act_next) {
		if (es->in_pass != c->pass)
			continue;
		if (!es->listed) {
			if (!es->e.first_look_ts) /* else the kernel's first look (push_file) */
				es->e.first_look_ts = now_ns;
			looked_late(c, es, now_ns);
			es->listed = true;
			c->unlisted--;
		}
		conclude_pass(c, es, now_ns);
	}
	if (indexed)
		keep_exits_still_needed(c);
	for (struct exited **pp = &c->exited; *pp;) {
		struct exited *x = *pp;

		if (x->keep) {
			x->keep = false; /* the next pass decides again */
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		free(x);
		c->nexited--;
	}
	c->nxv = 0;
}

bool wbw_corr__unseen_tracked(const struct wbw_corr *c)
{
	for (const struct err_state *es = c->active; es; es = es->act_next)
		if (es->live && !es->anyone_told)
			return true;
	return false;
}

bool wbw_corr__pass_missing(const struct wbw_corr *c)
{
	if (c->opts.release_events)
		return false;
	for (const struct err_state *es = c->active; es; es = es->act_next) {
		if (es->in_pass != c->pass)
			continue;
		if (!es->listed)
			return true;
		for (const struct tracked_file *f = es->files; f; f = f->next)
			if (!f->done && f->last_pass != (uint32_t)c->pass)
				return true;
	}
	return false;
}

/*
 * Errors without a mapping identity (classic tracepoints) cannot be listed:
 * they count as listed at once.
 */
bool wbw_corr__has_new_error(const struct wbw_corr *c)
{
	return c->unlisted > 0;
}

bool wbw_corr__needs_pass(const struct wbw_corr *c)
{
	/* release events end tracked files: no polling for their absence */
	if (c->opts.release_events)
		return c->unlisted > 0;
	return c->unlisted > 0 || c->stats.tracked_files > 0;
}

bool wbw_corr__tracking(const struct wbw_corr *c)
{
	return c->unlisted > 0 || c->stats.tracked_files > 0;
}

size_t wbw_corr__retry_disarmed(struct wbw_corr *c, uint64_t *out, size_t max)
{
	size_t n = c->ndisarmed < max ? c->ndisarmed : max;

	/* nothing disarmed yet: c->disarmed may still be NULL, which memcpy must not get */
	if (!n)
		return 0;
	memcpy(out, c->disarmed, n * sizeof(*out));
	memmove(c->disarmed, c->disarmed + n, (c->ndisarmed - n) * sizeof(*out));
	c->ndisarmed -= n;
	return n;
}

bool wbw_corr__retry_active(const struct wbw_corr *c)
{
	return c->retry_watches > 0 || c->active != NULL || c->unlisted > 0;
}

size_t wbw_corr__holders(const struct wbw_corr *c, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (const struct err_state *es = c->active; es; es = es->act_next) {
		for (const struct tracked_file *f = es->files; f; f = f->next) {
			if (f->done)
				continue;
			for (unsigned i = 0; i < f->nholders && n < max; i++) {
				size_t j;

				/* the files of one process come together: its pid is usually the last added */
				uint32_t pid = holder_at(f, i)->t->task.pid;

				if (n && out[n - 1] == pid)
					continue;
				for (j = 0; j < n && out[j] != pid; j++)
					;
				if (j == n)
					out[n++] = pid;
			}
		}
	}
	return n;
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

/* Is the finding's application gone (so that it is final now)? */
static bool app_gone(const struct wbw_corr *c, const struct release_finding *f)
{
	return c->opts.app_alive && !c->opts.app_alive(c->opts.app_ctx, f->v.app);
}

void wbw_corr__tick(struct wbw_corr *c, uint64_t now_ns)
{
	bool check_alive = now_ns - c->last_alive_check >= 1000000000ull;

	emit_settled(c, now_ns, false);
	if (check_alive)
		c->last_alive_check = now_ns;
	/*
	 * Releases whose handover window ran out, or whose application is
	 * gone: their UNREPORTED is final now.
	 */
	for (struct release_finding *f = c->findings; f; f = f->next) {
		if (f->decided)
			continue;
		if (f->deadline && now_ns >= f->deadline)
			decide_finding(c, f, now_ns, true);
		else if (check_alive && app_gone(c, f))
			decide_finding(c, f, now_ns, false);
	}
}

static int by_id(const void *a, const void *b)
{
	const struct err_state *x = *(struct err_state *const *)a, *y = *(struct err_state *const *)b;

	return (x->e.id > y->e.id) - (x->e.id < y->e.id);
}

void wbw_corr__flush(struct wbw_corr *c, bool apps_done)
{
	struct err_state **open = calloc(c->count ? c->count : 1, sizeof(*open));
	size_t n = 0;
	struct release_finding *last = NULL;

	emit_settled(c, 0, true);
	/*
	 * Oldest release first (the list is newest first): decide or restate.
	 * Neither adds nor drops a finding, so one walk back from the end.
	 */
	for (struct release_finding *f = c->findings; f; f = f->next)
		last = f;
	for (struct release_finding *oldest = last; oldest; oldest = oldest->prev) {
		if (oldest->decided || oldest->v.restated)
			continue;
		if (apps_done || app_gone(c, oldest)) {
			decide_finding(c, oldest, oldest->es->e.last_ts > oldest->v.ts_ns
							  ? oldest->es->e.last_ts
							  : oldest->v.ts_ns,
				       false);
		} else {
			struct wbw_verdict v = oldest->v;

			oldest->v.restated = true;
			v.restated = true;
			emit_verdict(c, &v);
		}
	}
	for (struct inode_state *st = c->lru_head; st; st = st->lru_next)
		if (st->cur && !st->cur->anyone_told && !st->cur->concluded && !st->cur->unreported &&
		    open)
			open[n++] = st->cur;
	/* oldest first, like the errors themselves */
	qsort(open, n, sizeof(*open), by_id);
	for (size_t i = 0; i < n; i++)
		verdict_error_only(c, open[i], WBW_V_UNSEEN, open[i]->e.last_ts, false, NULL, false);
	free(open);
}

bool wbw_corr__adopt(struct wbw_corr *c, const struct wbw_ev *ev, uint64_t hit_ts,
		     const char *fs_path)
{
	uint32_t eseq = ev->file.mapping_eseq & ~WBW_ERRSEQ_SEEN;
	struct inode_state *st;
	struct err_state *es;

	if (ev->kind != WBW_EV_FILE || !ev->mapping || !wbw_errseq_errno(eseq))
		return false;
	st = lookup(c, ev->dev, ev->ino, ev->mapping, ev->generation, true, ev->ts_ns);
	if (!st || (st->cur && wbw_errseq_same_error(st->cur->e.eseq, eseq)))
		return false;
	if (fs_path && !st->fs_path)
		st->fs_path = strdup(fs_path); /* new_error takes it from here */
	es = new_error(c, st, ev);
	if (!es)
		return false;
	/* no set event: what only one would say is unknown */
	es->e.eseq = eseq;
	es->e.err = wbw_errseq_errno(eseq);
	es->e.predates_watch = true;
	es->e.hit_known = hit_ts != 0;
	es->e.first_ts = es->e.last_ts = hit_ts ? hit_ts : ev->ts_ns;
	es->e.first_raw = 0;
	es->e.first_ctx = (struct wbw_task){ 0 };
	return true;
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
	while (c->exited) {
		struct exited *x = c->exited;

		c->exited = x->next;
		free(x);
	}
	while (c->findings) {
		struct release_finding *f = c->findings;

		c->findings = f->next;
		free(f);
	}
	while (c->sb_reports) {
		struct sb_report *r = c->sb_reports;

		c->sb_reports = r->next;
		free(r);
	}
	while (c->lru_head) {
		struct inode_state *st = c->lru_head;

		lru_unlink(c, st);
		if (st->cur) {
			free_files(c, st->cur);
			free_retries(c, st->cur);
			free_syncfs(st->cur);
			free_apps_told(st->cur);
			free(st->cur->looked);
			free(st->cur);
		}
		free(st->fs_path);
		free(st->path);
		free(st);
	}
	free(c->xv);
	free(c->disarmed);
	free(c->buckets);
	free(c);
}
