/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The list of kernel types and fields the BPF programs read
 * (vmlinux/types.list).  One list feeds both sides of CO-RE:
 * tools/gen_vmlinux_min makes the local C header from it at build time, and
 * minbtf.c makes the target BTF from it at run time.
 */
#ifndef WBW_CORESPEC_H
#define WBW_CORESPEC_H

#include <stdbool.h>
#include <stddef.h>

#define WBW_SPEC_MAX_ENTRIES 64
#define WBW_SPEC_MAX_FIELDS 16
#define WBW_SPEC_NAME_MAX 64

struct wbw_spec_entry {
	char kind[16]; /* "struct", "union" or "typedef" */
	char name[WBW_SPEC_NAME_MAX];
	int nfields;
	char fields[WBW_SPEC_MAX_FIELDS][WBW_SPEC_NAME_MAX];
	/*
	 * "field?" in the list: only some kernels have it (a field a patch
	 * adds).  The BPF programs read it through a ___flavor struct of their
	 * own after bpf_core_field_exists(), so the generated header leaves it
	 * out; the run-time BTF keeps it where the running kernel has it.
	 */
	bool optional[WBW_SPEC_MAX_FIELDS];
};

struct wbw_spec {
	int n;
	struct wbw_spec_entry e[WBW_SPEC_MAX_ENTRIES];
};

/* Parse spec text; returns 0 or -EINVAL with a message in err. */
int wbw_spec_parse(const char *text, struct wbw_spec *spec, char *err, size_t errlen);
const struct wbw_spec_entry *wbw_spec_find(const struct wbw_spec *spec, const char *name);

/* The spec compiled into the binary (from vmlinux/types.list). */
extern const char wbw_core_types_spec[];

#endif
