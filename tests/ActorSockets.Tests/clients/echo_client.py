"""Sends b"hello world\n" three times the way socketserver users do and prints each answer.
usage: echo_client.py tcp PORT | udp PORT | unix PATH | unixdgram PATH
Exits 1 if an answer is not exactly what was sent. A Unix datagram client binds a path of its
own (a temporary one, removed at the end): without one the server could not answer."""
import os
import socket
import sys
import tempfile

MESSAGE = b"hello world\n"
kind, address = sys.argv[1], sys.argv[2]


def stream(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(address)
        for _ in range(3):
            sock.sendall(MESSAGE)
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = sock.recv(1024)
                if not chunk:
                    break
                answer += chunk
            yield answer


def datagram(family, address, own=None):
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(10)
        if own:
            sock.bind(own)
        for _ in range(3):
            sock.sendto(MESSAGE, address)
            yield sock.recv(8192)


if kind == "tcp":
    answers = stream(socket.AF_INET, ("127.0.0.1", int(address)))
elif kind == "udp":
    answers = datagram(socket.AF_INET, ("127.0.0.1", int(address)))
elif kind == "unix":
    answers = stream(socket.AF_UNIX, address)
elif kind == "unixdgram":
    own = os.path.join(tempfile.gettempdir(), "as-py-%d.sock" % os.getpid())
    answers = datagram(socket.AF_UNIX, address, own)
else:
    sys.exit("unknown kind " + kind)

try:
    for answer in answers:
        print(repr(answer))
        if answer != MESSAGE:
            sys.exit(1)
finally:
    if kind == "unixdgram" and os.path.exists(own):
        os.unlink(own)
