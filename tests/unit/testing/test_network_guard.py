"""The suite-wide network guard really blocks, and leaves loopback alone."""

from __future__ import annotations

import socket
import threading

import pytest

from reelstack.testing.network import NetworkBlocked


def test_outside_connections_are_blocked() -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("pypi.org", 443)
    with pytest.raises(NetworkBlocked), socket.socket() as sock:
        sock.connect(("10.1.2.3", 80))


def test_loopback_still_works() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = threading.Thread(target=lambda: server.accept()[0].close())
    accepted.start()
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    accepted.join(timeout=2)
    server.close()
