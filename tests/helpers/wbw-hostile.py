#!/usr/bin/env python3
"""Hostile /metrics clients for tests/e2e/test_listen_hostile.sh.

  wbw-hostile.py PORT SILENT DRIPPING SECONDS STATUS_FILE

Holds SILENT connections that never send a byte and DRIPPING ones that send
one byte of a never-ending request header a second, on 127.0.0.1:PORT only.
Whatever the server closes is reopened at the next tenth of a second, so
the watcher's slots stay full for the whole run.  Writes "ready" to STATUS_FILE
once all are connected, and when it stops (after SECONDS, or on SIGTERM)
"reopened N dripped N".
"""
import selectors
import signal
import socket
import sys
import time

DRIP = b"GET /metrics HTTP/1.1\r\nX-Drip: " + b"a" * 100000


def main():
    port, silent, dripping, seconds = (int(a) for a in sys.argv[1:5])
    status = sys.argv[5]
    sel = selectors.DefaultSelector()
    conns = {}  # socket -> [kind, bytes dripped so far]

    def open_one(kind):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        conns[s] = [kind, 0]
        sel.register(s, selectors.EVENT_READ)

    for _ in range(silent):
        open_one("silent")
    for _ in range(dripping):
        open_one("drip")
    with open(status, "w") as f:
        f.write("ready\n")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run(sel, conns, open_one, seconds)
    finally:
        with open(status, "w") as f:
            f.write("reopened %d dripped %d\n" % (counts["reopened"], counts["dripped"]))
        for s in conns:
            s.close()


counts = {"reopened": 0, "dripped": 0}


def run(sel, conns, open_one, seconds):
    end = time.monotonic() + seconds
    next_drip = next_tick = time.monotonic()
    closed = []
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                gone = s.recv(4096) == b""
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                sel.unregister(s)  # else its end of file wakes every select
                closed.append(s)
        if time.monotonic() >= next_drip:
            next_drip += 1
            for s, st in conns.items():
                if st[0] != "drip" or s in closed:
                    continue
                try:
                    s.send(DRIP[st[1]:st[1] + 1])
                    st[1] += 1
                    counts["dripped"] += 1
                except OSError:
                    sel.unregister(s)
                    closed.append(s)
        # in ticks, not at once: a client that busy-looped would test the CPU
        if time.monotonic() < next_tick:
            continue
        next_tick += 0.1
        for s in closed:
            kind = conns.pop(s)[0]
            s.close()
            open_one(kind)
            counts["reopened"] += 1
        closed = []


if __name__ == "__main__":
    main()
