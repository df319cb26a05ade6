#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# tests/e2e/caps_daemon.py LIBUSTACK T_CAPS SOCKPATH - the shim's side of the
# capability-gated messages of daemon/ipc.h, against a stand-in daemon.
#
# ustackd answers IPC_HELLO with a bare header (no capabilities) today, so
# the e2e suite proves the shim sends it nothing newer; this proves what the
# shim sends to a daemon that does advertise IPC_CAP_LINGER, IPC_CAP_IPOPTS
# and IPC_CAP_QUEUES, byte for byte as ipc.h lays it out.  The stand-in
# speaks HELLO, CONNECT (it drains the filler, so the socket is writable),
# GETINFO (ESTABLISHED), SETOPT, RELEASE and QUEUES; it does no TCP.
import array
import socket
import struct
import subprocess
import sys
import threading

HDR = "=HHIIIiI"  # struct ipc_hdr
HELLO, CONNECT, GETINFO, SETOPT, RELEASE, QUEUES = 1, 2, 3, 4, 5, 9
OPT_LINGER, OPT_TOS, OPT_TTL = 6, 7, 8
CAPS = 0x1 | 0x2 | 0x4
SOCK_ID = 42

lib, client, path = sys.argv[1:4]
seen = []
errors = []


def serve(c):
    b = None
    while True:
        msg, anc, _, _ = c.recvmsg(512, socket.CMSG_SPACE(4 * 4))
        if not msg:
            return
        v, t, ln, seq, sid, _, _ = struct.unpack(HDR, msg[:24])
        body = msg[24:]
        if v != 1 or ln != len(msg):
            errors.append("bad header %r" % ((v, t, ln),))
            return

        def reply(extra=b"", sock_id=sid):
            c.send(struct.pack(HDR, 1, t, 24 + len(extra), seq, sock_id, 0, 0) + extra)

        if t == HELLO and len(msg) == 32:
            seen.append("HELLO")
            reply(struct.pack("=II", CAPS, 0))
        elif t == CONNECT and len(msg) == 24 + 16 + 24:
            fds = array.array("i")
            for _, _, data in anc:
                fds.frombytes(data[: len(data) - len(data) % 4])
            filler = struct.unpack("=IHHI", body[:12])[3]
            b = socket.socket(fileno=fds[0])
            got = 0
            while got < filler:
                got += len(b.recv(filler - got))
            seen.append("CONNECT")
            reply(struct.pack("=IHH", 0x0100000A, 0x3412, 0), SOCK_ID)
        elif t == GETINFO and len(msg) == 24 and sid == SOCK_ID:
            reply(struct.pack("=iiiIIIHHI", 1, 0, 0, 0, 0, 0, 0, 0, 0))
        elif t == SETOPT and len(msg) == 32 and sid == SOCK_ID:
            seen.append("SETOPT %d=%d" % struct.unpack("=ii", body))
            reply()
        elif t == RELEASE and len(msg) == 24:
            seen.append("RELEASE")
        elif t == QUEUES and len(msg) == 24 and sid == SOCK_ID:
            seen.append("QUEUES")
            reply(struct.pack("=IIII", 5, 1000, 300, 7))
        else:
            errors.append("unexpected message type %d, %d bytes" % (t, len(msg)))
            return


ls = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
ls.bind(path)
ls.listen(4)
ls.settimeout(10)


def accept_loop():
    try:
        while True:
            c, _ = ls.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    except OSError:
        pass


threading.Thread(target=accept_loop, daemon=True).start()
env = {"LD_PRELOAD": lib, "USTACK_SOCKET": path, "PATH": "/usr/bin:/bin"}
r = subprocess.run([client], env=env, capture_output=True, text=True, timeout=20)
want = ["HELLO", "CONNECT", "SETOPT %d=0" % OPT_LINGER, "SETOPT %d=16" % OPT_TOS,
        "SETOPT %d=33" % OPT_TTL, "QUEUES", "QUEUES"]
out = r.stdout.strip()
if r.returncode != 0 or errors or seen[: len(want)] != want or \
        out != "SIOCOUTQ 1005 SIOCOUTQNSD 305":
    print("client exit %d: %s %s; daemon saw %s; errors %s" %
          (r.returncode, out, r.stderr.strip(), seen, errors))
    sys.exit(1)
print("with caps %#x the shim sent %s; %s" % (CAPS, ", ".join(seen), out))
