"""A client for seed 002's selectFtpServer protocol, in Python 3, shaped like the seed's client:
send 'cmd|filename|filesize' (UTF-8, no newline), wait for the answer, then
  put: on 'OK' send exactly filesize bytes;
  get: on 'YES|<size>' send 'second_active' and read size bytes ('NO|0': no such file).
Extensions this server adds: 'list|folder|0' (answered like get), 'get|name|0|sha256'
(answered 'YES|<size>|sha256=<hex>'), and 'ERR|<reason>' for anything refused.

usage: seed002_ftp_client.py SCENARIO PORT ROOT [ARGS]   (ROOT: the server's --root, for checks)
Each scenario asserts what it expects and prints one line per step; exit 0 means all held."""
import hashlib
import os
import socket
import sys
import time


class CheckFailed(Exception):
    """A failed check (an explicit raise: unlike assert, python -O cannot strip it)."""


def check(condition, message="check failed"):
    if not condition:
        raise CheckFailed(message)


CHUNK = 1024 * 1024


class FtpClient:
    def __init__(self, port, newline=False):
        self.sk = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.newline = newline  # the seed's client sends none; line-based clients may

    def command(self, *fields):
        header = "|".join(str(f) for f in fields) + ("\n" if self.newline else "")
        self.sk.sendall(header.encode("utf-8"))
        return self.sk.recv(1024).decode("utf-8")  # answers are short and come alone

    def put(self, name, chunks, size):
        answer = self.command("put", name, size)
        if answer == "OK":
            for chunk in chunks:
                self.sk.sendall(chunk)
        return answer

    def get(self, name, sha256=False, pause=0.0):
        """Returns (answer, sha256 hex of the body or None, body length); the body streams through."""
        answer = self.command("get", name, 0, *(["sha256"] if sha256 else []))
        if answer.split("|")[0] != "YES":
            return answer, None, 0
        size = int(answer.split("|")[1])
        self.sk.sendall(b"second_active")
        if pause:
            time.sleep(pause)  # a slow reader: the server must wait, not buffer the file
        digest, received = hashlib.sha256(), 0
        while received < size:
            data = self.sk.recv(min(CHUNK, size - received))
            check(data, "server closed after %d of %d bytes" % (received, size))
            digest.update(data)
            received += len(data)
        return answer, digest.hexdigest(), received

    def list(self, folder=""):
        answer = self.command("list", folder, 0)
        check(answer.startswith("YES|"), answer)
        size = int(answer.split("|")[1])
        self.sk.sendall(b"second_active")
        body = b""
        while len(body) < size:
            body += self.sk.recv(size - len(body))
        return {name: int(n) for name, n in (line.split("|") for line in body.decode("utf-8").splitlines())}

    def close(self):
        self.sk.close()


