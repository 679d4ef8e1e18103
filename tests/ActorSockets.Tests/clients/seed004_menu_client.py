"""Seed 004's 10086 menu client, in Python 3 (the seed's is Python 2:
sk.recv(1024); print 'receive:', data; sk.sendall(raw_input()); break on 'exit').

usage: seed004_menu_client.py seed PORT MESSAGE...   the seed's client: bare messages, no newline
       seed004_menu_client.py lines PORT             newline-framed, lines split and joined across sends
       seed004_menu_client.py eof PORT               one message, then hang up without 'exit'
Prints one 'receive: ...' per answer and 'closed' when the server ends the connection."""
import socket
import sys
import time


class CheckFailed(Exception):
    """A failed check (an explicit raise: unlike assert, python -O cannot strip it)."""


def check(condition, message="check failed"):
    if not condition:
        raise CheckFailed(message)



def connect(port):
    sk = socket.create_connection(("127.0.0.1", port), timeout=10)
    sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sk


def receive(sk):
    data = sk.recv(1024)
    print("receive:", data.decode("utf-8").rstrip("\n"))


def expect_closed(sk):
    rest = sk.recv(1024)
    check(rest == b"", "expected the server to close, got %r" % rest)
    print("closed")


def seed(port, messages):
    sk = connect(port)
    receive(sk)  # the welcome menu
    for inp in messages:
        sk.sendall(inp.encode("utf-8"))
        if inp == "exit":
            break
        receive(sk)
    expect_closed(sk)
    sk.close()


def read_lines(f, n):
    for _ in range(n):
        print("receive:", f.readline().decode("utf-8").rstrip("\n"))


def lines(port):
    sk = connect(port)
    f = sk.makefile("rb")
    read_lines(f, 1)
    sk.sendall("0\n你好\n".encode("utf-8"))  # two messages in one segment
    read_lines(f, 2)
    ni = "你".encode("utf-8")
    sk.sendall(b"1" + ni[:2])  # a line and a character split across segments
    time.sleep(0.05)
    sk.sendall(ni[2:] + b"88\r\n")
    read_lines(f, 1)
    sk.sendall(b"ex")
    time.sleep(0.05)
    sk.sendall(b"it\n")
    check(f.read() == b"", "expected the server to close after exit")
    print("closed")
    sk.close()


def eof(port):
    sk = connect(port)
    receive(sk)
    sk.sendall(b"0")
    receive(sk)
    sk.shutdown(socket.SHUT_WR)  # hang up without 'exit': the seed's server loops forever here
    expect_closed(sk)
    sk.close()


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "seed":
        seed(port, sys.argv[3:])
    elif mode == "lines":
        lines(port)
    else:
        eof(port)
