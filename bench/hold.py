#!/usr/bin/env python3
"""hold.py: hold many idle connections open on an echo server, then use each one once.

usage: hold.py -p PORT [-c CONNS] [--pid SERVER_PID] [--hold SECS] [--timeout SECS]

 1. raises its own RLIMIT_NOFILE soft limit to the hard limit (it needs CONNS descriptors);
 2. with --pid, reads the server's resident memory (VmRSS in /proc/PID/status, summed over
    the server and all its descendant processes) and its open descriptors;
 3. opens CONNS connections to 127.0.0.1:PORT, in batches so the listen backlog is not what
    is measured, waits until the server holds them (its descriptor count stops growing),
    leaves them idle for --hold seconds and reads the server's memory again;
 4. sends one line on every connection and checks that each gets exactly that line back.

Stops after --timeout seconds whatever happens. The last line is
  RESULT conns=.. connected=.. served=.. rss_before_kib=.. rss_held_kib=.. per_conn_kib=..
         fds_added=.. secs=..
Exit 0 when every connection was served, 1 otherwise, 2 on bad usage.
"""
import argparse
import os
import resource
import selectors
import socket
import sys
import time

BATCH = 500


def descendants(pid):
    """pid and every process below it (scans /proc, so it works without .../children)."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    tree, todo = [], [pid]
    while todo and len(tree) < 100000:
        p = todo.pop()
        tree.append(p)
        todo.extend(kids.get(p, ()))
    return tree


def rss_kib(pid):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def fd_count(pid):
    total = 0
    for p in descendants(pid):
        try:
            total += len(os.listdir(f"/proc/{p}/fd"))
        except OSError:
            pass
    return total


def say(msg):
    print(f"hold: {msg}", file=sys.stderr, flush=True)


def open_all(host, port, conns, deadline):
    """Non-blocking connects in batches; returns the sockets whose connect succeeded."""
    sel = selectors.DefaultSelector()
    ok, failed = [], 0
    for start in range(0, conns, BATCH):
        pending = set()
        for _ in range(min(BATCH, conns - start)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err not in (0, 115, 11):  # 0, EINPROGRESS, EAGAIN
                s.close()
                failed += 1
                continue
            sel.register(s, selectors.EVENT_WRITE)
            pending.add(s)
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.2):
                s = key.fileobj
                sel.unregister(s)
                pending.discard(s)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    ok.append(s)
                else:
                    s.close()
                    failed += 1
        for s in pending:  # deadline reached
            sel.unregister(s)
            s.close()
            failed += 1
        if time.monotonic() >= deadline:
            break
    sel.close()
    return ok, failed


def settle(pid, want_fds, deadline, quiet_secs=2.0):
    """Wait until the server holds want_fds descriptors, or its count stops changing."""
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        n = fd_count(pid)
        if n >= want_fds:
            return n
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_secs:
            return n
        time.sleep(0.2)
    return fd_count(pid)


def echo_all(socks, deadline):
    """One line per connection; counts the connections that got exactly their line back."""
    sel = selectors.DefaultSelector()
    want = {}
    for i, s in enumerate(socks):
        line = b"hold %07d\n" % i
        try:
            if s.send(line) == len(line):
                want[s] = (line, bytearray())
                sel.register(s, selectors.EVENT_READ)
        except OSError:
            pass
    served = 0
    while want and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            line, got = want[s]
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            got += data
            if not data or len(got) >= len(line):
                served += bytes(got) == line
                sel.unregister(s)
                del want[s]
    sel.close()
    return served


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("-c", "--conns", type=int, default=10000)
    ap.add_argument("--pid", type=int, help="the server's process id, for memory and fds")
    ap.add_argument("--hold", type=float, default=2.0, help="idle seconds before measuring")
    ap.add_argument("--timeout", type=float, default=90.0, help="bound on the whole run")
    a = ap.parse_args()
    if not a.host.startswith("127."):
        ap.error("loopback (127.x.x.x) only")
    if not 1 <= a.conns <= 200000:
        ap.error("-c must be 1..200000")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit != resource.RLIM_INFINITY and a.conns + 64 > limit:
        sys.exit(f"hold: the descriptor limit ({limit}) is too low for {a.conns} connections")

    t0 = time.monotonic()
    deadline = t0 + a.timeout
    rss_before = rss_kib(a.pid) if a.pid else 0
    fds_before = fd_count(a.pid) if a.pid else 0

    socks, failed = open_all(a.host, a.port, a.conns, deadline)
    say(f"{len(socks)}/{a.conns} connected ({failed} failed) in {time.monotonic() - t0:.1f} s")
    fds_added = 0
    if a.pid:
        fds_added = settle(a.pid, fds_before + len(socks), deadline) - fds_before
    time.sleep(max(0.0, min(a.hold, deadline - time.monotonic())))
    rss_held = rss_kib(a.pid) if a.pid else 0
    served = echo_all(socks, deadline)
    secs = time.monotonic() - t0
    for s in socks:
        s.close()

    per = (rss_held - rss_before) / max(1, len(socks)) if a.pid else 0.0
    say(f"served {served}/{a.conns}; server RSS {rss_before} KiB -> {rss_held} KiB "
        f"({per:.1f} KiB per connection), {fds_added} descriptors added")
    print(f"RESULT conns={a.conns} connected={len(socks)} served={served} "
          f"rss_before_kib={rss_before} rss_held_kib={rss_held} per_conn_kib={per:.1f} "
          f"fds_added={fds_added} secs={secs:.1f}", flush=True)
    return 0 if served == a.conns else 1


if __name__ == "__main__":
    sys.exit(main())
