"""PROXY protocol test client: writes a v1 or v2 header (as HAProxy would), then lines, and
prints each answer line; 'CLOSED' when the server ended the connection instead.

usage: proxy_client.py PORT (--v1 ADDR PORT | --v2 ADDR PORT [--tlv] | --v2-local | --raw HEX | --none)
                       [--line TEXT]... [--split]
"""
import argparse, ipaddress, socket, struct, sys
from lines import exchange

SIG = b"\r\n\r\n\x00\r\nQUIT\n"

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("--v1", nargs=2)
p.add_argument("--v2", nargs=2)
p.add_argument("--v2-local", action="store_true")
p.add_argument("--tlv", action="store_true", help="add TLVs (ALPN, authority, NOOP) the server must skip")
p.add_argument("--raw")
p.add_argument("--none", action="store_true")
p.add_argument("--split", action="store_true", help="send the header one byte at a time")
p.add_argument("--line", action="append", default=[])
a = p.parse_args()

def header():
    if a.v1:
        ip = ipaddress.ip_address(a.v1[0])
        fam = "TCP4" if ip.version == 4 else "TCP6"
        dst = "10.0.0.1" if ip.version == 4 else "2001:db8::ffff"
        return f"PROXY {fam} {ip} {dst} {a.v1[1]} 8080\r\n".encode()
    if a.v2 or a.v2_local:
        if a.v2_local:
            return SIG + bytes([0x20, 0x00]) + struct.pack("!H", 0)
        ip = ipaddress.ip_address(a.v2[0])
        if ip.version == 4:
            fam, body = 0x11, ip.packed + ipaddress.ip_address("10.0.0.1").packed + struct.pack("!HH", int(a.v2[1]), 8080)
        else:
            fam, body = 0x21, ip.packed + ipaddress.ip_address("2001:db8::ffff").packed + struct.pack("!HH", int(a.v2[1]), 8080)
        if a.tlv:
            for t, v in ((0x01, b"h2"), (0x02, b"example.com"), (0x04, b"\x00" * 5)):
                body += struct.pack("!BH", t, len(v)) + v
        return SIG + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body
    if a.raw:
        return bytes.fromhex(a.raw)
    return b""

s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
h = header()
if a.split:
    for b in h:
        s.sendall(bytes([b]))
else:
    s.sendall(h)
f = s.makefile("rwb")
try:
    exchange(f, a.line)
    if not a.line:
        print("CLOSED" if not s.recv(100) else "DATA")
except (ConnectionResetError, BrokenPipeError):
    print("CLOSED")
