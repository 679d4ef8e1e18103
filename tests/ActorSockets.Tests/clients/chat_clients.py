"""Chat room participants over real sockets (Python 3), each a plain line-based client like nc.

usage: chat_clients.py room PORT   three participants; one stops reading and must be dropped
       chat_clients.py sync PORT   sync mode: the second participant is served after the first quits
Asserts every line it expects, prints a summary; exit 0 means all held."""
import socket
import sys
import time


class CheckFailed(Exception):
    """A failed check (an explicit raise: unlike assert, python -O cannot strip it)."""


def check(condition, message="check failed"):
    if not condition:
        raise CheckFailed(message)


HELP = "Commands: /nick NAME, /who, /quit"


class Participant:
    def __init__(self, port, rcvbuf=None):
        self.sk = socket.socket()
        if rcvbuf:
            self.sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: a small window
        self.sk.settimeout(10)
        self.sk.connect(("127.0.0.1", port))
        self.f = self.sk.makefile("rb")

    def say(self, line):
        self.sk.sendall((line + "\n").encode("utf-8"))

    def readline(self):
        return self.f.readline().decode("utf-8").rstrip("\n")

    def expect(self, line):
        got = self.readline()
        check(got == line, "expected %r, got %r" % (line, got))

    def vanish(self):
        """Closes without /quit, as a killed client does (the file object holds the fd too)."""
        self.f.close()
        self.sk.close()

    def read_to_end(self):
        lines = []
        try:
            for raw in self.f:
                lines.append(raw.decode("utf-8").rstrip("\n"))
        except ConnectionResetError:
            pass  # dropped with bytes unsent: a reset is as good as an end
        return lines


def room(port):
    alice = Participant(port)
    alice.expect("* welcome, guest1; 1 here. " + HELP)
    alice.say("/nick alice")
    alice.expect("* guest1 is now alice")
    bob = Participant(port)
    bob.expect("* welcome, guest2; 2 here. " + HELP)
    alice.expect("* guest2 joined")
    bob.say("/nick bob")
    for p in (alice, bob):
        p.expect("* guest2 is now bob")
    carol = Participant(port, rcvbuf=4096)
    carol.expect("* welcome, guest3; 3 here. " + HELP)
    for p in (alice, bob):
        p.expect("* guest3 joined")
    carol.say("/nick carol")
    for p in (alice, bob, carol):
        p.expect("* guest3 is now carol")
    alice.say("/who")
    alice.expect("* here: alice, bob, carol")
    alice.say("hello 你好 everyone")
    for p in (bob, carol):
        p.expect("<alice> hello 你好 everyone")
    bob.say("/nick Alice")
    bob.expect("* Alice is taken")
    bob.say("/frobnicate")
    bob.expect("* unknown command /frobnicate; try /nick NAME, /who, /quit")

    # carol stops reading. alice talks in batches of 32 lines; bob reads each batch before the
    # next, so he never has more than 32 lines waiting and must never be dropped.
    pad, sent, slowest, notice = "x" * 1000, 0, 0.0, None
    while notice is None:
        check(sent < 50000, "carol was never dropped")
        batch = ["line %d %s" % (sent + k, pad) for k in range(32)]
        started = time.time()
        alice.sk.sendall("".join(line + "\n" for line in batch).encode("utf-8"))
        for line in batch:
            got = bob.readline()
            if got.startswith("* carol was dropped"):
                notice = got
                got = bob.readline()
            check(got == "<alice> " + line, "bob expected line %r..., got %r" % (line[:12], got[:40]))
        slowest = max(slowest, time.time() - started)
        sent += len(batch)
    check(notice.startswith("* carol was dropped: not reading ("), notice)
    alice.expect(notice)
    started = time.time()
    carols = carol.read_to_end()  # what her kernel still held, in order, then the end
    closed_after = time.time() - started
    check(closed_after < 5, "carol's connection stayed open %.1f s after the drop" % closed_after)
    whole = ["<alice> line %d %s" % (k, pad) for k in range(len(carols))]
    check(carols[:-1] == whole[:-1], "carol's lines out of order")
    check(carols == [] or whole[-1].startswith(carols[-1]), "carol's last line %r" % carols[-1][:40])
    alice.say("/who")
    alice.expect("* here: alice, bob")
    bob.vanish()
    alice.expect("* bob left")
    alice.say("/quit")
    alice.expect("* bye")
    check(alice.read_to_end() == [])
    print("carol dropped after %d lines (%d KiB); she had read %d; slowest batch to bob %.3f s"
          % (sent, sent * len(pad) // 1024, len(carols), slowest))
    print(notice)


def sync(port):
    one = Participant(port)
    one.expect("* welcome, guest1; 1 here. " + HELP)
    two = Participant(port)  # accepted by the kernel; the server takes it after one leaves
    one.say("/who")
    one.expect("* here: guest1")
    one.say("/quit")
    one.expect("* bye")
    check(one.read_to_end() == [])
    two.expect("* welcome, guest2; 1 here. " + HELP)
    two.say("/quit")
    two.expect("* bye")
    print("sync ok")


if __name__ == "__main__":
    {"room": room, "sync": sync}[sys.argv[1]](int(sys.argv[2]))
