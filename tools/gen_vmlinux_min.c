// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * gen_vmlinux_min: write a minimal CO-RE type header holding only the kernel
 * fields listed in a spec file, read from a kernel's BTF.
 *
 *   gen_vmlinux_min SPEC [BTF]   (BTF defaults to /sys/kernel/btf/vmlinux)
 *
 * Spec lines: "typedef NAME" or "struct|union NAME: field field ...".  A
 * named member whose type is an anonymous struct/union is expanded from the
 * spec entry "OUTER_MEMBER" (e.g. "union dentry_d_u: d_alias").  Fields that
 * the kernel nests in anonymous members are emitted flat: libbpf's CO-RE
 * field matching looks through anonymous members, so the header stays valid
 * on kernels that moved a field into or out of such a union.
 *
 * Every record is preserve_access_index, so field offsets in the header do
 * not matter: libbpf relocates each access against the running kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "corespec.h"

struct spec_entry {
	struct wbw_spec_entry *e;
	int emitted;
};

static struct wbw_spec parsed;
static struct spec_entry spec[WBW_SPEC_MAX_ENTRIES];
static int nspec;
static const struct btf *btf;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "gen_vmlinux_min: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static struct spec_entry *spec_find(const char *name)
{
	for (int i = 0; i < nspec; i++)
		if (!strcmp(spec[i].e->name, name))
			return &spec[i];
	return NULL;
}

static void read_spec(const char *path)
{
	static char text[1 << 16];
	char err[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		die("cannot open spec %s", path);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	if (wbw_spec_parse(text, &parsed, err, sizeof(err)))
		die("%s", err);
	for (nspec = 0; nspec < parsed.n; nspec++)
		spec[nspec].e = &parsed.e[nspec];
}

static __u32 skip_mods(__u32 id)
{
	for (;;) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return id;
		if (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		    btf_is_type_tag(t))
			id = t->type;
		else
			return id;
	}
}

/* Depth-first search of `name` in a composite, through anonymous members. */
static const struct btf_member *find_member(const struct btf_type *t, const char *name,
					    __u32 base_bits, __u32 *bit_off)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		__u32 off = base_bits + btf_member_bit_offset(t, i);

		if (mname && *mname) {
			if (!strcmp(mname, name)) {
				*bit_off = off;
				return m;
			}
			continue;
		}
		const struct btf_type *inner = btf__type_by_id(btf, skip_mods(m->type));
		if (btf_is_composite(inner)) {
			const struct btf_member *found = find_member(inner, name, off, bit_off);
			if (found)
				return found;
		}
	}
	return NULL;
}

static const char *int_name(const struct btf_type *t)
{
	static const char *names[2][4] = { { "__u8", "__u16", "__u32", "__u64" },
					   { "__s8", "__s16", "__s32", "__s64" } };
	int is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	int is_char = btf_int_encoding(t) & BTF_INT_CHAR;

	if (is_char || (t->size == 1 && !strcmp(btf__name_by_offset(btf, t->name_off), "char")))
		return "char";
	switch (t->size) {
	case 1: return names[!!is_signed][0];
	case 2: return names[!!is_signed][1];
	case 4: return names[!!is_signed][2];
	case 8: return names[!!is_signed][3];
	}
	return NULL;
}

/* enums referenced by members, defined before the records that use them */
static const struct btf_type *enums[16];
static int nenums;

static void emit_enum_later(const struct btf_type *t)
{
	for (int i = 0; i < nenums; i++)
		if (enums[i] == t)
			return;
	if (nenums == 16)
		die("%s", "too many enums");
	enums[nenums++] = t;
}

static void emit_enums(FILE *out)
{
	for (int i = 0; i < nenums; i++) {
		const struct btf_type *t = enums[i];
		const struct btf_enum *v = btf_enum(t);

		fprintf(out, "enum %s {\n", btf__name_by_offset(btf, t->name_off));
		for (int k = 0; k < btf_vlen(t); k++, v++)
			fprintf(out, "\t%s = %d,\n", btf__name_by_offset(btf, v->name_off), v->val);
		fprintf(out, "};\n\n");
	}
}

static void emit_composite_body(FILE *out, const struct btf_type *t, struct spec_entry *e,
				const char *indent);

