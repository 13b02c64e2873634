/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#ifndef WBW_ATOMICFILE_H
#define WBW_ATOMICFILE_H

#include <stddef.h>

/*
 * Replace `path` with `len` bytes at once: write a temporary file beside it
 * (PATH.PID.tmp), fsync it, rename it over.  A reader sees the old or the
 * new file, never half of one.  Returns 0 or -errno; no temporary is left.
 */
int wbw_write_file_atomic(const char *path, const void *buf, size_t len);

#endif
