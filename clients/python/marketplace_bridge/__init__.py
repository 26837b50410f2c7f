"""A client of the marketplace's TCP event bus bridge, on the Python standard library only.

The framing is the one of Vert.x's TCP event bus bridge: every frame is a 4-byte big-endian
length followed by that many bytes of UTF-8 JSON. See docs/ARCHITECTURE.md ("Event bus bridges").

    with BridgeClient("localhost", 7000, token=access_token) as bridge:
        print(bridge.search(q="чайник", in_stock=True, limit=5)["items"])
        bridge.follow_my_orders(user_id, print)
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Optional

__all__ = ["BridgeClient", "BridgeError", "encode_frame", "FrameDecoder", "MAX_FRAME_BYTES"]

#: The gateway's default limit; a longer frame closes the connection.
MAX_FRAME_BYTES = 64 * 1024

Json = Dict[str, Any]
Handler = Callable[[Json], None]


def encode_frame(frame: Json) -> bytes:
    """One frame: the length of the UTF-8 JSON as 4 big-endian bytes, then the JSON."""
    data = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return struct.pack(">I", len(data)) + data


class FrameDecoder:
    """Cuts frames out of a byte stream, however the bytes arrive."""

    def __init__(self, max_frame_bytes: int = 16 * 1024 * 1024) -> None:
        self._buffer = bytearray()
        self._max = max_frame_bytes

    def feed(self, data: bytes) -> Iterator[Json]:
        self._buffer.extend(data)
        while len(self._buffer) >= 4:
            (length,) = struct.unpack(">I", self._buffer[:4])
            if length > self._max:
                raise ValueError(f"frame of {length} bytes is over the limit")
            if len(self._buffer) < 4 + length:
                return
            payload = bytes(self._buffer[4:4 + length])
            del self._buffer[:4 + length]
            yield json.loads(payload.decode("utf-8"))


@dataclass
class BridgeError(Exception):
    """A refusal or failure: ``failure_code`` is the HTTP status the REST API would give, ``code``
    the problem code (``NOT_FOUND``, ``TOKEN_INVALID``, ``access_denied``...)."""

    failure_code: Optional[int]
    code: str
    address: Optional[str] = None
    problem: Optional[Json] = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"{self.code} ({self.failure_code})"


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.frame: Optional[Json] = None
        self.error: Optional[BaseException] = None


class BridgeClient:
    """A thread-safe client of the TCP bridge: ``send``, ``request`` (with a timeout),
    ``register``; it reconnects on its own after a lost connection and registers again.

    :param token: access token sent as ``authorization: Bearer <token>`` where the API needs it
    :param timeout: default seconds a ``request`` waits for its answer
    :param reconnect: reconnect (with back-off up to ``max_backoff`` seconds) when the connection drops
    :param ping_interval: seconds between pings that keep the connection and detect a dead one
    """

    def __init__(self, host: str = "localhost", port: int = 7000, *, token: Optional[str] = None,
                 timeout: float = 10.0, reconnect: bool = True, ping_interval: float = 20.0,
                 max_backoff: float = 5.0, on_error: Optional[Callable[[BridgeError], None]] = None) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.timeout = timeout
        self.reconnect = reconnect
        self.ping_interval = ping_interval
        self.max_backoff = max_backoff
        self.on_error = on_error
        #: called after each reconnect (registrations are already made again)
        self.on_reconnect: Optional[Callable[[], None]] = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._pending: Dict[str, _Pending] = {}
        self._handlers: Dict[str, tuple] = {}
        self._sock: Optional[socket.socket] = None
        self._closed = False
        self._connected = threading.Event()
        self._connect()
        self._reader = threading.Thread(target=self._read_loop, name="bridge-reader", daemon=True)
        self._reader.start()
        self._pinger = threading.Thread(target=self._ping_loop, name="bridge-pinger", daemon=True)
        self._pinger.start()

    # -- the bridge API -------------------------------------------------------------------------

    def search(self, **query: Any) -> Json:
        """``bridge.catalog.search``: the query of ``GET /api/v1/catalog/products`` as keywords."""
        return self.request("bridge.catalog.search", query)

    def product(self, product_id: str) -> Json:
        return self.request("bridge.catalog.product", {"id": product_id})

    def orders(self, limit: Optional[int] = None, cursor: Optional[str] = None) -> Json:
        page = {k: v for k, v in (("limit", limit), ("cursor", cursor)) if v is not None}
        return self.request("bridge.orders.list", page, authenticated=True)

    def order(self, order_id: str) -> Json:
        return self.request("bridge.orders.get", {"id": order_id}, authenticated=True)

    def follow_my_orders(self, user_id: str, handler: Handler,
                         on_error: Optional[Callable[[BridgeError], None]] = None) -> None:
        """Live ``OrderStatusChanged`` and ``Notification`` events of the token's own user."""
        self.register(f"bridge.user.{user_id}", handler, authenticated=True, on_error=on_error)

    # -- the protocol ---------------------------------------------------------------------------

    def send(self, address: str, body: Optional[Json] = None, headers: Optional[Json] = None) -> None:
        """A send nobody answers (the bridge API's addresses all answer: use ``request``)."""
        frame: Json = {"type": "send", "address": address, "body": body or {}}
        if headers:
            frame["headers"] = headers
        self._write(frame)

    def publish(self, address: str, body: Optional[Json] = None) -> None:
        self._write({"type": "publish", "address": address, "body": body or {}})

    def request(self, address: str, body: Optional[Json] = None, *, authenticated: bool = False,
                timeout: Optional[float] = None, headers: Optional[Json] = None) -> Json:
        """Sends and waits for the answer's body; raises BridgeError for a failure and
        TimeoutError when nothing came within ``timeout`` seconds."""
        reply_address = str(uuid.uuid4())
        pending = _Pending()
        with self._lock:
            self._pending[reply_address] = pending
        frame: Json = {"type": "send", "address": address, "replyAddress": reply_address, "body": body or {}}
        all_headers = dict(headers or {})
        if authenticated and self.token:
            all_headers["authorization"] = f"Bearer {self.token}"
        if all_headers:
            frame["headers"] = all_headers
        try:
            self._write(frame)
            if not pending.done.wait(self.timeout if timeout is None else timeout):
                raise TimeoutError(f"no answer from {address} within {self.timeout if timeout is None else timeout} s")
        finally:
            with self._lock:
                self._pending.pop(reply_address, None)
        if pending.error is not None:
            raise pending.error
        reply = pending.frame or {}
        if reply.get("type") == "err":
            raise BridgeError(reply.get("failureCode"), reply.get("message", ""), address, reply.get("body"))
        return reply.get("body")

    def register(self, address: str, handler: Handler, *, authenticated: bool = True,
                 on_error: Optional[Callable[[BridgeError], None]] = None) -> None:
        """Receives every message on ``address``; made again after each reconnect."""
        with self._lock:
            self._handlers[address] = (handler, on_error, authenticated)
        self._write(self._register_frame(address, authenticated))

    def unregister(self, address: str) -> None:
        with self._lock:
            self._handlers.pop(address, None)
        self._write({"type": "unregister", "address": address})

    def ping(self) -> None:
        self._write({"type": "ping"})

    def close(self) -> None:
        self._closed = True
        self._drop_connection()

    def __enter__(self) -> "BridgeClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the connection -------------------------------------------------------------------------

    def _register_frame(self, address: str, authenticated: bool) -> Json:
        frame: Json = {"type": "register", "address": address}
        if authenticated and self.token:
            frame["headers"] = {"authorization": f"Bearer {self.token}"}
        return frame

    def _connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sock = sock
            self._decoder = FrameDecoder()
        self._connected.set()

    def _write(self, frame: Json) -> None:
        data = encode_frame(frame)
        if len(data) - 4 > MAX_FRAME_BYTES:
            raise ValueError(f"frame of {len(data) - 4} bytes is over the bridge's limit of {MAX_FRAME_BYTES}")
        if not self._connected.wait(self.timeout):
            raise ConnectionError("the bridge is not connected")
        with self._write_lock:
            sock = self._sock
            if sock is None:
                raise ConnectionError("the bridge is not connected")
            sock.sendall(data)

    def _drop_connection(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
            self._connected.clear()
            pending = list(self._pending.values())
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for p in pending:
            p.error = ConnectionError("the bridge connection was lost")
            p.done.set()

    def _read_loop(self) -> None:
        backoff = 0.2
        while not self._closed:
            sock = self._sock
            try:
                if sock is None:
                    raise ConnectionError("not connected")
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("closed by the bridge")
                for frame in self._decoder.feed(data):
                    self._dispatch(frame)
                backoff = 0.2
            except (OSError, ValueError, ConnectionError):
                self._drop_connection()
                if self._closed or not self.reconnect:
                    return
                while not self._closed:
                    time.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    try:
                        self._connect()
                        with self._lock:
                            handlers = dict(self._handlers)
                        for address, (_, _, authenticated) in handlers.items():
                            self._write(self._register_frame(address, authenticated))
                        if self.on_reconnect:
                            self.on_reconnect()
                        break
                    except OSError:
                        continue

    def _dispatch(self, frame: Json) -> None:
        address = frame.get("address")
        with self._lock:
            pending = self._pending.get(address) if address else None
            registered = self._handlers.get(address) if address else None
        if pending is not None:
            pending.frame = frame
            pending.done.set()
        elif registered is not None:
            handler, on_error, _ = registered
            if frame.get("type") == "err":
                # a refused registration: it is not made again on reconnect
                with self._lock:
                    self._handlers.pop(address, None)
                error = BridgeError(frame.get("failureCode"), frame.get("message", ""), address)
                (on_error or self.on_error or (lambda e: None))(error)
            else:
                handler(frame.get("body"))
        elif frame.get("type") == "err" and self.on_error:
            self.on_error(BridgeError(frame.get("failureCode"), frame.get("message", ""), address))

    def _ping_loop(self) -> None:
        while not self._closed:
            time.sleep(self.ping_interval)
            if self._closed:
                return
            try:
                if self._connected.is_set():
                    self.ping()
            except OSError:
                pass
