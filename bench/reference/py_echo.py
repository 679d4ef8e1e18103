#!/usr/bin/env python3
"""Reference echo servers built from Python's own socketserver module.

usage: py_echo.py threading|forking [--udp] [--one-shot] [PORT]

  threading         ThreadingTCPServer (a thread per connection) / ThreadingUDPServer
  forking           ForkingTCPServer (a process per connection) / ForkingUDPServer
  --udp             echo each datagram back to its sender
  --one-shot        stream only: echo one line, then close (one request per connection)
  PORT              0 (the default) lets the kernel pick a free port

Binds 127.0.0.1 only and prints 'LISTENING <port>' (flushed) once bound. Stream servers
echo line by line until the client closes. SIGTERM and SIGINT stop the server cleanly.
"""
import signal
import socketserver
import sys


def parse(argv):
    kind, udp, one_shot, port = "threading", False, False, 0
    positional = []
    for a in argv:
        if a == "--udp":
            udp = True
        elif a == "--one-shot":
            one_shot = True
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        elif a.startswith("--"):
            sys.exit(f"py_echo.py: unknown option {a}")
        else:
            positional.append(a)
    if positional and positional[0] in ("threading", "forking"):
        kind = positional.pop(0)
    if positional:
        port = int(positional.pop(0))
    if positional:
        sys.exit(f"py_echo.py: unexpected argument {positional[0]}")
    return kind, udp, one_shot, port


KIND, UDP, ONE_SHOT, PORT = parse(sys.argv[1:])


class StreamEcho(socketserver.StreamRequestHandler):
    """Echo every line; with --one-shot only the first one."""

    def handle(self):
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            self.wfile.write(line)
            if ONE_SHOT:
                return


class DatagramEcho(socketserver.DatagramRequestHandler):
    """Echo the datagram (DatagramRequestHandler sends wfile back on finish)."""

    def handle(self):
        self.wfile.write(self.rfile.read())


SERVERS = {
    ("threading", False): socketserver.ThreadingTCPServer,
    ("threading", True): socketserver.ThreadingUDPServer,
    ("forking", False): socketserver.ForkingTCPServer,
    ("forking", True): socketserver.ForkingUDPServer,
}


class EchoServer(SERVERS[(KIND, UDP)]):
    allow_reuse_address = True
    daemon_threads = True       # threading: do not wait for handler threads on exit
    block_on_close = False      # neither threads nor children are joined on close
    request_queue_size = 4096   # the listen backlog: hold opens thousands at once
    max_children = 128          # forking: above the 64-connection workload (default 40)


def stop(signum, frame):
    raise SystemExit(0)


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = EchoServer(("127.0.0.1", PORT), DatagramEcho if UDP else StreamEcho)
    sys.stdout.write(f"LISTENING {server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
