# SPDX-License-Identifier: MIT
"""tests/e2e/robust.py - the programs tests/e2e/robust runs at both ends.

Theory of operation: each subcommand is one small program, started by the
shell script in the stack namespace (through "ustack run", so its socket is
ustack's) or in the peer namespace (so its socket is the kernel's).  They
print one line of "key=value" figures on stdout for the script to check;
they never loop without a bound (every socket has a timeout).

  serve-send PORT FILE            kernel: accept one, send FILE, close
  serve-recv PORT PAUSE_AT PAUSE  kernel: accept one, read PAUSE_AT bytes,
                                  sleep PAUSE s, read to EOF; bytes, sha256
  client-recv HOST PORT PAUSE_AT PAUSE   the same as a client
  client-send HOST PORT FILE      send FILE, half-close, wait for EOF
  http-paced PORT FILE RATE       kernel: one HTTP/1.0 GET answered with
                                  FILE at RATE bytes/s
  inject IFACE USTACK SOCK STACK_IP PEER_IP PEER_PORT COUNT
                                  forged segments from the peer (scapy)
  check-inject FILE COUNT         did inject's segments meet the RFCs' answers
  check-interop FILE STACK_IP OFF did ustack use only the options offered
  pcap FILE STACK_IP [down|up]    what each TCP connection in FILE did (JSON),
                                  or the one moving most data that way

Only the standard library, except inject (python3-scapy).
"""

import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import time

TIMEOUT = 60  # seconds without progress on any socket


def out(**kv):
    print(" ".join("%s=%s" % (k, v) for k, v in kv.items()), flush=True)


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(TIMEOUT)
    return s


def accept(ls):
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    return c


def read_paused(c, pause_at, pause):
    """Read pause_at bytes, sleep pause s, read to EOF; (bytes, sha256, seconds)."""
    h = hashlib.sha256()
    n = 0
    t0 = time.monotonic()
    while n < pause_at:
        b = c.recv(min(65536, pause_at - n))
        if not b:
            break
        h.update(b)
        n += len(b)
    t_pause = time.monotonic()
    time.sleep(pause)
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    t1 = time.monotonic()
    return n, h.hexdigest(), t_pause - t0, t1 - t0


