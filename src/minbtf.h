/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Build the target BTF for CO-RE from the kernel's own BTF: only the types
 * and fields in the spec, with the kernel's real offsets and sizes, so that
 * libbpf relocates against it (btf_custom_path) instead of parsing all of
 * the kernel's BTF.  Anonymous structs/unions on the way to a field are kept
 * as they are in the kernel, so libbpf's matching through anonymous members
 * sees exactly what it would see in the full BTF.
 */
#ifndef WBW_MINBTF_H
#define WBW_MINBTF_H

#include <stddef.h>
#include "corespec.h"
#include "kbtf.h"

struct btf;

/*
 * Returns a new libbpf BTF object, or NULL with errno set and a message in
 * err (e.g. a field the spec names does not exist in this kernel).
 */
struct btf *wbw_minbtf_build(const struct wbw_kbtf *k, const struct wbw_spec *spec, char *err,
			     size_t errlen);

#endif
