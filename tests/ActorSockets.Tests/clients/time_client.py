"""Asks a TimeServer for the time over UDP (any datagram will do) and checks the answer is the
current UTC time in ISO 8601. usage: time_client.py PORT"""
import datetime
import re
import socket
import sys

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    sock.settimeout(10)
    sock.sendto(b"what time is it?", ("127.0.0.1", int(sys.argv[1])))
    answer = sock.recv(8192).decode("ascii")

print(answer)
# Before Python 3.11 fromisoformat takes neither "Z" nor more than 6 fraction digits (.NET's "O" gives 7).
text = re.sub(r"(\.\d{6})\d+", r"\1", answer).replace("Z", "+00:00")
when = datetime.datetime.fromisoformat(text)
now = datetime.datetime.now(datetime.timezone.utc)
if when.utcoffset() != datetime.timedelta(0) or abs((now - when).total_seconds()) > 30:
    sys.exit("not the current UTC time: %r (now %s)" % (answer, now.isoformat()))