def blocks(size, seed):
    """size bytes of reproducible pseudo-random data, in chunks, never all in memory."""
    block = hashlib.sha256(seed.encode()).digest() * (CHUNK // 32)
    sent, i = 0, 0
    while sent < size:
        n = min(CHUNK, size - sent)
        yield (i.to_bytes(8, "big") + block[8:])[:n]
        sent, i = sent + n, i + 1


def digest_of(chunks):
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def sha_file(path):
    with open(path, "rb") as f:
        return digest_of(iter(lambda: f.read(CHUNK), b""))


def partials(root):
    return [n for n in os.listdir(os.path.join(root, "upload")) if n.startswith(".")]


def wait_until(condition, what, within=10.0):
    deadline = time.time() + within
    while not condition():
        check(time.time() < deadline, "timed out waiting for " + what)
        time.sleep(0.01)


def roundtrip(port, root):
    """put then get of a 1 MiB and an empty file, byte-exact; the seed's header style and newline style."""
    files = {"data.bin": os.urandom(CHUNK), "empty.txt": b"", "文件.txt": "你好,世界\n".encode()}
    for newline in (False, True):
        c = FtpClient(port, newline)
        for name, data in files.items():
            check(c.put(name, [data], len(data)) == "OK")
        listing = c.list("upload")  # answered after the uploads were committed
        check(listing == {n: len(d) for n, d in files.items()}, listing)
        for name, data in files.items():
            with open(os.path.join(root, "upload", name), "rb") as f:
                check(f.read() == data, "upload/%s differs" % name)
            os.replace(os.path.join(root, "upload", name), os.path.join(root, "download", name))
        for name, data in files.items():
            answer, digest, n = c.get(name)
            check(answer == "YES|%d" % len(data), answer)
            check((digest, n) == (hashlib.sha256(data).hexdigest(), len(data)), name)
            answer, digest, n = c.get(name, sha256=True)
            check(answer == "YES|%d|sha256=%s" % (len(data), hashlib.sha256(data).hexdigest()), answer)
            check(digest == hashlib.sha256(data).hexdigest())
        check(c.get("missing.bin") == ("NO|0", None, 0))
        check(c.list() == {n: len(d) for n, d in files.items()})
        for name in files:
            os.remove(os.path.join(root, "download", name))
        c.close()
        print("roundtrip ok (newline=%s)" % newline)


def cutoff(port, root):
    """An upload cut off half-way leaves nothing: no file, no temporary file."""
    c = FtpClient(port)
    check(c.put("cut.bin", [os.urandom(CHUNK // 2)], CHUNK) == "OK")
    wait_until(lambda: partials(root), "the upload's temporary file")
    c.close()
    wait_until(lambda: not partials(root), "the temporary file to be removed")
    check(os.listdir(os.path.join(root, "upload")) == [])
    c = FtpClient(port)
    check(c.list("upload") == {})
    c.close()
    print("cutoff ok")


BAD_NAMES = ["..", ".", "", "../evil.txt", "../../evil.txt", "/tmp/evil.txt", "a/b.txt", "a\\b.txt",
             "..\\evil.txt", "evil\x00.txt", "evil\x01.txt", ".hidden", "x" * 300]


def traversal(port, root):
    """Names that could reach outside the folders are refused with ERR; nothing is written."""
    c = FtpClient(port)
    outside = os.path.join(os.path.dirname(os.path.abspath(root)), "evil.txt")  # next to the root
    for name in BAD_NAMES + [outside, "../" + os.path.basename(outside), "download/../../evil.txt"]:
        answer = c.put(name, [b"evil"], 4)
        check(answer.startswith("ERR|"), (name, answer))
        answer = c.command("get", name, 0)
        check(answer.startswith("ERR|"), (name, answer))
        print("refused %r: %s" % (name, answer))
    for header in ["put|a|b|4", "put|x|-1", "put|x|ten", "del|x|0", "get|x|0|md5", "nonsense"]:
        answer = c.command(*header.split("|"))
        check(answer.startswith("ERR|"), (header, answer))
        print("refused %r: %s" % (header, answer))
    check(c.put("fine.txt", [b"fine"], 4) == "OK")  # the connection is still usable
    check(c.list("upload") == {"fine.txt": 4})
    c.close()
    os.remove(os.path.join(root, "upload", "fine.txt"))
    print("traversal ok")


def toolarge(port, root, limit):
    c = FtpClient(port)
    answer = c.put("big.bin", [b"x" * (limit + 1)], limit + 1)
    check(answer.startswith("ERR|"), answer)
    print("refused: " + answer)
    check(c.put("limit.bin", [b"x" * limit], limit) == "OK")
    check(c.list("upload") == {"limit.bin": limit})
    c.close()
    print("toolarge ok")


def concurrent(port, root):
    """Two uploads of one name at once: never mixed; each complete upload replaces the file whole."""
    a_data, b_data = os.urandom(CHUNK), os.urandom(CHUNK)
    a, b = FtpClient(port), FtpClient(port)
    check(a.command("put", "same.bin", CHUNK) == "OK")
    check(b.command("put", "same.bin", CHUNK) == "OK")
    half = CHUNK // 2
    a.sk.sendall(a_data[:half])
    b.sk.sendall(b_data[:half])
    wait_until(lambda: len(partials(root)) == 2, "two temporary files")
    check(not os.path.exists(os.path.join(root, "upload", "same.bin")))
    a.sk.sendall(a_data[half:])
    check(a.list("upload") == {"same.bin": CHUNK})
    with open(os.path.join(root, "upload", "same.bin"), "rb") as f:
        check(f.read() == a_data, "after A completed the file must be A's")
    b.sk.sendall(b_data[half:])
    check(b.list("upload") == {"same.bin": CHUNK})
    with open(os.path.join(root, "upload", "same.bin"), "rb") as f:
        check(f.read() == b_data, "after B completed the file must be B's")
    check(partials(root) == [])
    a.close()
    b.close()
    print("concurrent ok")


def big(port, root, mib):
    """A large put, then a get read slowly; streamed on both sides and checked by SHA-256."""
    size = mib * CHUNK
    expected = digest_of(blocks(size, "big"))
    c = FtpClient(port)
    started = time.time()
    check(c.put("big.bin", blocks(size, "big"), size) == "OK")
    check(c.list("upload") == {"big.bin": size})
    put_seconds = time.time() - started
    check(sha_file(os.path.join(root, "upload", "big.bin")) == expected)
    os.replace(os.path.join(root, "upload", "big.bin"), os.path.join(root, "download", "big.bin"))
    started = time.time()
    answer, digest, n = c.get("big.bin", sha256=True, pause=1.0)
    check(answer == "YES|%d|sha256=%s" % (size, expected), answer)
    check((digest, n) == (expected, size))
    get_seconds = time.time() - started
    c.close()
    print("big ok: %d MiB put in %.1f s, get (after a 1 s pause) in %.1f s" % (mib, put_seconds, get_seconds))


if __name__ == "__main__":
    scenario, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    extra = [int(a) for a in sys.argv[4:]]
    {"roundtrip": roundtrip, "cutoff": cutoff, "traversal": traversal, "toolarge": toolarge,
     "concurrent": concurrent, "big": big}[scenario](port, root, *extra)
