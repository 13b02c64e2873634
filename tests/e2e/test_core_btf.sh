#!/usr/bin/env bash
# The minimal target BTF built at start-up (vmlinux/types.list, read from this
# kernel's BTF) must relocate every CO-RE access exactly as the full kernel
# BTF does: compare libbpf's own account of each patched instruction.
source "$(dirname "$0")/lib.sh"

relocs() { "$WBW" --duration 0 -v --tp-mode "$1" 2>&1 | sed -n 's/^libbpf: \(.*patched insn.*\)/\1/p' | sort; }
for mode in raw btf classic; do
	relocs "$mode" >"$WORK/min.$mode"
	WBERRWATCH_FULL_BTF=1 relocs "$mode" >"$WORK/full.$mode"
	n=$(wc -l <"$WORK/min.$mode")
	expect "$mode: CO-RE relocations happened ($n)" [ "$n" -gt 10 ]
	expect "$mode: identical with the minimal and the full kernel BTF" \
		diff -u "$WORK/full.$mode" "$WORK/min.$mode"
done
finish
