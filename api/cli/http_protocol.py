"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With ``--workers N`` uvicorn binds the listening socket itself with ``proto`` 0, so
asyncio does not set ``TCP_NODELAY`` on accepted connections, and every keep-alive
response waits ~40 ms for the client's delayed ACK (uvicorn issue #3149). Setting it here
makes ``--workers N`` answer as fast as one worker. See docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
