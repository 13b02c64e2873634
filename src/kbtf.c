// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kbtf.h"

#ifndef BTF_KIND_ENUM64
#define BTF_KIND_ENUM64 19
#endif

/* Bytes that follow struct btf_type for each kind (include/uapi/linux/btf.h). */
static int extra_size(const struct btf_type *t)
{
	unsigned vlen = wbw_btf_vlen(t);

	switch (wbw_btf_kind(t)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY: return (int)sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return (int)(vlen * sizeof(struct btf_member));
	case BTF_KIND_ENUM: return (int)(vlen * sizeof(struct btf_enum));
	case BTF_KIND_FUNC_PROTO: return (int)(vlen * sizeof(struct btf_param));
	case BTF_KIND_VAR: return (int)sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (int)(vlen * sizeof(struct btf_var_secinfo));
	case BTF_KIND_DECL_TAG: return (int)sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64: return (int)(vlen * 12);
	}
	return -1;
}

int wbw_kbtf__parse(struct wbw_kbtf *b, unsigned char *data, size_t size)
{
	const struct btf_header *h = (const struct btf_header *)data;
	size_t off, end, cap = 1 << 16;
	uint32_t n = 1;

	memset(b, 0, sizeof(*b));
	b->data = data;
	b->size = size;
	if (size < sizeof(*h) || size > UINT32_MAX || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    h->hdr_len > size || (size_t)h->type_off + h->type_len > size - h->hdr_len ||
	    (size_t)h->str_off + h->str_len > size - h->hdr_len || h->type_off % 4)
		return -EINVAL;
	b->strs = (const char *)data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	if (!b->str_len || b->strs[b->str_len - 1] != '\0')
		return -EINVAL;
	b->type_off = malloc(cap * sizeof(*b->type_off));
	if (!b->type_off)
		return -ENOMEM;
	b->type_off[0] = 0; /* void */
	off = h->hdr_len + h->type_off;
	end = off + h->type_len;
	while (off < end) {
		const struct btf_type *t = (const struct btf_type *)(data + off);
		int extra;

		if (end - off < sizeof(*t) || (extra = extra_size(t)) < 0 ||
		    end - off - sizeof(*t) < (size_t)extra)
			return -EINVAL;
		if (n == cap) {
			uint32_t *nt = realloc(b->type_off, cap * 2 * sizeof(*nt));

			if (!nt)
				return -ENOMEM;
			b->type_off = nt;
			cap *= 2;
		}
		b->type_off[n++] = (uint32_t)off;
		off += sizeof(*t) + (size_t)extra;
	}
	b->ntypes = n;
	return 0;
}

int wbw_kbtf__load(struct wbw_kbtf *b, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	int fd, err;

	memset(b, 0, sizeof(*b));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs reports the blob's size; read to EOF all the same */
	cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 22;
	for (;;) {
		ssize_t got;

		if (len == cap) {
			unsigned char *nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		if (!buf && !(buf = malloc(cap))) {
			err = -ENOMEM;
			goto fail;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	err = wbw_kbtf__parse(b, buf, len);
	if (err)
		wbw_kbtf__free(b);
	return err;
fail:
	close(fd);
	free(buf);
	return err;
}

void wbw_kbtf__free(struct wbw_kbtf *b)
{
	free(b->data);
	free(b->type_off);
	memset(b, 0, sizeof(*b));
}

const struct btf_type *wbw_kbtf__type(const struct wbw_kbtf *b, uint32_t id)
{
	return id && id < b->ntypes ? (const struct btf_type *)(b->data + b->type_off[id]) : NULL;
}

const char *wbw_kbtf__name(const struct wbw_kbtf *b, uint32_t name_off)
{
	return name_off < b->str_len ? b->strs + name_off : "";
}

int64_t wbw_kbtf__find(const struct wbw_kbtf *b, const char *name, unsigned kind)
{
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = wbw_kbtf__type(b, id);

		if (wbw_btf_kind(t) == kind && !strcmp(wbw_kbtf__name(b, t->name_off), name))
			return id;
	}
	return -ENOENT;
}

uint32_t wbw_kbtf__skip_mods(const struct wbw_kbtf *b, uint32_t id)
{
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *t = wbw_kbtf__type(b, id);

		if (!t)
			return id;
		switch (wbw_btf_kind(t)) {
		case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return id;
}
