# shellcheck shell=bash
# What the benchmark scripts share (sourced).

# metric NAME: the value of an unlabelled metric a watcher serves on
# 127.0.0.1:$port (--listen), without curl (bench hosts may lack it)
metric() {
	local body
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n' >&3
	body=$(cat <&3)
	exec 3>&-
	awk -v m="$1" '$1 == m { print $2 }' <<<"$body"
}
