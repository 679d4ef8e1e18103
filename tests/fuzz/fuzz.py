#!/usr/bin/env python3
"""fuzz.py: throw mutated input at a running ActorSockets server for a bounded time, then check
that it still answers a good request. Python 3 standard library only.

    python3 tests/fuzz/fuzz.py --protocol echo --port 9000 [--seconds 5] [--max-iterations 100000] [--seed 1]
    python3 tests/fuzz/fuzz.py --protocol echo --unix /tmp/echo.sock
    python3 tests/fuzz/fuzz.py --list

Each iteration takes a seed message of the protocol, mutates it (bit flips, truncation, huge
repetition, random bytes, invalid UTF-8, runs of newlines, NUL bytes, a multi-MiB line without a
newline) and delivers it in one of several hostile ways (all at once, dripped slowly, reset
mid-send, connect-and-say-nothing, send-and-leave-without-reading, connections held open idle).
Datagram protocols get mutated, empty and oversize datagrams. Every socket operation has a
deadline, and the run stops at --seconds or --max-iterations, whichever comes first. Every
--check-every iterations, and once at the end (after the held connections are closed), a good
request must be answered correctly.

Prints one line:
    RESULT protocol=echo iterations=1234 checks=25 failed_checks=0 seconds=5.0 outcomes=answered:.. closed:.. ...
Exit 0 when every good request was answered, 1 when one was not, 2 on bad usage.

To fuzz another protocol, add an entry to PROTOCOLS: its kind (stream or datagram), seed
messages, and a function that performs one good request and returns None or what was wrong.
"""
import argparse
import os
import random
import re
import selectors
import socket
import struct
import sys
import tempfile
import time

ISO_8601 = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\n?$")
IO_TIMEOUT = 2.0        # one good request, one socket operation
REPLY_WAIT = 0.25       # how long a fuzz iteration waits for whatever the server answers
MAX_HELD = 24           # idle connections held open at once during a run


class Target:
    """Where the server listens: TCP/UDP host:port, or a Unix socket path."""

    def __init__(self, host, port, unix):
        self.host, self.port, self.unix = host, port, unix

    def stream(self, timeout=IO_TIMEOUT):
        family = socket.AF_UNIX if self.unix else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.unix or (self.host, self.port))
        return s

    def datagram(self):
        """A datagram socket; a Unix one binds a path of its own so replies can reach it."""
        if not self.unix:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((self.host, self.port))
            return s
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        path = os.path.join(tempfile.gettempdir(), "fz-%d-%d.sock" % (os.getpid(), random.randrange(1 << 30)))
        s.bind(path)
        s.connect(self.unix)
        s.own_path = path  # noqa: attribute on the socket object for cleanup
        return s


def close_datagram(s):
    path = getattr(s, "own_path", None)
    s.close()
    if path and os.path.exists(path):
        os.unlink(path)