static void emit_member(FILE *out, __u32 type_id, const char *name, const char *owner,
			const char *indent)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(type_id));
	char inner_name[160];

	if (btf_is_int(t)) {
		const char *n = int_name(t);
		if (!n)
			die("unsupported integer size for %s", name);
		fprintf(out, "%s%s %s;\n", indent, n, name);
	} else if (btf_is_enum(t)) {
		/*
		 * A real enum: CO-RE refuses an int where the kernel has an enum
		 * (libbpf bpf_core_fields_are_compat compares kinds).
		 */
		const char *ename = btf__name_by_offset(btf, t->name_off);

		if (!ename || !*ename)
			die("anonymous enum member not supported: %s", name);
		fprintf(out, "%senum %s %s;\n", indent, ename, name);
		emit_enum_later(t);
	} else if (btf_is_ptr(t)) {
		const struct btf_type *p = btf__type_by_id(btf, skip_mods(t->type));
		const char *pname = p ? btf__name_by_offset(btf, p->name_off) : NULL;

		if (p && btf_is_composite(p) && pname && *pname)
			fprintf(out, "%s%s %s *%s;\n", indent, btf_is_union(p) ? "union" : "struct",
				pname, name);
		else
			fprintf(out, "%svoid *%s;\n", indent, name);
	} else if (btf_is_composite(t)) {
		const char *tname = btf__name_by_offset(btf, t->name_off);
		const char *kw = btf_is_union(t) ? "union" : "struct";

		if (tname && *tname) {
			struct spec_entry *dep = spec_find(tname);
			if (!dep || !dep->emitted)
				die("embedded type %s must be listed before its user", tname);
			fprintf(out, "%s%s %s %s;\n", indent, kw, tname, name);
		} else {
			struct spec_entry *anon;
			char deeper[32];

			snprintf(inner_name, sizeof(inner_name), "%s_%s", owner, name);
			anon = spec_find(inner_name);
			if (!anon)
				die("anonymous member needs a spec entry: %s", inner_name);
			snprintf(deeper, sizeof(deeper), "%s\t", indent);
			fprintf(out, "%s%s {\n", indent, kw);
			emit_composite_body(out, t, anon, deeper);
			fprintf(out, "%s} %s;\n", indent, name);
			anon->emitted = 1;
		}
	} else if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		char with_dim[160];

		snprintf(with_dim, sizeof(with_dim), "%s[%u]", name, a->nelems);
		emit_member(out, a->type, with_dim, owner, indent);
	} else {
		die("unsupported member type for %s", name);
	}
}

struct placed {
	__u32 bit_off;
	__u32 type;
	const char *name;
};

static int by_offset(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	return (x->bit_off > y->bit_off) - (x->bit_off < y->bit_off);
}

static void emit_composite_body(FILE *out, const struct btf_type *t, struct spec_entry *e,
				const char *indent)
{
	struct placed fields[WBW_SPEC_MAX_FIELDS];
	int n = 0;

	for (int i = 0; i < e->e->nfields; i++) {
		const struct btf_member *m;

		/* read through the programs' own ___flavor structs (corespec.h) */
		if (e->e->optional[i])
			continue;
		m = find_member(t, e->e->fields[i], 0, &fields[n].bit_off);
		if (!m)
			die("field not in this kernel's BTF: %s", e->e->fields[i]);
		fields[n].type = m->type;
		fields[n].name = e->e->fields[i];
		n++;
	}
	/* kernel order keeps the header readable next to the kernel source */
	qsort(fields, n, sizeof(fields[0]), by_offset);
	for (int i = 0; i < n; i++)
		emit_member(out, fields[i].type, fields[i].name, e->e->name, indent);
}

int main(int argc, char **argv)
{
	const char *btf_path = argc > 2 ? argv[2] : "/sys/kernel/btf/vmlinux";
	char *records = NULL;
	size_t records_len = 0;
	FILE *out = stdout, *body = open_memstream(&records, &records_len);

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_vmlinux_min SPEC [BTF]\n");
		return 2;
	}
	read_spec(argv[1]);
	btf = btf__parse(btf_path, NULL);
	if (!btf)
		die("cannot read BTF from %s", btf_path);

	fprintf(out, "/* SPDX-License-Identifier: GPL-2.0 */\n"
		     "/*\n"
		     " * Generated by tools/gen_vmlinux_min from vmlinux/types.list: the\n"
		     " * kernel fields wberrwatch's BPF programs read, and nothing else.\n"
		     " * Regenerate with `make vmlinux`; do not edit by hand.\n"
		     " */\n"
		     "#ifndef WBW_VMLINUX_MIN_H\n#define WBW_VMLINUX_MIN_H\n\n"
		     "#include <linux/types.h>\n\n"
		     "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n\n");

	/* forward declarations for pointer targets that are not defined here */
	fprintf(out, "struct vfsmount;\nstruct super_block;\nstruct inode;\nstruct dentry;\n"
		     "struct address_space;\nstruct file;\n\n");

	/* records go to `body` first: the enums they use must come before them */
	for (int i = 0; i < nspec; i++) {
		struct spec_entry *e = &spec[i];
		__s32 id;

		if (!strcmp(e->e->kind, "typedef")) {
			id = btf__find_by_name_kind(btf, e->e->name, BTF_KIND_TYPEDEF);
			if (id < 0)
				die("typedef not in this kernel's BTF: %s", e->e->name);
			emit_member(body, id, e->e->name, e->e->name, "typedef ");
			e->emitted = 1;
			continue;
		}
		id = btf__find_by_name_kind(btf, e->e->name,
					    !strcmp(e->e->kind, "union") ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		if (id < 0) {
			if (strchr(e->e->name, '_') && !strcmp(e->e->kind, "union"))
				continue; /* an anonymous member's fields, used inline */
			die("type not in this kernel's BTF: %s", e->e->name);
		}
		fprintf(body, "%s %s {\n", e->e->kind, e->e->name);
		emit_composite_body(body, btf__type_by_id(btf, id), e, "\t");
		fprintf(body, "};\n\n");
		e->emitted = 1;
	}
	fclose(body);
	emit_enums(out);
	fputs(records, out);
	free(records);
	for (int i = 0; i < nspec; i++)
		if (!spec[i].emitted)
			die("spec entry never used: %s", spec[i].e->name);

	fprintf(out, "#pragma clang attribute pop\n\n#endif /* WBW_VMLINUX_MIN_H */\n");
	return ferror(out) ? 1 : 0;
}
