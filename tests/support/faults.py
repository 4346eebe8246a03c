"""Real network faults for the service to meet: a delaying TCP proxy and a server that answers 500.

Both run an asyncio loop in a thread of their own on a free loopback port; the tests stay
synchronous. Nothing of the service is replaced: it talks real HTTP to these as to SeaweedFS.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable

from tests.support.ports import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class _LoopThread:
    """A TCP server on 127.0.0.1:port, served by `handle` on a private event loop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    async def _listen(self) -> asyncio.base_events.Server:
        return await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            tasks = asyncio.all_tasks() - {asyncio.current_task()}
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)  # let them close their sockets

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


class DelayingProxy(_LoopThread):
    """Forwards bytes both ways to the upstream port; holds every request `delay` seconds first.

    `delay` may be changed while it runs, so a test can slow down a store that was working.
    """

    def __init__(self, upstream_port: int, delay: float = 0.0) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.delay = delay

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            await asyncio.gather(self._pipe(reader, upstream_writer, hold=True), self._pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hold: bool = False) -> None:
        while data := await reader.read(65536):
            if hold and self.delay:
                await asyncio.sleep(self.delay)
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()


class FailingS3(_LoopThread):
    """Answers every request with `500 InternalError`, as a failing S3 node does; counts them."""

    BODY = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code><Message>boom</Message></Error>"

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.lower().split(b"\r\n")
            lengths = [line.split(b":")[1] for line in lines if line.startswith(b"content-length")]
            await reader.readexactly(int(lengths[0]) if lengths else 0)
            self.requests += 1
            writer.write(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(self.BODY), self.BODY)
            )
            await writer.drain()
