# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/e2e/lib.sh - what the end-to-end suite, tools/demo and tools/bench
# share: a lab, the nginx peer, ustackd, clients run through the shim, and a
# cleanup that undoes exactly what was started.
#
# Theory of operation: the caller sources this, calls lib_init once (temp
# dir, cleanup trap), then lib_lab_up, lib_nginx_start, lib_ustackd_start.
# Every process is started in the background as our own child (ip netns exec
# execs its command, so $! is the server's own pid), is remembered, and is
# stopped by that pid only: TERM, a bounded wait, then KILL.  Every wait here
# is bounded; clients run under timeout(1).

LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB_TMP=
LIB_LABS=()
LIB_PIDS=()
LIB_KEEP=${USTACK_KEEP_TMP:-}

# lib_die MSG - print MSG and exit 1 (the trap cleans up).
lib_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# lib_now - the time as seconds with a fraction.
lib_now() {
	echo "$EPOCHREALTIME"
}

# lib_since T0 - seconds since T0, to the millisecond.
lib_since() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# lib_rate BYTES SECONDS - MB/s (10^6 bytes per second), one decimal.
lib_rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", n / s / 1e6 }'
}

# lib_le A B - true if number A <= number B.
lib_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'
}

lib_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

lib_size() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# lib_alive PID - true if PID is running (not gone, not a zombie).
lib_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

# lib_stop PID [SECONDS] - TERM, wait up to SECONDS (5), then KILL; reap it
# and return its exit status.  PID must be our own child.
lib_stop() {
	local pid=$1 limit=${2:-5} i st=0
	if lib_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < limit * 10; i++)); do
			lib_alive "$pid" || break
			sleep 0.1
		done
		if lib_alive "$pid"; then
			echo "${0##*/}: pid $pid ignored SIGTERM for ${limit}s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || st=$?
	lib_forget "$pid"
	return "$st"
}

lib_forget() {
	local p keep=()
	for p in "${LIB_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	LIB_PIDS=("${keep[@]}")
}

lib_cleanup() {
	local st=$? p l
	trap - EXIT INT TERM
	for p in "${LIB_PIDS[@]}"; do
		lib_stop "$p" 3 || true
	done
	for l in "${LIB_LABS[@]}"; do
		"$LIB_ROOT/tools/lab" down "$l" || true
	done
	if [ -n "$LIB_TMP" ]; then
		if [ -n "$LIB_KEEP" ]; then
			echo "${0##*/}: kept $LIB_TMP" >&2
		else
			rm -rf "$LIB_TMP"
		fi
	fi
	exit "$st"
}

# lib_init PREFIX - a temp dir in LIB_TMP, the cleanup trap; needs root.
lib_init() {
	[ "$(id -u)" -eq 0 ] ||
		lib_die "needs root (network namespaces, raw sockets): run it as root"
	LIB_TMP=$(mktemp -d "/tmp/ustack-$1.XXXXXX")
	trap lib_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lib_check_build BUILD - the three binaries are there.
lib_check_build() {
	local f
	for f in ustackd ustack libustack.so; do
		[ -e "$1/$f" ] || lib_die "$1/$f is missing (run make first)"
	done
}

# lib_lab_up NAME [--kernel] - create a lab and set its LAB_* variables.
lib_lab_up() {
	local vars
	vars=$("$LIB_ROOT/tools/lab" up "$@") || lib_die "tools/lab up $1 failed"
	LIB_LABS+=("$1")
	eval "$vars"
}

# lib_nginx_start NS ADDR WWW RUN - nginx in NS on ADDR:80 serving WWW, with
# its pid, logs and temp files in RUN; sets NGINX_PID.
lib_nginx_start() {
	local ns=$1 addr=$2 www=$3 run=$4 i
	mkdir -p "$run" "$www/upload"
	[ -e "$www/index.html" ] || echo "ustack lab" >"$www/index.html"
	sed -e "s|@RUN@|$run|g" -e "s|@WWW@|$www|g" -e "s|@ADDR@|$addr|g" \
		"$LIB_ROOT/tools/lab-nginx.conf" >"$run/nginx.conf"
	ip netns exec "$ns" nginx -e "$run/nginx-error.log" -c "$run/nginx.conf" \
		>"$run/nginx.out" 2>&1 &
	NGINX_PID=$!
	LIB_PIDS+=("$NGINX_PID")
	for ((i = 0; i < 50; i++)); do
		if ip netns exec "$ns" curl -s -o /dev/null --max-time 1 "http://$addr/"; then
			return 0
		fi
		lib_alive "$NGINX_PID" || break
		sleep 0.1
	done
	cat "$run/nginx.out" "$run/nginx-error.log" >&2 2>/dev/null || true
	lib_die "nginx did not start in $ns on $addr:80"
}

# lib_ustackd_start BUILD NS IFACE ADDR SOCK PCAP LOG - ustackd in NS (no
# capture if PCAP is empty); waits (bounded) for its socket; sets USTACKD_PID.
lib_ustackd_start() {
	local build=$1 ns=$2 iface=$3 addr=$4 sock=$5 pcap=$6 log=$7 i
	local args=(--interface "$iface" --address "$addr" --socket "$sock")
	[ -z "$pcap" ] || args+=(--pcap "$pcap")
	rm -f "$sock"
	ip netns exec "$ns" "$build/ustackd" "${args[@]}" 2>"$log" &
	USTACKD_PID=$!
	LIB_PIDS+=("$USTACKD_PID")
	# Up to 10 s: the sanitizer build starts slower.
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		lib_alive "$USTACKD_PID" || break
		sleep 0.1
	done
	echo "--- ustackd log ($log)" >&2
	cat "$log" >&2
	lib_die "ustackd did not create its socket $sock"
}

# lib_client SECONDS NS BUILD SOCK CMD... - CMD through the shim in NS,
# killed after SECONDS.
lib_client() {
	local t=$1 ns=$2 build=$3 sock=$4
	shift 4
	timeout -k 5 "$t" ip netns exec "$ns" "$build/ustack" run --socket "$sock" "$@"
}

# The impairment profiles of issue 3, as "name:SPEC" for tools/lab impair
# (the same SPEC both ways): tests/e2e/impair-matrix and tools/bench.
# shellcheck disable=SC2034 # used by the scripts that source this
LIB_IMPAIR_PROFILES=(
	"clean:none"
	"loss1:loss=1"
	"loss5:loss=5"
	"loss10:loss=10"
	"reorder5:reorder=5 depth=3"
	"dup2:dup=2"
	"corrupt1:corrupt=1"
	"delay20:delay=20 jitter=10"
	"all:loss=1 reorder=5 depth=3 dup=2 corrupt=1 delay=20 jitter=10"
)

# lib_impair_counter TEXT DIR NAME - counter NAME ("received", "dropped
# (loss)", ...) of direction DIR (a2b, b2a) in TEXT: what "tools/lab impair
# NAME --stats" or "tools/lab down NAME" printed.
lib_impair_counter() {
	awk -v d="$2" -v n="$3" '$1 == d && / received / {
		i = index($0, ", " n " ")
		if (!i) i = index($0, ": " n " ")
		if (i) { print substr($0, i + length(n) + 3) + 0; exit }
	}' <<<"$1"
}
