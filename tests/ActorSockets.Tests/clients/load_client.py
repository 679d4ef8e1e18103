#!/usr/bin/env python3
"""Sends COUNT requests to a line server, one connection each: send LINE, read the answer, close.
Usage: load_client.py PORT COUNT [LINE]. Prints "ok COUNT" when every answer came; exits 1 otherwise."""
import socket
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
line = (sys.argv[3] if len(sys.argv) > 3 else "hello") + "\n"
for i in range(count):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(line.encode())
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        if not answer.strip():
            print(f"request {i}: empty answer", file=sys.stderr)
            sys.exit(1)
print(f"ok {count}")
