"""Free loopback ports for the servers a test starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_pair(offset: int) -> int:
    """A port P such that P and P + offset are both free (weed derives its admin gRPC port)."""
    for _ in range(200):
        port = free_port()
        if port + offset < 65536 and is_free(port + offset):
            return port
    raise RuntimeError("no free port pair")
