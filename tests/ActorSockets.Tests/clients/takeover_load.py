"""Load for a take-over: clients that count every failure a switch of processes could cause.
usage: takeover_load.py oneshot|pingpong PORT CLIENTS
oneshot: each client loops connect, send one line, read the reply, close.
pingpong: each client keeps a connection for 20 round trips, then closes and connects again.
Prints "started" after the first reply, runs until stdin closes (at most 120 s), then prints one
line: connections requests refused resets lost others."""
import socket
import sys
import threading
import time

mode, port, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stop = threading.Event()
lock = threading.Lock()
counts = dict(connections=0, requests=0, refused=0, resets=0, lost=0, others=0)
first = threading.Event()


def count(key, n=1):
    with lock:
        counts[key] += n


def exchange(sock, i):
    line = b"request %d\n" % i
    sock.sendall(line)
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    if answer != line:
        count("lost")
        return False
    count("requests")
    first.set()
    return True


def client(k):
    per_connection = 1 if mode == "oneshot" else 20
    i = 0
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                count("connections")
                for _ in range(per_connection):
                    i += 1
                    if not exchange(sock, i) or stop.is_set():
                        break
        except ConnectionRefusedError:
            count("refused")
        except ConnectionResetError:
            count("resets")
        except OSError as e:
            print("error: %r" % e, file=sys.stderr)
            count("others")


threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
for t in threads:
    t.start()
if first.wait(60):
    print("started", flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
stop.wait(120)
stop.set()
for t in threads:
    t.join(40)
print("%(connections)d %(requests)d %(refused)d %(resets)d %(lost)d %(others)d" % counts, flush=True)
