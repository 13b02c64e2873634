// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "minbtf.h"

#define MAX_NAMED 64

struct builder {
	const struct wbw_kbtf *k;
	const struct wbw_spec *spec;
	struct btf *out;
	int void_ptr;
	struct {
		const char *name;
		int id;
	} named[MAX_NAMED];
	int nnamed;
	char *err;
	size_t errlen;
};

static int fail(struct builder *b, const char *what, const char *name)
{
	snprintf(b->err, b->errlen, "%s: %s", what, name);
	errno = EINVAL;
	return -EINVAL;
}

static int named_id(struct builder *b, const char *name)
{
	for (int i = 0; i < b->nnamed; i++)
		if (!strcmp(b->named[i].name, name))
			return b->named[i].id;
	return 0;
}

static int build_composite(struct builder *b, uint32_t kid, const struct wbw_spec_entry *e,
			   const char *name);

/* The target type of a member: same kind and size as in the kernel. */
static int map_type(struct builder *b, uint32_t kid, const char *owner, const char *field)
{
	uint32_t id = wbw_kbtf__skip_mods(b->k, kid);
	const struct btf_type *t = wbw_kbtf__type(b->k, id);
	char pseudo[2 * WBW_SPEC_NAME_MAX + 2];
	const char *tname;

	if (!t)
		return fail(b, "void member in the kernel", field);
	tname = wbw_kbtf__name(b->k, t->name_off);
	switch (wbw_btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = *(const uint32_t *)(t + 1);

		return btf__add_int(b->out, *tname ? tname : "int", (size_t)t->size,
				    BTF_INT_ENCODING(enc));
	}
	case BTF_KIND_ENUM: {
		/*
		 * The enum itself, with its values: an int in its place would let
		 * CO-RE accept an access that the kernel's full BTF refuses (kinds
		 * are compared).  The equivalence test caught exactly that.
		 */
		const struct btf_enum *v = (const struct btf_enum *)(t + 1);
		int id = btf__add_enum(b->out, tname, t->size);

		for (unsigned i = 0; id > 0 && i < wbw_btf_vlen(t); i++, v++)
			if (btf__add_enum_value(b->out, wbw_kbtf__name(b->k, v->name_off), v->val))
				return fail(b, "cannot copy enum", tname);
		return id;
	}
	case BTF_KIND_PTR:
		/* CO-RE only checks that a pointer is a pointer (libbpf relo_core.c) */
		if (!b->void_ptr)
			b->void_ptr = btf__add_ptr(b->out, 0);
		return b->void_ptr;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (*tname) {
			int nid = named_id(b, tname);

			if (!nid)
				return fail(b, "embedded type must be listed before its user", tname);
			return nid;
		}
		snprintf(pseudo, sizeof(pseudo), "%s_%s", owner, field);
		if (!wbw_spec_find(b->spec, pseudo))
			return fail(b, "anonymous member needs a spec entry", pseudo);
		return build_composite(b, id, wbw_spec_find(b->spec, pseudo), NULL);
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const struct btf_array *)(t + 1);
		int elem = map_type(b, a->type, owner, field), index;

		if (elem < 0)
			return elem;
		index = btf__add_int(b->out, "__array_index", 4, 0);
		return index < 0 ? index : btf__add_array(b->out, index, elem, a->nelems);
	}
	}
	return fail(b, "unsupported member kind for", field);
}

/* Does this composite (or an anonymous member of it) have a member `name`? */
static int contains(const struct wbw_kbtf *k, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = wbw_btf_members(t);

	for (unsigned i = 0; i < wbw_btf_vlen(t); i++, m++) {
		const char *mname = wbw_kbtf__name(k, m->name_off);
		const struct btf_type *mt;

		if (*mname) {
			if (!strcmp(mname, name))
				return 1;
			continue;
		}
		mt = wbw_kbtf__type(k, wbw_kbtf__skip_mods(k, m->type));
		if (mt && (wbw_btf_kind(mt) == BTF_KIND_STRUCT || wbw_btf_kind(mt) == BTF_KIND_UNION) &&
		    contains(k, mt, name))
			return 1;
	}
	return 0;
}

