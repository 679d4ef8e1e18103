"""Seed 001's client, as the blog post wrote it: three connections, one message each.
usage: seed001_client.py PORT"""
import socket
import sys


def client(ip, port, message):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect((ip, port))
    try:
        sock.sendall(bytes(message, 'ascii'))
        response = str(sock.recv(1024), 'ascii')
        print("Received: {}".format(response))
    finally:
        sock.close()


if __name__ == "__main__":
    ip, port = "127.0.0.1", int(sys.argv[1])
    client(ip, port, "Hello World 1")
    client(ip, port, "Hello World 2")
    client(ip, port, "Hello World 3")