def send_file(c, path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
            h.update(b)
            n += len(b)
    return n, h.hexdigest()


def serve_send(port, path):
    ls = listen(int(port))
    c = accept(ls)
    n, sha = send_file(c, path)
    c.close()
    out(bytes=n, sha256=sha)


def serve_recv(port, pause_at, pause):
    ls = listen(int(port))
    c = accept(ls)
    n, sha, tp, tt = read_paused(c, int(pause_at), float(pause))
    c.close()
    out(bytes=n, sha256=sha, paused_after="%.3f" % tp, secs="%.3f" % tt)


def connect(host, port):
    c = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    c.settimeout(TIMEOUT)
    return c


def client_recv(host, port, pause_at, pause):
    c = connect(host, port)
    n, sha, tp, tt = read_paused(c, int(pause_at), float(pause))
    c.close()
    out(bytes=n, sha256=sha, paused_after="%.3f" % tp, secs="%.3f" % tt)


def client_send(host, port, path):
    t0 = time.monotonic()
    c = connect(host, port)
    n, sha = send_file(c, path)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()
    out(bytes=n, sha256=sha, secs="%.3f" % (time.monotonic() - t0))


def http_paced(port, path, rate):
    """One GET answered with the file, paced in 10 ms rounds, then close."""
    ls = listen(int(port))
    c = accept(ls)
    req = b""
    while b"\r\n\r\n" not in req:
        b = c.recv(4096)
        if not b:
            return
        req += b
    size = os.path.getsize(path)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
    chunk = max(1, int(float(rate) / 100))
    t0 = time.monotonic()
    sent = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            c.sendall(b)
            sent += len(b)
            ahead = t0 + sent / float(rate) - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    c.close()
    out(bytes=sent, secs="%.3f" % (time.monotonic() - t0))


# ---- inject: blind segments from the peer namespace ----

def ustack_json(ustack, sock, what):
    r = subprocess.run([ustack, what, "--json", "--socket", sock], capture_output=True,
                       timeout=15, check=True)
    return json.loads(r.stdout)


def inject(iface, ustack, sock, stack_ip, peer_ip, peer_port, count):
    """Forge segments "from the server" against the one live connection.

    It first listens for ustack's SYN (the client port, and the window scale
    ustack asked for) and says "kind=ready" when it does, so the script
    starts the client after that.  Then each kind is one batch: read the
    stack's counters, sniff ustack's newest ACK to the server (its RCV.NXT
    and window: "in the window" is the middle of it),
    send COUNT forged segments at once, wait, read the counters again.  One
    line per kind: kind=... and the counter deltas.
    """
    from scapy.all import Ether, IP, TCP, Raw, conf  # noqa: E402 (slow import)

    count = int(count)
    peer_port = int(peer_port)
    deadline = time.monotonic() + 20
    syn_rx = conf.L2listen(iface=iface, filter="tcp[tcpflags] & tcp-syn != 0 and src host %s "
                           "and dst port %d" % (stack_ip, peer_port))
    out(kind="ready")
    syn = None
    while syn is None and time.monotonic() < deadline:
        p = syn_rx.recv()
        if p is not None and TCP in p and p[TCP].flags & 0x12 == 0x02:
            syn = p
    syn_rx.close()
    if syn is None:
        out(kind="error", error="no-syn")
        sys.exit(1)
    cport = syn[TCP].sport
    ws = dict((o[0], o[1]) for o in syn[TCP].options).get("WScale", 0)
    conn = None
    while conn is None and time.monotonic() < deadline:
        for r in ustack_json(ustack, sock, "status"):
            if r["state"] == "ESTABLISHED" and r["peer_port"] == peer_port:
                conn = r
        time.sleep(0.02)
    if conn is None or conn["local_port"] != cport:
        out(kind="error", error="not-in-status", syn_port=cport)
        sys.exit(1)
    out(kind="conn", port=cport, rcv_wnd=conn["rcv_wnd"], mss=conn["mss"], wscale=ws)
    tx = conf.L2socket(iface=iface)

    def fresh():
        """ustack's newest ACK to the server: its RCV.NXT, its window's right edge, SND.NXT.

        Only ustack's side is sniffed, a segment in six or so: scapy reads
        them faster than they come, so the first one is fresh (reading the
        server's full-sized segments too, it fell tens of ms behind).
        """
        rx = conf.L2listen(iface=iface, filter="tcp and src host %s and src port %d and "
                           "dst port %d" % (stack_ip, cport, peer_port))
        try:
            end = time.monotonic() + 5
            while time.monotonic() < end:
                p = rx.recv()
                if p is None or TCP not in p or not p[TCP].flags & 0x10:
                    continue
                nxt, right = p[TCP].ack, p[TCP].ack + (p[TCP].window << ws)
                if right - nxt >= 16384:
                    return p, nxt, right
        finally:
            rx.close()
        return None, 0, 0

    def forge(p, flags, seq, ack, data=b""):
        """A segment from the server, made from ustack's segment p to it."""
        e = Ether(src=p[Ether].dst, dst=p[Ether].src)
        i = IP(src=peer_ip, dst=stack_ip, ttl=64, id=0x5eed)
        t = TCP(sport=peer_port, dport=cport, flags=flags, seq=seq & 0xffffffff,
                ack=ack & 0xffffffff, window=502)
        return e / i / t / Raw(data) if data else e / i / t

    names = ["tcp_challenge_acks", "tcp_challenge_limited", "tcp_drop_unacceptable",
             "tcp_drop_badack", "tcp_rst_rx", "tcp_ooo_queued"]
    # Out of the window: 256 MiB ahead or behind; in it: around its middle.
    far = [1 << 28, -(1 << 28)]
    kinds = [
        ("rst-in-window", "R", None, None, b""),
        ("rst-out-of-window", "R", lambda k: far[k % 2] + k * 7919, None, b""),
        ("syn-in-window", "S", None, None, b""),
        ("syn-out-of-window", "S", lambda k: far[k % 2] + k * 7919, None, b""),
        ("data-ack-unsent", "PA", None, 1 << 30, b"X" * 100),
        ("data-ack-old", "PA", None, -(1 << 30), b"Y" * 100),
        ("data-beyond-window", "PA", lambda k: far[0] + k * 7919, 0, b"Z" * 100),
        ("data-old", "PA", lambda k: far[1] + k * 7919, 0, b"O" * 100),
    ]
    for name, flags, seqoff, ackoff, data in kinds:
        before = ustack_json(ustack, sock, "stats")
        p, nxt, right = fresh()
        if p is None:
            out(kind=name, error="no-data-from-server")
            sys.exit(1)
        mid = nxt + (right - nxt) // 2
        ack = p[TCP].seq  # ustack's SND.NXT: nothing outstanding in a download
        pkts = []
        for k in range(count):
            seq = mid + (k - count // 2) * 997 if seqoff is None else nxt + seqoff(k)
            a = ack + ackoff if ackoff is not None else (ack if "A" in flags else 0)
            pkts.append(forge(p, flags, seq, a, data))
        t = time.monotonic()
        for q in pkts:
            tx.send(q)
        lag_ms = (time.monotonic() - t) * 1000
        time.sleep(0.3)
        after = ustack_json(ustack, sock, "stats")
        d = {n: after.get(n, 0) - before.get(n, 0) for n in names}
        out(kind=name, sent=count, window=right - nxt, send_ms="%.1f" % lag_ms, **d)
    tx.close()


def check_interop(path, stack_ip, off):
    """Judge a download and an upload, from their capture.

    OFF is what the peer turned off ("ts,ws,sack", "" for none).  ustack
    offers everything in its SYN; whatever the SYN/ACK lacks it must not use
    afterwards, and whatever the SYN/ACK has it must use.
    """
    off = set(filter(None, off.split(",")))
    bad, figs = [], []
    conns = pcap_conns(path, stack_ip)
    for name, way in (("download", "down"), ("upload", "up")):
        c = pick(conns, way)
        if c is None:
            bad.append("%s: not in the capture" % name)
            continue
        sa = set(c["synack_opts"] or [])
        for o, opt in (("ts", "ts"), ("ws", "ws"), ("sack", "sackok")):
            if (o in off) == (opt in sa):
                bad.append("%s: the kernel's SYN/ACK has %s (sysctl %s)" % (
                    name, sorted(sa), "off" if o in off else "on"))
        if set(c["syn_opts"] or []) != {"mss", "ws", "sackok", "ts"}:
            bad.append("%s: ustack's SYN has %s" % (name, c["syn_opts"]))
        if "ts" in off and c["us_ts"]:
            bad.append("%s: %d of ustack's segments carry timestamps" % (name, c["us_ts"]))
        if "ts" not in off and c["us_ts"] != c["us_segs"]:
            bad.append("%s: only %d of ustack's %d segments carry timestamps" % (
                name, c["us_ts"], c["us_segs"]))
        if "ws" in off and c["ws"] is not None:
            bad.append("%s: window scaling agreed %s" % (name, c["ws"]))
        if "ws" not in off and c["ws"] is None:
            bad.append("%s: window scaling not agreed" % name)
        if "ws" in off and c["us_win_max"] < 32768:
            # Unscaled, a 256 KiB buffer shows as 65535; scaled it would be far less.
            bad.append("%s: ustack's window field at most %d: still scaled?" % (
                name, c["us_win_max"]))
        if "sack" in off and c["us_sack"]:
            bad.append("%s: %d of ustack's segments carry SACK blocks" % (name, c["us_sack"]))
        if c["us_other_opts"]:
            bad.append("%s: %d segments with SYN-only options" % (name, c["us_other_opts"]))
        if c["over_window"]:
            bad.append("%s: %d segments beyond the kernel's window (by up to %d bytes)" % (
                name, c["over_window"], c["over_window_max"]))
        if c["rst"]:
            bad.append("%s: %d RSTs" % (name, c["rst"]))
        figs.append("%s SYN/ACK %s, ustack %d segs %d with TS %d with SACK, win field max %d" % (
            name, "+".join(c["synack_opts"] or []), c["us_segs"], c["us_ts"], c["us_sack"],
            c["us_win_max"]))
    print("; ".join(bad) if bad else "; ".join(figs))
    sys.exit(1 if bad else 0)


def check_inject(path, count):
    """Judge inject's lines: each kind must have met the answer the RFCs give it."""
    n = int(count)
    ch = "challenge"  # tcp_challenge_acks + tcp_challenge_limited
    want = {
        # RFC 5961 3.2: in the window but not RCV.NXT, a challenge ACK.
        "rst-in-window": [(ch, n)],
        # RFC 9293 3.10.7.4: out of the window, a RST is dropped silently.
        "rst-out-of-window": [("tcp_drop_unacceptable", n)],
        # RFC 5961 4.2: any SYN on a synchronized connection, a challenge ACK.
        "syn-in-window": [(ch, n), ("tcp_drop_unacceptable", n)],
        "syn-out-of-window": [(ch, n), ("tcp_drop_unacceptable", n)],
        # RFC 9293 3.10.7.4: an ACK of data never sent, an ACK and drop.
        "data-ack-unsent": [("tcp_drop_badack", n)],
        # RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND, a challenge ACK.
        "data-ack-old": [(ch, n), ("tcp_drop_badack", n)],
        # RFC 9293 3.10.7.4: data beyond the window, an ACK and drop.
        "data-beyond-window": [("tcp_drop_unacceptable", n)],
        # Wholly below RCV.NXT: an old duplicate, ACKed and trimmed to nothing
        # (no counter of its own); the sha256 shows none of it was taken.
        "data-old": [],
    }
    seen, bad, figs = set(), [], []
    for line in open(path):
        kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
        k = kv.get("kind")
        if k not in want:
            continue
        seen.add(k)
        d = {c: int(v) for c, v in kv.items() if c.startswith("tcp_")}
        d[ch] = d["tcp_challenge_acks"] + d["tcp_challenge_limited"]
        for c, least in want[k]:
            if d[c] < least:
                bad.append("%s: %s +%d (want +%d)" % (k, c, d[c], least))
        if k.startswith("rst-out") and d[ch]:
            bad.append("%s: %d challenge ACKs (want none)" % (k, d[ch]))
        if d["tcp_rst_rx"]:
            bad.append("%s: %d RSTs taken" % (k, d["tcp_rst_rx"]))
        got = " ".join("%s +%d" % (c, d[c]) for c, _ in want[k])
        figs.append("%s: %s" % (k, got or "none taken"))
    if set(want) - seen:
        bad.append("no figures for " + ", ".join(sorted(set(want) - seen)))
    print("; ".join(bad) if bad else ", ".join(figs))
    sys.exit(1 if bad else 0)


# ---- pcap: what each connection did ----

TCPOPT_NAMES = {2: "mss", 3: "ws", 4: "sackok", 5: "sack", 8: "ts"}


def tcp_options(raw):
    """Option kind -> value bytes of a TCP options field."""
    opts = {}
    i = 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            break
        ln = raw[i + 1]
        opts[TCPOPT_NAMES.get(k, str(k))] = raw[i + 2:i + ln]
        i += ln
    return opts


def frames(path):
    """(seconds, frame bytes) of a classic pcap file, Ethernet or raw IP."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = "<"
        else:
            e = ">"
        link = struct.unpack(e + "I", hdr[20:24])[0]
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            sec, frac, incl, _ = struct.unpack(e + "IIII", ph)
            data = f.read(incl)
            if len(data) < incl:
                return
            if link == 1:
                if len(data) < 14 or data[12:14] != b"\x08\x00":
                    continue
                data = data[14:]
            yield sec + frac / 1e6, data


def pcap_conns(path, stack_ip):
    """What each TCP connection in the capture did, keyed "ustackport-peerport"."""
    conns = {}
    for ts, ip in frames(path):
        if len(ip) < 20 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        src = socket.inet_ntoa(ip[12:16])
        t = ip[ihl:]
        if len(t) < 20:
            continue
        sport, dport, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", t[:16])
        doff = (off >> 4) * 4
        plen = tot - ihl - doff
        opts = tcp_options(t[20:doff])
        mine = src == stack_ip
        key = "%d-%d" % ((sport, dport) if mine else (dport, sport))
        c = conns.get(key)
        if c is None:
            c = conns[key] = {
                "syn_opts": None, "synack_opts": None, "ws": None,
                "us_segs": 0, "us_data_segs": 0, "us_data": 0, "us_ts": 0, "us_sack": 0,
                "us_other_opts": 0, "us_zero_win": 0, "us_win_max": 0, "us_win_min": None,
                "us_probes": 0, "peer_segs": 0, "peer_data": 0, "peer_ts": 0, "peer_sack": 0,
                "peer_zero_win": 0, "peer_probes": 0, "peer_rexmit": 0,
                "over_window": 0, "over_window_max": 0,
                "zero_win_secs": 0.0, "rst": 0,
                "_edge": None, "_peer_ack": None, "_peer_win": None, "_us_ack": None,
                "_zw_since": None, "_us_zero": False, "_peer_end": None,
            }
        syn, ackf, rst = fl & 2, fl & 16, fl & 4
        if rst:
            c["rst"] += 1
        if syn:
            names = sorted(opts)
            if mine and not ackf:
                c["syn_opts"] = names
                c["_us_ws"] = opts.get("ws")
            elif not mine and ackf:
                c["synack_opts"] = names
                if c.get("_us_ws") is not None and "ws" in opts:
                    c["ws"] = [c["_us_ws"][0], opts["ws"][0]]  # [ustack's, peer's]
            continue
        us_shift, peer_shift = c["ws"] if c["ws"] else (0, 0)
        if mine:
            c["us_segs"] += 1
            if "ts" in opts:
                c["us_ts"] += 1
            if "sack" in opts:
                c["us_sack"] += 1
            if set(opts) - {"ts", "sack"}:
                c["us_other_opts"] += 1
            if not rst:
                c["us_win_max"] = max(c["us_win_max"], win)
                if win and (c["us_win_min"] is None or win << us_shift < c["us_win_min"]):
                    c["us_win_min"] = win << us_shift  # bytes
                if win == 0:
                    c["us_zero_win"] += 1
                    if not c["_us_zero"]:
                        c["_zw_since"] = ts
                    c["_us_zero"] = True
                elif c["_us_zero"]:
                    c["zero_win_secs"] += ts - c["_zw_since"]
                    c["_us_zero"] = False
                c["_us_ack"] = ack
            if plen > 0:
                c["us_data_segs"] += 1
                c["us_data"] += plen
                # Never beyond the right edge the peer offered (RFC 9293 3.8.6).
                if c["_edge"] is not None:
                    over = (seq + plen - c["_edge"]) & 0xffffffff
                    if 0 < over < 1 << 31:
                        c["over_window"] += 1
                        c["over_window_max"] = max(c["over_window_max"], over)
            elif (not rst and not fl & 1 and c["_peer_ack"] is not None
                  and (seq + 1) & 0xffffffff == c["_peer_ack"] and c["_peer_win"] == 0):
                c["us_probes"] += 1  # zero-window probe: SND.UNA - 1, no data
        else:
            c["peer_segs"] += 1
            if "ts" in opts:
                c["peer_ts"] += 1
            if "sack" in opts:
                c["peer_sack"] += 1
            c["peer_data"] += max(plen, 0)
            if plen > 0:
                end = (seq + plen) & 0xffffffff
                if c["_peer_end"] is not None and 0 < (c["_peer_end"] - seq) & 0xffffffff < 1 << 31:
                    c["peer_rexmit"] += 1  # starts below data already sent
                if c["_peer_end"] is None or 0 < (end - c["_peer_end"]) & 0xffffffff < 1 << 31:
                    c["_peer_end"] = end
            if ackf and not rst:
                if win == 0:
                    c["peer_zero_win"] += 1
                c["_peer_ack"] = ack
                c["_peer_win"] = win
                edge = (ack + (win << peer_shift)) & 0xffffffff
                if c["_edge"] is None or 0 < (edge - c["_edge"]) & 0xffffffff < 1 << 31:
                    c["_edge"] = edge
            if (plen <= 0 and not rst and not fl & 1 and c["_us_ack"] is not None
                    and (seq + 1) & 0xffffffff == c["_us_ack"]):
                c["peer_probes"] += 1
    for c in conns.values():
        c["zero_win_secs"] = round(c["zero_win_secs"], 3)
        for k in [k for k in c if k.startswith("_")]:
            del c[k]
    return conns


def pick(conns, way):
    """The connection that moved the most data WAY ("down": to ustack, "up"), or None."""
    key = "peer_data" if way == "down" else "us_data"
    return max(conns.values(), key=lambda c: c[key]) if conns else None


def pcap(path, stack_ip, way=None):
    """All connections as JSON; with WAY, that one's figures as key=value."""
    conns = pcap_conns(path, stack_ip)
    if way is None:
        json.dump(conns, sys.stdout, sort_keys=True)
        print()
        return
    c = pick(conns, way) or {}
    out(**{k: "+".join(map(str, v)) if isinstance(v, list) else v for k, v in sorted(c.items())})


CMDS = {
    "serve-send": (serve_send, 2),
    "serve-recv": (serve_recv, 3),
    "client-recv": (client_recv, 4),
    "client-send": (client_send, 3),
    "http-paced": (http_paced, 3),
    "inject": (inject, 7),
    "check-inject": (check_inject, 2),
    "check-interop": (check_interop, 3),
    "pcap": (pcap, (2, 3)),
}

if __name__ == "__main__":
    nargs = CMDS.get(sys.argv[1], (None, ()))[1] if len(sys.argv) > 1 else ()
    if len(sys.argv) - 2 not in (nargs if isinstance(nargs, tuple) else (nargs,)):
        sys.exit("usage: robust.py %s ARGS..." % "|".join(CMDS))
    CMDS[sys.argv[1]][0](*sys.argv[2:])
