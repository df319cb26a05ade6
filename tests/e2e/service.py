# SPDX-License-Identifier: MIT
"""tests/e2e/service.py - the clients tests/e2e/service drives.

  hold N HOST PORT SECS    (under ustack run) connect N sockets, print "ok" or
                           the errno name of each, keep them SECS seconds
  hostile SOCK             malformed control messages, one connection each;
                           each must be dropped, the daemon must stay
  probe SOCK MAXID         GETINFO and SETOPT on socket ids 1..MAXID; prints
                           "ok=N ebadf=M other=K"
  flood SOCK N SECS        N control connections, held SECS seconds
  loop URL SECS            (under ustack run) GET URL every 0.2 s, print
                           "ok" or "err REASON" per try, for SECS seconds
  notify PATH SECS         an sd_notify() receiver: print each datagram

Every wait is bounded; nothing here runs longer than its SECS argument plus
a few seconds.
"""
import errno
import os
import socket
import struct
import sys
import time

IPC_VERSION = 1
HELLO, CONNECT, GETINFO, SETOPT, RELEASE = 1, 2, 3, 4, 5
HDR = struct.Struct("=HHIIIiI")  # version type len seq sock_id err pad


def hdr(typ, length, seq=1, sock_id=0, version=IPC_VERSION):
    return HDR.pack(version, typ, length, seq, sock_id, 0, 0)


def ctl(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def hello(s):
    s.send(hdr(HELLO, 32) + struct.pack("=iI", os.getpid(), 0))
    rep = s.recv(512)
    return HDR.unpack_from(rep)[5]


def dropped(s, timeout=3.0):
    """True if the daemon closed this control connection."""
    s.settimeout(timeout)
    try:
        while True:
            if s.recv(512) == b"":
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def cmd_hold(n, host, port, secs):
    socks = []
    for _ in range(int(n)):
        s = socket.socket()
        try:
            s.connect((host, int(port)))
            print("ok", flush=True)
            socks.append(s)
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
            s.close()
    time.sleep(float(secs))


def cmd_hostile(path):
    connect_body = struct.pack("=IHHII", 0x0100000A, 0x5000, 0, 0, 0) + bytes(24)
    cases = {
        "garbage": b"\xde\xad\xbe\xef" * 5,
        "truncated-header": hdr(HELLO, 32)[:10],
        "oversized": hdr(HELLO, 4096) + bytes(4096 - HDR.size),
        "wrong-version": hdr(HELLO, 32, version=99) + bytes(8),
        "length-lies": hdr(HELLO, 28) + bytes(8),
        "unknown-type": hdr(77, HDR.size),
        "getinfo-with-body": hdr(GETINFO, 40, sock_id=1) + bytes(16),
        "connect-short": hdr(CONNECT, 40) + connect_body[:16],
        "zero-length": b"",
    }
    bad = []
    for name, msg in cases.items():
        s = ctl(path)
        try:
            if name != "zero-length":
                hello(s)
            s.send(msg)
            if not dropped(s):
                bad.append(name)
        except OSError as e:
            if e.errno not in (errno.EPIPE, errno.ECONNRESET):
                bad.append("%s (%s)" % (name, e))
        s.close()
    # A CONNECT carrying nine fds (more than any message may): dropped.
    s = ctl(path)
    hello(s)
    a, b = socket.socketpair()
    fds = [b.fileno()] * 9
    try:
        s.sendmsg([hdr(CONNECT, 64) + connect_body],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("9i", *fds))])
        if not dropped(s):
            bad.append("nine-fds")
    except OSError:
        pass
    # A half-open flood of bytes without reading replies: HELLO x 5000.
    s = ctl(path)
    s.setblocking(False)
    sent = 0
    try:
        for i in range(5000):
            s.send(hdr(HELLO, 32, seq=i) + struct.pack("=iI", 1, 0))
            sent += 1
    except OSError:
        pass
    s.close()
    print("cases=%d not-dropped=%s hello-flood-sent=%d" %
          (len(cases) + 1, ",".join(bad) or "none", sent))
    return 1 if bad else 0


def cmd_probe(path, maxid):
    s = ctl(path)
    hello(s)
    ok = ebadf = other = 0
    seq = 2
    for sid in range(1, int(maxid) + 1):
        for msg in (hdr(GETINFO, HDR.size, seq, sid),
                    hdr(SETOPT, 32, seq + 1, sid) + struct.pack("=ii", 1, 1)):
            s.send(msg)
            err = HDR.unpack_from(s.recv(512))[5]
            if err == 0:
                ok += 1
            elif err == errno.EBADF:
                ebadf += 1
            else:
                other += 1
        seq += 2
    print("ok=%d ebadf=%d other=%d" % (ok, ebadf, other))


def cmd_flood(path, n, secs):
    socks = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.setblocking(False)
        try:
            s.connect(path)
        except BlockingIOError:
            pass
        except OSError as e:
            print("connect %d: %s" % (len(socks), e), flush=True)
            s.close()
            break
        socks.append(s)
    print("opened %d" % len(socks), flush=True)
    time.sleep(float(secs))


def cmd_loop(url, secs):
    import http.client
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=3)
            c.request("GET", u.path or "/")
            c.getresponse().read()
            c.close()
            print("ok %.3f" % time.monotonic(), flush=True)
        except Exception as e:  # every failure is a line, never the end
            print("err %.3f %s" % (time.monotonic(), e), flush=True)
        time.sleep(0.2)


def cmd_notify(path, secs):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            print(s.recv(4096).decode(errors="replace").replace("\n", " "), flush=True)
        except socket.timeout:
            break


def main():
    cmds = {"hold": cmd_hold, "hostile": cmd_hostile, "probe": cmd_probe,
            "flood": cmd_flood, "loop": cmd_loop, "notify": cmd_notify}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](*sys.argv[2:]) or 0)


if __name__ == "__main__":
    main()
