"""Two independent WebSocket clients, sans-IO, behind one small interface for the peer tests:
the `websockets` library's ClientProtocol and wsproto's client. Each makes its own opening
request, checks the server's answer its own way, frames and masks its own messages, and
reassembles what the server sends; events come out as plain tuples to compare."""

from __future__ import annotations

from typing import Protocol as Interface

import wsproto
import wsproto.events as wse
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri
from wsproto.connection import ConnectionState, ConnectionType
from wsproto.extensions import PerMessageDeflate

__all__ = ["Peer", "WebsocketsPeer", "WsprotoPeer"]

# ("text", str) | ("bytes", bytes) | ("ping", bytes) | ("pong", bytes) | ("close", code, reason)
PeerEvent = tuple[object, ...]


class Peer(Interface):
    name: str

    def opening(self) -> bytes: ...
    def accepted(self, response: bytes) -> bool: ...
    def extensions(self) -> list[str]: ...
    def receive(self, data: bytes) -> list[PeerEvent]: ...
    def text(self, data: str, *, parts: int = 1) -> bytes: ...
    def binary(self, data: bytes) -> bytes: ...
    def ping(self, payload: bytes) -> bytes: ...
    def close(self, code: int, reason: str) -> bytes: ...
    def outgoing(self) -> bytes: ...


class WebsocketsPeer:
    name = "websockets"

    def __init__(self, *, deflate: bool, no_context_takeover: bool = False) -> None:
        factories = []
        if deflate:
            factories.append(
                ClientPerMessageDeflateFactory(
                    server_no_context_takeover=no_context_takeover,
                    client_no_context_takeover=no_context_takeover,
                )
            )
        self.client = ClientProtocol(
            parse_uri("ws://127.0.0.1/chat"),
            extensions=factories,
            subprotocols=[Subprotocol("chat")],
        )
        self.request = self.client.connect()
        self.parts: list[bytes] = []

    def opening(self) -> bytes:
        self.client.send_request(self.request)
        return self.outgoing()

    def accepted(self, response: bytes) -> bool:
        self.client.receive_data(response)
        events = self.client.events_received()
        return (
            isinstance(events[0], Response)
            and self.client.handshake_exc is None
            and self.client.state is State.OPEN
        )

    def extensions(self) -> list[str]:
        return [extension.name for extension in self.client.extensions]

    def receive(self, data: bytes) -> list[PeerEvent]:
        self.client.receive_data(data)
        out: list[PeerEvent] = []
        for frame in self.client.events_received():
            assert isinstance(frame, Frame)
            out += self._event(frame)
        return out

    def _event(self, frame: Frame) -> list[PeerEvent]:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            if frame.opcode is not Opcode.CONT:
                self.kind = "text" if frame.opcode is Opcode.TEXT else "bytes"
            self.parts.append(bytes(frame.data))
            if not frame.fin:
                return []
            data, self.parts = b"".join(self.parts), []
            return [(self.kind, data.decode() if self.kind == "text" else data)]
        if frame.opcode is Opcode.CLOSE:
            close = self.client.close_rcvd
            assert close is not None
            return [("close", close.code, close.reason)]
        return [("ping" if frame.opcode is Opcode.PING else "pong", bytes(frame.data))]

    def text(self, data: str, *, parts: int = 1) -> bytes:
        encoded = data.encode()
        step = -(-len(encoded) // parts)
        pieces = [encoded[i : i + step] for i in range(0, len(encoded), step)]
        self.client.send_text(pieces[0], fin=len(pieces) == 1)
        for i, piece in enumerate(pieces[1:], start=2):
            self.client.send_continuation(piece, fin=i == len(pieces))
        return self.outgoing()

    def binary(self, data: bytes) -> bytes:
        self.client.send_binary(data)
        return self.outgoing()

    def ping(self, payload: bytes) -> bytes:
        self.client.send_ping(payload)
        return self.outgoing()

    def close(self, code: int, reason: str) -> bytes:
        self.client.send_close(code, reason)
        return self.outgoing()

    def outgoing(self) -> bytes:
        return b"".join(self.client.data_to_send())


class WsprotoPeer:
    name = "wsproto"

    def __init__(self, *, deflate: bool, no_context_takeover: bool = False) -> None:
        self.client = wsproto.WSConnection(ConnectionType.CLIENT)
        self.offer = []
        if deflate:
            self.offer.append(PerMessageDeflate(client_no_context_takeover=no_context_takeover))
        self.text_parts: list[str] = []
        self.byte_parts: list[bytes] = []
        self.pending = b""
        self.agreed: list[str] = []

    def opening(self) -> bytes:
        request = wse.Request(
            host="127.0.0.1", target="/chat", extensions=self.offer, subprotocols=["chat"]
        )
        return self.client.send(request)

    def accepted(self, response: bytes) -> bool:
        self.client.receive_data(response)
        events = list(self.client.events())
        if not isinstance(events[0], wse.AcceptConnection):
            return False
        self.agreed = [extension.name for extension in events[0].extensions]
        return True

    def extensions(self) -> list[str]:
        return self.agreed

    def receive(self, data: bytes) -> list[PeerEvent]:
        self.client.receive_data(data)
        out: list[PeerEvent] = []
        for event in self.client.events():
            if isinstance(event, wse.TextMessage):
                self.text_parts.append(event.data)
                if event.message_finished:
                    out.append(("text", "".join(self.text_parts)))
                    self.text_parts = []
            elif isinstance(event, wse.BytesMessage):
                self.byte_parts.append(bytes(event.data))
                if event.message_finished:
                    out.append(("bytes", b"".join(self.byte_parts)))
                    self.byte_parts = []
            elif isinstance(event, wse.Ping):
                out.append(("ping", bytes(event.payload)))
                self.pending += self.client.send(event.response())
            elif isinstance(event, wse.Pong):
                out.append(("pong", bytes(event.payload)))
            elif isinstance(event, wse.CloseConnection):
                out.append(("close", event.code, event.reason or ""))
                if self.client.state is ConnectionState.REMOTE_CLOSING:
                    self.pending += self.client.send(event.response())
        return out

    def text(self, data: str, *, parts: int = 1) -> bytes:
        step = -(-len(data) // parts)
        pieces = [data[i : i + step] for i in range(0, len(data), step)]
        return b"".join(
            self.client.send(wse.TextMessage(data=piece, message_finished=i == len(pieces)))
            for i, piece in enumerate(pieces, start=1)
        )

    def binary(self, data: bytes) -> bytes:
        return self.client.send(wse.BytesMessage(data=data))

    def ping(self, payload: bytes) -> bytes:
        return self.client.send(wse.Ping(payload=payload))

    def close(self, code: int, reason: str) -> bytes:
        return self.client.send(wse.CloseConnection(code=code, reason=reason))

    def outgoing(self) -> bytes:
        pending, self.pending = self.pending, b""
        return pending
