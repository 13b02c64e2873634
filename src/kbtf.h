/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A lean reader of raw kernel BTF (/sys/kernel/btf/vmlinux): one buffer and
 * an index of type offsets, nothing else.  libbpf 1.1's parser keeps two
 * copies of the 5+ MiB blob plus its own indexes and takes ~40 ms; wberrwatch
 * only needs to find a handful of types by name, so it reads them itself and
 * hands libbpf a minimal BTF (minbtf.c).
 */
#ifndef WBW_KBTF_H
#define WBW_KBTF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/btf.h>

struct wbw_kbtf {
	unsigned char *data; /* whole raw BTF blob */
	size_t size;
	uint32_t *type_off; /* index: type id -> offset in data; [0] is void */
	uint32_t ntypes;               /* ids 1..ntypes-1 */
	const char *strs;
	uint32_t str_len;
};

/* Parse a raw BTF blob; takes ownership of data (freed by __free). 0 or -errno. */
int wbw_kbtf__parse(struct wbw_kbtf *b, unsigned char *data, size_t size);
/* Read and parse a raw BTF file. */
int wbw_kbtf__load(struct wbw_kbtf *b, const char *path);
void wbw_kbtf__free(struct wbw_kbtf *b);

const struct btf_type *wbw_kbtf__type(const struct wbw_kbtf *b, uint32_t id);
const char *wbw_kbtf__name(const struct wbw_kbtf *b, uint32_t name_off);
/* First type with this kind and name, or a negative errno. */
int64_t wbw_kbtf__find(const struct wbw_kbtf *b, const char *name, unsigned kind);
/* Skip const/volatile/restrict/typedef/type_tag. */
uint32_t wbw_kbtf__skip_mods(const struct wbw_kbtf *b, uint32_t id);

static inline unsigned wbw_btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}
static inline unsigned wbw_btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}
static inline const struct btf_member *wbw_btf_members(const struct btf_type *t)
{
	return (const struct btf_member *)(t + 1);
}
static inline uint32_t wbw_btf_member_bit_offset(const struct btf_type *t, uint32_t off)
{
	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(off) : off;
}
static inline uint32_t wbw_btf_member_bitfield_size(const struct btf_type *t, uint32_t off)
{
	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BITFIELD_SIZE(off) : 0;
}

#endif
