// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kbtf + minbtf on synthetic kernel BTF: the 6.14+ layout (dentry.d_name and
 * qstr.len inside anonymous unions) and the older plain one must both give
 * a target BTF in which CO-RE finds every listed field at the kernel's
 * offset, and nothing the spec did not ask for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "corespec.h"
#include "kbtf.h"
#include "minbtf.h"

static const char spec_text[] = "typedef errseq_t\n"
				"struct hlist_node: next\n"
				"struct qstr: len name   # comment\n"
				"struct dentry: d_parent d_name d_u\n"
				"union dentry_d_u: d_alias\n";

/* A kernel BTF; `anon` selects the 6.14+ layout. */
static struct btf *kernel_btf(bool anon)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
	int vptr = btf__add_ptr(b, 0);
	int hnode, qstr, inner, hash_u, names_u, du, dentry;

	btf__add_typedef(b, "errseq_t", u32);
	hnode = btf__add_struct(b, "hlist_node", 16);
	btf__add_field(b, "next", vptr, 0, 0);
	btf__add_field(b, "pprev", vptr, 64, 0);
	if (anon) {
		inner = btf__add_struct(b, "", 8);
		btf__add_field(b, "hash", u32, 0, 0);
		btf__add_field(b, "len", u32, 32, 0);
		hash_u = btf__add_union(b, "", 8);
		btf__add_field(b, "", inner, 0, 0);
		btf__add_field(b, "hash_len", u64, 0, 0);
		qstr = btf__add_struct(b, "qstr", 16);
		btf__add_field(b, "", hash_u, 0, 0);
		btf__add_field(b, "name", vptr, 64, 0);
	} else {
		qstr = btf__add_struct(b, "qstr", 16);
		btf__add_field(b, "hash", u32, 0, 0);
		btf__add_field(b, "len", u32, 32, 0);
		btf__add_field(b, "name", vptr, 64, 0);
	}
	names_u = btf__add_union(b, "", 16);
	btf__add_field(b, "__d_name", qstr, 0, 0);
	btf__add_field(b, "d_name", qstr, 0, 0);
	du = btf__add_union(b, "", 16);
	btf__add_field(b, "d_alias", hnode, 0, 0);
	btf__add_field(b, "d_rcu", hnode, 0, 0);
	dentry = btf__add_struct(b, "dentry", 200);
	btf__add_field(b, "d_flags", u32, 0, 0);
	btf__add_field(b, "d_parent", vptr, 64, 0);
	if (anon)
		btf__add_field(b, "", names_u, 128, 0);
	else
		btf__add_field(b, "d_name", qstr, 128, 0);
	btf__add_field(b, "d_inode", vptr, 256, 0);
	btf__add_field(b, "d_u", du, 1216, 0);
	(void)dentry;
	return b;
}

static void parse_kernel(struct btf *kb, struct wbw_kbtf *k)
{
	__u32 size;
	const void *raw = btf__raw_data(kb, &size);
	unsigned char *copy = malloc(size);

	memcpy(copy, raw, size);
	assert_int_equal(wbw_kbtf__parse(k, copy, size), 0);
}

/* Bit offset of a member found through anonymous members, or -1. */
static long find_off(const struct btf *b, const struct btf_type *t, const char *name, long base)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(b, m->name_off);
		long off = base + btf_member_bit_offset(t, i);

		if (*mn) {
			if (!strcmp(mn, name))
				return off;
		} else {
			long r = find_off(b, btf__type_by_id(b, m->type), name, off);
			if (r >= 0)
				return r;
		}
	}
	return -1;
}

static const struct btf_type *named(const struct btf *b, const char *name)
{
	int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);

	assert_true(id > 0);
	return btf__type_by_id(b, id);
}

static void check_layout(bool anon)
{
	struct btf *kb = kernel_btf(anon), *out;
	struct wbw_kbtf k;
	struct wbw_spec spec;
	char err[256] = "";
	const struct btf_type *d, *q;

	parse_kernel(kb, &k);
	assert_int_equal(wbw_spec_parse(spec_text, &spec, err, sizeof(err)), 0);
	out = wbw_minbtf_build(&k, &spec, err, sizeof(err));
	assert_non_null(out);
	d = named(out, "dentry");
	assert_int_equal(d->size, 200);
	assert_int_equal(find_off(out, d, "d_parent", 0), 64);
	assert_int_equal(find_off(out, d, "d_name", 0), 128);
	assert_int_equal(find_off(out, d, "d_u", 0), 1216);
	/* not asked for: not copied */
	assert_int_equal(find_off(out, d, "d_inode", 0), -1);
	assert_int_equal(find_off(out, d, "__d_name", 0), -1);
	assert_int_equal(find_off(out, d, "d_flags", 0), -1);
	q = named(out, "qstr");
	assert_int_equal(find_off(out, q, "len", 0), 32);
	assert_int_equal(find_off(out, q, "name", 0), 64);
	assert_int_equal(find_off(out, q, "hash", 0), -1);
	/* d_u keeps its (anonymous) union type, with d_alias only */
	{
		const struct btf_member *m = btf_members(d);
		int i;

		for (i = 0; i < btf_vlen(d); i++, m++)
			if (!strcmp(btf__name_by_offset(out, m->name_off), "d_u"))
				break;
		assert_true(i < btf_vlen(d));
		assert_true(btf_is_union(btf__type_by_id(out, m->type)));
		assert_int_equal(find_off(out, btf__type_by_id(out, m->type), "d_alias", 0), 0);
		assert_int_equal(find_off(out, btf__type_by_id(out, m->type), "d_rcu", 0), -1);
	}
	btf__free(out);
	btf__free(kb);
	wbw_kbtf__free(&k);
}

