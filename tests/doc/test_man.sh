#!/usr/bin/env bash
# The man page is lint-clean and documents exactly the options and exit
# statuses that --help lists, docs/usage.md has the exit status table, and
# docs/json.md's tables name every key the unit tests see in real output.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
WBW=${WBW_BUILD:?run through tests/run-tests}/wberrwatch
T=0
ok() { T=$((T + 1)); echo "ok $T - $*"; }
not_ok() { T=$((T + 1)); echo "not ok $T - $*"; }

page=$root/man/wberrwatch.8
# Whether an .Xr target (fsync(2), bpftrace(8)) is installed is a fact of
# the machine, not of the page: mandoc's notes about that are set aside,
# everything else it reports fails the test.
mandoc -Tlint -Wall "$page" >/tmp/wbw-lint.$$ 2>&1
lint=$(grep -v -e 'STYLE: referenced manual not found: Xr ' -e 'outdated mandoc.db lacks ' /tmp/wbw-lint.$$)
if [ -z "$lint" ]; then ok "mandoc -Tlint -Wall is clean (but for .Xr pages not installed here)"
else not_ok "mandoc -Tlint: $lint"; fi
rm -f /tmp/wbw-lint.$$

man_text=$(mandoc -Tascii "$page" 2>/dev/null | sed 's/.\x08//g')
help_text=$("$WBW" --help)
opts() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
for o in $(opts <<<"$help_text"); do
	if grep -q -- "$o" <<<"$man_text"; then ok "man page documents $o"; else not_ok "man page lacks $o (in --help)"; fi
done
for o in $(opts <<<"$man_text"); do
	if grep -q -- "$o" <<<"$help_text"; then ok "--help lists $o"; else not_ok "--help lacks $o (in the man page)"; fi
done
# exit statuses: the numbers in --help's table and in the man page's EXIT STATUS
help_codes=$(sed -n '/^Exit status:/,/^$/p' <<<"$help_text" |
	grep -oE '(^|  )[0-9]+  [a-z]|[0-9]+ \(--[a-z]+-status\)' | grep -oE '[0-9]+' | sort -n -u | tr '\n' ' ')
man_codes=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$man_text" | grep -oE '^ +[0-9]+ ' | tr -d ' ' | sort -n -u | tr '\n' ' ')
if [ -n "$help_codes" ] && [ "$help_codes" = "$man_codes" ]; then ok "exit statuses agree: $help_codes"
else not_ok "exit statuses differ: --help '$help_codes' man '$man_codes'"; fi
usage=$root/docs/usage.md json=$root/docs/json.md
if grep -qE "^(#+ )?Exit status" "$usage" && [ "$(grep -cE "^\\| [0-9] \\|" "$usage")" -ge 6 ]; then
	ok "docs/usage.md has the exit status table"
else
	not_ok "docs/usage.md lacks the exit status table"
fi
# every key and type name src/output.c writes is in docs/json.md's tables,
# with the keys of `lost` (named in src/decode.c, shared with the metrics)
keys=$({ cat "$root/src/output.c"; sed -n '/^const char \*wbw_rec_kind_key/,/^}/p' "$root/src/decode.c"; } |
	grep -oE '(&j|\(j), "[a-z_]+"|\] = "[a-z_]+"' | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
[ -n "$keys" ] || not_ok "no JSON keys found in src/output.c"
for k in $keys; do
	if grep -qE "[\`\"]$k[\`\"]" "$json"; then ok "docs/json.md documents JSON key $k"
	else not_ok "docs/json.md does not document JSON key '$k' (written by src/output.c)"; fi
done
echo "1..$T"
