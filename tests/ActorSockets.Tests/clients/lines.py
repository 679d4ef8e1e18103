"""The line exchange the TLS and PROXY test clients share: send each line, print each answer."""
import sys


def exchange(f, lines):
    """Writes each line to the binary file f and prints the answer; prints CLOSED and exits 0
    if the server ends the connection first."""
    for line in lines:
        f.write(line.encode() + b"\n")
        f.flush()
        answer = f.readline()
        if not answer:
            print("CLOSED")
            sys.exit(0)
        print(answer.decode().rstrip("\n"), flush=True)