static void test_layout_with_anonymous_unions(void **state)
{
	(void)state;
	check_layout(true);
}

static void test_layout_without_anonymous_unions(void **state)
{
	(void)state;
	check_layout(false);
}

static void test_missing_field_is_an_error(void **state)
{
	struct btf *kb = kernel_btf(true);
	struct wbw_kbtf k;
	struct wbw_spec spec;
	char err[256] = "";

	(void)state;
	parse_kernel(kb, &k);
	assert_int_equal(wbw_spec_parse("struct hlist_node: next\nstruct dentry: d_parent d_nope\n", &spec,
					err, sizeof(err)), 0);
	assert_null(wbw_minbtf_build(&k, &spec, err, sizeof(err)));
	assert_string_equal(err, "field not in this kernel's BTF: d_nope");
	assert_int_equal(wbw_spec_parse("struct no_such_struct: x\n", &spec, err, sizeof(err)), 0);
	assert_null(wbw_minbtf_build(&k, &spec, err, sizeof(err)));
	assert_string_equal(err, "type not in this kernel's BTF: no_such_struct");
	btf__free(kb);
	wbw_kbtf__free(&k);
}

/*
 * "field?": a field only some kernels have (a patch adds it).  Kept where
 * the kernel has it, at its offset; left out, without an error, where not.
 */
static void test_optional_field_kept_only_where_present(void **state)
{
	struct btf *kb = kernel_btf(true), *out;
	struct wbw_kbtf k;
	struct wbw_spec spec;
	char err[256] = "";
	const struct btf_type *d;

	(void)state;
	parse_kernel(kb, &k);
	assert_int_equal(wbw_spec_parse("struct hlist_node: next\n"
					"struct dentry: d_parent d_inode? d_nope?\n",
					&spec, err, sizeof(err)), 0);
	assert_string_equal(spec.e[1].fields[1], "d_inode");
	assert_true(spec.e[1].optional[1]);
	assert_string_equal(spec.e[1].fields[2], "d_nope");
	assert_true(spec.e[1].optional[2]);
	assert_false(spec.e[1].optional[0]);
	out = wbw_minbtf_build(&k, &spec, err, sizeof(err));
	assert_non_null(out);
	d = named(out, "dentry");
	assert_int_equal(find_off(out, d, "d_parent", 0), 64);
	assert_int_not_equal(find_off(out, d, "d_inode", 0), -1);
	assert_int_equal(find_off(out, d, "d_nope", 0), -1);
	btf__free(out);
	/* a lone "?" is a name, not a mark */
	assert_int_equal(wbw_spec_parse("struct dentry: ?\n", &spec, err, sizeof(err)), 0);
	assert_string_equal(spec.e[0].fields[0], "?");
	assert_false(spec.e[0].optional[0]);
	btf__free(kb);
	wbw_kbtf__free(&k);
}

static void test_kbtf_find_and_reject(void **state)
{
	struct btf *kb = kernel_btf(true);
	struct wbw_kbtf k;
	__u32 size;
	const void *raw = btf__raw_data(kb, &size);
	unsigned char *bad;

	(void)state;
	parse_kernel(kb, &k);
	assert_true(wbw_kbtf__find(&k, "dentry", BTF_KIND_STRUCT) > 0);
	assert_true(wbw_kbtf__find(&k, "errseq_t", BTF_KIND_TYPEDEF) > 0);
	assert_true(wbw_kbtf__find(&k, "dentry", BTF_KIND_UNION) < 0);
	wbw_kbtf__free(&k);
	/* truncated in the middle of the type section */
	bad = malloc(size);
	memcpy(bad, raw, size);
	assert_int_not_equal(wbw_kbtf__parse(&k, bad, 40), 0);
	wbw_kbtf__free(&k);
	/* wrong magic */
	bad = malloc(size);
	memcpy(bad, raw, size);
	bad[0] ^= 0xff;
	assert_int_not_equal(wbw_kbtf__parse(&k, bad, size), 0);
	wbw_kbtf__free(&k);
	btf__free(kb);
}

static void test_spec_errors(void **state)
{
	struct wbw_spec spec;
	char err[256];

	(void)state;
	assert_int_not_equal(wbw_spec_parse("class foo: x\n", &spec, err, sizeof(err)), 0);
	assert_int_not_equal(wbw_spec_parse("struct\n", &spec, err, sizeof(err)), 0);
	/* the spec compiled into the binary parses */
	assert_int_equal(wbw_spec_parse(wbw_core_types_spec, &spec, err, sizeof(err)), 0);
	assert_non_null(wbw_spec_find(&spec, "address_space"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_with_anonymous_unions),
		cmocka_unit_test(test_layout_without_anonymous_unions),
		cmocka_unit_test(test_missing_field_is_an_error),
		cmocka_unit_test(test_optional_field_kept_only_where_present),
		cmocka_unit_test(test_kbtf_find_and_reject),
		cmocka_unit_test(test_spec_errors),
	};
	return cmocka_run_group_tests_name("minbtf", tests, NULL, NULL);
}
