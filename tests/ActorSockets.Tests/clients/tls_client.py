"""TLS test client (Python's ssl module). Prints what the server answered, one line per
line; 'CLOSED' when the server ended the connection without answering; 'FAILED <why>' when
the handshake or a read failed; first line 'PEER <sha256 of the server certificate>'.

usage: tls_client.py PORT CA [--cert C --key K] [--plain] [--line TEXT]... [--hold]
"""
import argparse, hashlib, socket, ssl, sys
from lines import exchange

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("ca")
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("--plain", action="store_true", help="no TLS: send the lines in clear")
p.add_argument("--line", action="append", default=[])
p.add_argument("--host", default="127.0.0.1")
a = p.parse_args()

raw = socket.create_connection((a.host, a.port), timeout=10)
if a.plain:
    try:
        for line in a.line:
            raw.sendall(line.encode() + b"\n")
        data = raw.recv(4096)
        print("CLOSED" if not data else "DATA " + data.decode(errors="replace").strip())
    except (ConnectionResetError, BrokenPipeError):
        print("CLOSED")
    sys.exit(0)

ctx = ssl.create_default_context(cafile=a.ca)
if a.cert:
    ctx.load_cert_chain(a.cert, a.key)
try:
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    print("PEER " + hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest().upper(), flush=True)
    f = s.makefile("rwb")
    exchange(f, a.line)
    s.close()
except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError) as e:
    print("FAILED " + type(e).__name__ + " " + str(e))