def exchange(sock, data, deadline, half_close=True, read=True):
    """Writes data while reading whatever comes back (a server that echoes must not deadlock us),
    then half-closes and reads until end of stream or the deadline. Returns (reply, ending):
    ending is "closed" (end of stream), "sent" (read=False), "timeout", "reset" or "error:N"."""
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    view, reply = memoryview(data), bytearray()
    try:
        if not view:
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            if not read:
                return b"", "sent"
        sel.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if view else 0))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(reply), "timeout"
            for _, mask in sel.select(left):
                if mask & selectors.EVENT_WRITE:
                    view = view[sock.send(view[:65536]):]
                    if not view:
                        if half_close:
                            sock.shutdown(socket.SHUT_WR)
                        if not read:
                            return bytes(reply), "sent"
                        sel.modify(sock, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return bytes(reply), "closed"
                    reply += chunk
    except (ConnectionResetError, BrokenPipeError):
        return bytes(reply), "reset"
    except OSError as e:
        return bytes(reply), "error:%s" % e.errno
    finally:
        sel.close()


# ---------------------------------------------------------------- good requests (one per protocol)

def stream_request(target, data, half_close=True):
    with target.stream() as s:
        reply, ending = exchange(s, data, time.monotonic() + IO_TIMEOUT, half_close=half_close)
        return reply, ending


def good_echo(target):
    message = b"fuzz check %d\n" % random.randrange(1 << 30)
    reply, ending = stream_request(target, message)
    return None if (reply, ending) == (message, "closed") else "echo answered %r (%s) to %r" % (reply[:80], ending, message)


def good_threaded_echo(target):
    reply, ending = stream_request(target, b"fuzz check", half_close=False)
    ok = re.match(rb"^\S+: fuzz check$", reply) and ending == "closed"
    return None if ok else "threaded echo answered %r (%s)" % (reply[:80], ending)


def good_time_stream(target):
    reply, ending = stream_request(target, b"", half_close=False)
    return None if ISO_8601.match(reply) and ending == "closed" else "time answered %r (%s)" % (reply[:80], ending)


class Lines:
    """A line-based client (like nc) with a deadline on the whole conversation."""

    def __init__(self, target):
        self.sock = target.stream()
        self.file = self.sock.makefile("rb")

    def say(self, text):
        self.sock.sendall(text.encode("utf-8") if isinstance(text, str) else text)

    def line(self):
        return self.file.readline().decode("utf-8", "replace").rstrip("\n")

    def until(self, predicate, seconds=10.0):
        """Reads lines until one satisfies predicate, for at most `seconds`. The lines before it
        are other clients' traffic: a fuzzed client's "repeat" mutation says tens of thousands of
        lines just before, and the room answers in the order it heard them, so the number of
        lines to skip has no bound, only the time to read them."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            got = self.line()
            if predicate(got):
                return got
            if got == "":
                return None
        return None

    def closed(self):
        try:
            return self.file.read() is not None  # returns at end of stream; raises on timeout
        except ConnectionResetError:
            return True

    def close(self):
        self.file.close()
        self.sock.close()


def good_menu(target):
    c = Lines(target)
    try:
        welcome = c.line()
        c.say("1001\n")
        answer = c.line()
        c.say("exit\n")
        if "10086" not in welcome or '"1001"' not in answer or not c.closed():
            return "menu answered %r then %r" % (welcome, answer)
        return None
    finally:
        c.close()


def good_chat(target):
    c = Lines(target)
    try:
        welcome = c.line()
        c.say("/who\n")
        here = c.until(lambda l: l.startswith("* here: "))
        c.say("/quit\n")
        # "* bye", then end of stream.
        bye = c.until(lambda l: l == "* bye")
        if not welcome.startswith("* welcome, ") or here is None or bye is None or not c.closed():
            return "chat answered %r, %r, %r or did not close" % (welcome, here, bye)
        return None
    finally:
        c.close()


def good_files(target):
    """Uploads a small file, then finds it in the upload listing (seed 002's protocol)."""
    name = "fuzz-check-%d.txt" % random.randrange(1 << 30)
    with target.stream() as s:
        s.sendall(("put|%s|5\n" % name).encode())
        if s.recv(64) != b"OK":
            return "put was not answered OK"
        s.sendall(b"hello")
        s.sendall(b"list|upload|0\n")
        head = s.recv(64)
        match = re.match(rb"^YES\|(\d+)$", head)
        if not match:
            return "list answered %r" % head
        s.sendall(b"second_active")
        listing, size = b"", int(match.group(1))
        while len(listing) < size:
            chunk = s.recv(65536)
            if not chunk:
                break
            listing += chunk
        return None if ("%s|5\n" % name).encode() in listing else "the upload is not listed: %r" % listing[:200]


def datagram_request(target, data):
    s = target.datagram()
    try:
        s.settimeout(IO_TIMEOUT)
        s.send(data)
        return s.recv(65536)
    except OSError as e:
        return "no reply: %s" % e
    finally:
        close_datagram(s)


def good_echo_datagram(target):
    message = b"fuzz check %d" % random.randrange(1 << 30)
    reply = datagram_request(target, message)
    return None if reply == message else "datagram echo answered %r" % (reply,)


def good_time_datagram(target):
    reply = datagram_request(target, b"what time is it")
    return None if isinstance(reply, bytes) and ISO_8601.match(reply) else "time answered %r" % (reply,)


PROTOCOLS = {
    # name: (kind, seed messages, good request)
    "echo": ("stream", [b"hello world\n", b"a\nb\nc\n", b"x" * 200 + b"\n", "h\u00e9llo \u4e16\u754c\n".encode()], good_echo),
    "threaded-echo": ("stream", [b"hello", b"hello world\n", b"\x00" * 10], good_threaded_echo),
    "time-tcp": ("stream", [b"", b"time?\n"], good_time_stream),
    "echo-udp": ("datagram", [b"hello", b"x" * 1000, b"\x00\x01\x02"], good_echo_datagram),
    "time-udp": ("datagram", [b"time?", b""], good_time_datagram),
    "menu": ("stream", [b"1001\n", b"0\n", b"exit\n", "\u4f60\u597d\n".encode(), b"1001", b"0\r\n"], good_menu),
    "chat": ("stream", [b"hello everyone\n", b"/nick fuzzer\n", b"/who\n", b"/quit\n", "\u4f60\u597d\n".encode()], good_chat),
    "files": ("stream", [b"put|a.txt|5\nhello", b"get|readme.txt|0\n", b"get|a.txt|0|sha256\n", b"list|download|0\n",
                         b"list|upload|0\nsecond_active", b"put|../escape.txt|3\nabc", b"get|a.txt|0\nsecond_active"], good_files),
}


# ---------------------------------------------------------------- mutations

def mutate(rng, seed):
    """One mutated message and the name of the mutation."""
    kind = rng.choice(["bitflip", "truncate", "repeat", "random", "utf8", "newlines", "nul", "huge_line", "as_is"])
    data = bytearray(seed)
    if kind == "bitflip" and data:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[: rng.randint(0, len(data))]
    elif kind == "repeat":
        data = bytes(data or b"x") * rng.randint(2, max(2, 200_000 // max(1, len(data))))
    elif kind == "random":
        data = rng.randbytes(rng.randint(1, 8192))
    elif kind == "utf8":
        bad = rng.choice([b"\xc3\x28", b"\xff\xfe", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"])
        i = rng.randint(0, len(data))
        data[i:i] = bad
    elif kind == "newlines":
        data = b"\n" * rng.randint(1, 20_000)
    elif kind == "nul":
        data = bytes(data) + b"\x00" * rng.randint(1, 4096)
    elif kind == "huge_line":
        data = b"A" * rng.randint(1, 3) * 1024 * 1024  # no newline: past any sane line limit
    return bytes(data), kind


def stream_iteration(target, rng, seed, held):
    """Delivers one mutated message in one hostile way; returns the outcome's name."""
    data, _ = mutate(rng, seed)
    how = rng.choice(["whole", "whole", "whole", "drip", "reset", "silent", "leave", "hold"])
    if how == "hold" and len(held) >= MAX_HELD:
        how = "whole"
    s = target.stream(timeout=REPLY_WAIT)
    try:
        if how == "silent":
            return "silent"
        if how == "hold":  # sends a little, then stays open and idle until the end of the run
            s.send(data[:rng.randint(0, 64)])
            held.append(s)
            s = None
            return "held"
        if how == "reset":
            if data:
                s.send(data[: rng.randint(0, min(len(data), 65536))])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return "reset_sent"
        if how == "drip":  # a byte at a time, slowly, for at most 50 ms, then leave
            end = time.monotonic() + 0.05
            for i in range(0, min(len(data), 16)):
                if time.monotonic() > end:
                    break
                s.send(data[i:i + 1])
                time.sleep(0.003)
            return "dripped"
        _, ending = exchange(s, data, time.monotonic() + REPLY_WAIT, read=(how != "leave"))
        return "answered" if ending == "closed" else ending
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except socket.timeout:
        return "timeout"
    finally:
        if s is not None:
            s.close()


def datagram_iteration(target, rng, seed, held):
    data, _ = mutate(rng, seed)
    if rng.random() < 0.15:
        data = rng.choice([b"", rng.randbytes(9000), rng.randbytes(65000)])  # empty, and past max_packet_size
    s = target.datagram()
    try:
        s.settimeout(0.02)  # most answers come sooner; a dropped datagram gets none
        try:
            s.send(data[:65000])
        except OSError:
            return "send_refused"  # too big for this socket type: the kernel said no
        try:
            s.recv(65536)
            return "answered"
        except socket.timeout:
            return "timeout"
    finally:
        close_datagram(s)


def main():
    parser = argparse.ArgumentParser(description="Fuzz an ActorSockets server's protocol for a bounded time.")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--unix", help="a Unix socket path instead of --host/--port")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--max-iterations", type=int, default=100_000)
    parser.add_argument("--check-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--list", action="store_true", help="list the protocols and exit")
    args = parser.parse_args()
    if args.list:
        for name, (kind, seeds, _) in sorted(PROTOCOLS.items()):
            print("%-14s %-8s %d seed messages" % (name, kind, len(seeds)))
        return 0
    if not args.protocol or (not args.unix and not 0 < args.port < 65536) or args.seconds <= 0 or args.max_iterations < 1:
        parser.print_usage(sys.stderr)
        print("fuzz.py: need --protocol and --port (or --unix), positive --seconds and --max-iterations", file=sys.stderr)
        return 2

    kind, seeds, good = PROTOCOLS[args.protocol]
    target = Target(args.host, args.port, args.unix)
    rng = random.Random(args.seed)
    iteration = stream_iteration if kind == "stream" else datagram_iteration
    held, outcomes, failures, checks = [], {}, [], 0

    def check():
        nonlocal checks
        checks += 1
        try:
            wrong = good(target)
        except OSError as e:
            wrong = "good request failed: %r" % e
        if wrong:
            failures.append(wrong)

    start = time.monotonic()
    count = 0
    try:
        while count < args.max_iterations and time.monotonic() - start < args.seconds:
            try:
                outcome = iteration(target, rng, rng.choice(seeds), held)
            except OSError as e:  # connect refused or timed out: the server is not taking clients
                outcome = "connect_failed:%s" % (e.errno or type(e).__name__)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            count += 1
            if count % args.check_every == 0:
                check()  # with the held idle connections still open
    finally:
        for s in held:
            s.close()
    check()

    print("RESULT protocol=%s iterations=%d checks=%d failed_checks=%d seconds=%.1f seed=%d outcomes=%s" % (
        args.protocol, count, checks, len(failures), time.monotonic() - start, args.seed,
        ",".join("%s:%d" % kv for kv in sorted(outcomes.items()))))
    for wrong in failures[:10]:
        print("FAILED " + wrong)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
