# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/e2e/shim.sh - sourced by tests/e2e/run: the socket semantics of the
# shim, one C program each (tests/e2e/t_*.c, built by make into
# BUILD/tests/e2e/), run through `ustack run` in the stack namespace against
# the kernel peer, and bash's /dev/tcp.
#
# Uses what run defines: client, pass, fail, BUILD, S, P, T, LAB_PEER_ADDR,
# and lib.sh's LIB_PIDS, lib_alive, lib_stop.  t_slowpeer runs in the peer
# namespace (the kernel, no shim) to hold a handshake back; it and the client
# meet through files in $T/slow.

# shim_prog NAME SECONDS ARGS... - BUILD/tests/e2e/NAME through the shim:
# PASS with the line it printed, or FAIL with its FAIL lines.
shim_prog() {
	local name=$1 secs=$2 bin="$BUILD/tests/e2e/$1" out rc
	shift 2
	if [ ! -x "$bin" ]; then
		fail "$name" "$bin is missing (make check-e2e builds it)"
		return
	fi
	out=$(client "$secs" "$bin" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$name" "$(tail -n 1 <<<"$out")"
	elif grep -q '^FAIL' <<<"$out"; then
		fail "$name" "exit $rc: $(grep '^FAIL' <<<"$out" | head -n 3 | tr '\n' ' ')"
	else
		fail "$name" "exit $rc (124: timed out after ${secs}s): $(tail -n 3 <<<"$out" | tr '\n' ' ')"
	fi
}

shim_prog t_syscall_close 20 "$LAB_PEER_ADDR"
shim_prog t_syscall_pass 10
shim_prog t_close_range 20 "$LAB_PEER_ADDR"
shim_prog t_fclose 20 "$LAB_PEER_ADDR"
shim_prog t_exec 30 "$LAB_PEER_ADDR"
shim_prog t_fork 20 "$LAB_PEER_ADDR"
shim_prog t_threads 60 "$LAB_PEER_ADDR"
shim_prog t_poll_twice 20 "$LAB_PEER_ADDR"
shim_prog t_sigpipe 20 "$LAB_PEER_ADDR"
shim_prog t_rcvtimeo 20 "$LAB_PEER_ADDR"
shim_prog t_sockopt 20 "$LAB_PEER_ADDR"
shim_prog t_datacalls 20 "$LAB_PEER_ADDR"

# Handshakes held in SYN-SENT by a kernel listener whose accept queue is full.
shim_slow=$T/slow
mkdir -p "$shim_slow"
shim_peers=()
if [ -x "$BUILD/tests/e2e/t_slowpeer" ]; then
	for port in 8081 8082 8083; do
		ip netns exec "$P" "$BUILD/tests/e2e/t_slowpeer" "$LAB_PEER_ADDR" "$port" "$shim_slow" \
			>"$shim_slow/peer.$port.log" 2>&1 &
		shim_peers+=($!)
		LIB_PIDS+=($!)
	done
	for ((i = 0; i < 50; i++)); do
		[ -e "$shim_slow/ready.8081" ] && [ -e "$shim_slow/ready.8082" ] &&
			[ -e "$shim_slow/ready.8083" ] && break
		sleep 0.1
	done
fi
shim_prog t_epoll_connect 30 "$LAB_PEER_ADDR" 8081 "$shim_slow"
shim_prog t_eintr 30 "$LAB_PEER_ADDR" 8082 8083 "$shim_slow"
touch "$shim_slow/stop.8081" "$shim_slow/stop.8082" "$shim_slow/stop.8083"
for p in "${shim_peers[@]}"; do
	lib_stop "$p" 3 || true
done

# bash opens /dev/tcp/HOST/PORT with socket() and connect(), then moves the
# fd to 3; cat reads it as its stdin after fork, dup2 and exec.
# shellcheck disable=SC2016 # $0 is for the inner bash
out=$(client 20 bash -c 'exec 3<>"/dev/tcp/$0/80" &&
	printf "GET / HTTP/1.0\r\nHost: lab\r\n\r\n" >&3 && cat <&3' "$LAB_PEER_ADDR" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^HTTP/1.1 200 OK' <<<"$out" && grep -q '^ustack lab' <<<"$out"; then
	pass bash-dev-tcp "exec 3<>/dev/tcp/$LAB_PEER_ADDR/80, printf >&3, cat <&3: $(head -n 1 <<<"$out" | tr -d '\r'), $(wc -c <<<"$out") bytes"
else
	fail bash-dev-tcp "exit $rc: $(head -c 300 <<<"$out" | tr '\n' ' ')"
fi

# What the shim sends a daemon that advertises capabilities (ustackd does
# not yet): a stand-in daemon on a path of its own, no network involved.
if out=$(timeout 30 python3 "$LIB_ROOT/tests/e2e/caps_daemon.py" "$BUILD/libustack.so" \
	"$BUILD/tests/e2e/t_caps" "$T/caps.sock" 2>&1); then
	pass shim-caps "$out"
else
	fail shim-caps "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi

# None of the above sent the daemon a message it does not know (it would
# drop the control connection) or an option it refuses: what the daemon
# does not advertise in its HELLO reply, the shim keeps to itself.
if st=$("$BUILD/ustack" stats --socket "$SOCK" --json 2>&1); then
	bad=$(grep -o '"\(ctl_malformed\|ipc_opt_refused\)": *[0-9]*' <<<"$st" | tr -d ' "' | paste -sd ' ')
	if [[ $bad == *ctl_malformed:0*ipc_opt_refused:0* ]]; then
		pass shim-protocol "daemon counters after the shim tests: $bad"
	else
		fail shim-protocol "daemon counters: ${bad:-none found}"
	fi
else
	fail shim-protocol "ustack stats: $(head -c 300 <<<"$st")"
fi