/*
 * A copy of kernel composite `kid` holding only the members that are, or
 * anonymously contain, the entry's fields.  `name` NULL: anonymous.
 */
static int build_composite(struct builder *b, uint32_t kid, const struct wbw_spec_entry *e,
			   const char *name)
{
	const struct btf_type *t = wbw_kbtf__type(b->k, kid);
	const struct btf_member *m;
	struct {
		const char *name;
		int type;
		uint32_t bit_off, bit_sz;
	} keep[WBW_SPEC_MAX_FIELDS];
	int nkeep = 0, id;
	unsigned vlen;

	if (!t)
		return fail(b, "no such kernel type for", e->name);
	vlen = wbw_btf_vlen(t);
	m = wbw_btf_members(t);
	for (unsigned i = 0; i < vlen; i++, m++) {
		const char *mname = wbw_kbtf__name(b->k, m->name_off);
		uint32_t mid = wbw_kbtf__skip_mods(b->k, m->type);
		const struct btf_type *mt = wbw_kbtf__type(b->k, mid);
		int wanted = 0, type;

		for (int f = 0; f < e->nfields && !wanted; f++) {
			if (*mname)
				wanted = !strcmp(mname, e->fields[f]);
			else if (mt)
				wanted = contains(b->k, mt, e->fields[f]);
		}
		if (!wanted)
			continue;
		if (nkeep == WBW_SPEC_MAX_FIELDS)
			return fail(b, "too many members kept in", e->name);
		if (*mname) {
			type = map_type(b, m->type, e->name, mname);
		} else {
			/* anonymous: keep it, with the same fields looked up inside */
			type = build_composite(b, mid, e, NULL);
		}
		if (type < 0)
			return type;
		keep[nkeep].name = mname;
		keep[nkeep].type = type;
		keep[nkeep].bit_off = wbw_btf_member_bit_offset(t, m->offset);
		keep[nkeep].bit_sz = wbw_btf_member_bitfield_size(t, m->offset);
		nkeep++;
	}
	/* every field the spec names must be there, but those only some kernels have */
	for (int f = 0; name && f < e->nfields; f++)
		if (!e->optional[f] && !contains(b->k, t, e->fields[f]))
			return fail(b, "field not in this kernel's BTF", e->fields[f]);

	id = wbw_btf_kind(t) == BTF_KIND_UNION ? btf__add_union(b->out, name ? name : "", t->size)
					       : btf__add_struct(b->out, name ? name : "", t->size);
	if (id < 0)
		return id;
	for (int i = 0; i < nkeep; i++) {
		int err = btf__add_field(b->out, keep[i].name, keep[i].type, keep[i].bit_off,
					 keep[i].bit_sz);
		if (err)
			return err;
	}
	return id;
}

struct btf *wbw_minbtf_build(const struct wbw_kbtf *k, const struct wbw_spec *spec, char *err,
			     size_t errlen)
{
	struct builder b = { .k = k, .spec = spec, .err = err, .errlen = errlen };

	b.out = btf__new_empty();
	if (!b.out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < spec->n; i++) {
		const struct wbw_spec_entry *e = &spec->e[i];
		unsigned kind = strcmp(e->kind, "union") ? BTF_KIND_STRUCT : BTF_KIND_UNION;
		int64_t kid;
		int id;

		if (!strcmp(e->kind, "typedef"))
			continue; /* CO-RE looks through typedefs on both sides */
		kid = wbw_kbtf__find(k, e->name, kind);
		if (kid < 0) {
			if (strchr(e->name, '_') && !strcmp(e->kind, "union"))
				continue; /* an anonymous member's fields, used inline */
			fail(&b, "type not in this kernel's BTF", e->name);
			goto fail;
		}
		id = build_composite(&b, (uint32_t)kid, e, e->name);
		if (id < 0)
			goto fail;
		if (b.nnamed == MAX_NAMED) {
			fail(&b, "too many types", e->name);
			goto fail;
		}
		b.named[b.nnamed].name = e->name;
		b.named[b.nnamed].id = id;
		b.nnamed++;
	}
	return b.out;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot build BTF");
	btf__free(b.out);
	errno = EINVAL;
	return NULL;
}
