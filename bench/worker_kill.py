#!/usr/bin/env python3
"""Forking mode, a worker killed under load: how long until its replacement serves, and what
the clients saw (issue 15: "only that worker's connections end; replacement serving within 1 s").

    python3 bench/worker_kill.py [--conns 16] [--secs 6] [--kill-at 2] [--loadgen PATH] -- SERVER COMMAND...

SERVER COMMAND starts the Echo sample in forking mode on port 0 with its debug log on stderr,
for example:  bench/.../Echo --port 0 --mode forking --workers 2 --log-level Debug
The load is loadgen's one-line connections (--mode connect). At --kill-at seconds one worker
gets SIGKILL. Reported, from the server's own log lines (time-stamped here as they arrive):
when the replacement process started, when its link came up (it takes sockets from then on),
and when the listener first handed it a connection; and loadgen's errors, which should not
exceed the connections that worker held when it died (at most --conns).
Everything runs on loopback and stops by itself (the load runs --secs; the script waits at
most 60 s for the server).
"""
import argparse, os, re, signal, subprocess, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("--conns", type=int, default=16)
p.add_argument("--secs", type=float, default=6)
p.add_argument("--kill-at", type=float, default=2)
here = os.path.dirname(os.path.abspath(__file__))
p.add_argument("--loadgen", default=os.path.join(here, "..", "..", "shared", "bench", "loadgen"))
p.add_argument("server", nargs=argparse.REMAINDER)
a = p.parse_args()
cmd = a.server[1:] if a.server[:1] == ["--"] else a.server
if not cmd:
    sys.exit("usage: worker_kill.py [options] -- SERVER COMMAND...")

start = time.monotonic()
lines = []  # (seconds since start, line)
lock = threading.Condition()
server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

def pump(stream):
    for line in stream:
        with lock:
            lines.append((time.monotonic() - start, line.rstrip("\n")))
            lock.notify_all()

for s in (server.stdout, server.stderr):
    threading.Thread(target=pump, args=(s,), daemon=True).start()

def wait_for(pattern, after=0.0, timeout=60.0):
    """The first line matching pattern logged after `after`: (time, match), or None."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    with lock:
        while True:
            for t, line in lines:
                m = rx.search(line)
                if m and t >= after:
                    return t, m
            left = deadline - time.monotonic()
            if left <= 0 or server.poll() is not None:
                return None
            lock.wait(left)

def stop(code):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
    sys.exit(code)

listening = wait_for(r"^LISTENING (\d+)")
if not listening:
    print("the server printed no LISTENING line"); stop(2)
port = listening[1].group(1)
workers = set()
while len(workers) < 2:  # both workers take sockets before the load starts
    got = wait_for(r"Worker process (\d+) takes sockets", timeout=60)
    if not got:
        print("the workers never took sockets"); stop(2)
    with lock:
        workers = {m.group(1) for _, l in lines for m in [re.search(r"Worker process (\d+) takes sockets", l)] if m}
load = subprocess.Popen([a.loadgen, "--mode", "connect", "-p", port, "-c", str(a.conns), "-d", str(a.secs), "-w", "0"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
time.sleep(a.kill_at)  # the load runs meanwhile: this is the moment of the kill, not a synchronisation
victim = sorted(workers)[0]
killed_at = time.monotonic() - start
os.kill(int(victim), signal.SIGKILL)
exited = wait_for(rf"Worker process {victim} exited", after=killed_at, timeout=30)
started = wait_for(r"Started worker process (\d+)", after=killed_at, timeout=30)
new = started[1].group(1) if started else None
linked = wait_for(rf"Worker process {new} takes sockets", after=killed_at, timeout=30) if new else None
served = wait_for(rf"handed off to worker process {new}\b", after=killed_at, timeout=30) if new else None
out, _ = load.communicate(timeout=a.secs + 60)
result = next((l for l in out.splitlines() if l.startswith("RESULT ")), "RESULT (none)")

def since(event):
    return f"{(event[0] - killed_at) * 1000:.0f} ms" if event else "never"

print(f"killed worker {victim} under {a.conns} one-line clients")
print(f"replacement {new}: exit seen after {since(exited)}, process started after {since(started)}, link up after {since(linked)}, "
      f"first connection handed to it after {since(served)}")
print(result)
stop(0)
