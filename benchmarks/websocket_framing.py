"""WebSocket framing cost per message: wsproto against the sans-IO core of websockets.

    python benchmarks/websocket_framing.py [--rounds 7] [--messages 20000] [--deflate]

The work of one echo round trip on the server, for a 64-byte text message: parse one masked
client frame (one `receive_data` call per frame, as one message per socket read arrives),
hand the text out as a `str`, and build one unmasked server frame with the same text. Each
library does this as its own API intends (wsproto: `events()` and `send(Message)`; websockets:
`Protocol.receive_data`, `events_received`, `send_text`, `data_to_send`). When httpy's own
connection (`httpy.protocol.websocket`) imports, it is measured too, so the cost of its
layer over the library it wraps shows in the same table.

Rounds are interleaved in a shuffled order per round, so drift on a noisy machine hits every
contender alike; the table gives each one's median messages/s with min-max and the ratio to
wsproto. `--deflate` negotiates permessage-deflate (client frames compressed by a real
websockets client protocol) to compare the compressed path too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side


def _codec() -> PerMessageDeflate:
    """The default parameters, no context takeover limits, 32 KiB windows both ways."""
    return PerMessageDeflate(
        remote_no_context_takeover=False,
        local_no_context_takeover=False,
        remote_max_window_bits=15,
        local_max_window_bits=15,
    )


MESSAGE = ("0123456789abcdef" * 4)[:64]
Runner = Callable[[list[bytes]], int]


def client_frames(count: int, *, deflate: bool) -> list[bytes]:
    """Masked client frames of one 64-byte text message each, with distinct masks."""
    client = Protocol(Side.CLIENT)
    if deflate:
        client.extensions = [_codec()]
    frames = []
    for _ in range(count):
        client.send_text(MESSAGE.encode())
        frames.append(b"".join(client.data_to_send()))
    return frames


def run_wsproto(frames: list[bytes], *, deflate: bool) -> int:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage
    from wsproto.extensions import Extension
    from wsproto.extensions import PerMessageDeflate as WsprotoDeflate

    extensions: list[Extension] = []
    if deflate:
        extension = WsprotoDeflate()
        extension.finalize("permessage-deflate")
        extensions.append(extension)
    conn = Connection(ConnectionType.SERVER, extensions=extensions)
    out = 0
    for data in frames:
        conn.receive_data(data)
        for event in conn.events():
            if isinstance(event, TextMessage):
                out += len(conn.send(TextMessage(data=event.data)))
    return out


def run_websockets(frames: list[bytes], *, deflate: bool) -> int:
    proto = Protocol(Side.SERVER)
    if deflate:
        proto.extensions = [_codec()]
    out = 0
    text = Opcode.TEXT
    for data in frames:
        proto.receive_data(data)
        for frame in proto.events_received():
            if isinstance(frame, Frame) and frame.opcode is text:
                message = str(frame.data, "utf-8")
                proto.send_text(message.encode())
        for chunk in proto.data_to_send():
            out += len(chunk)
    return out


def run_httpy(frames: list[bytes], *, deflate: bool) -> int:
    from httpy.protocol import Deflate, TextMessage, WebSocketConnection

    conn = WebSocketConnection(deflate=Deflate() if deflate else None)
    out = 0
    for data in frames:
        for event in conn.receive_data(data):
            if isinstance(event, TextMessage):
                conn.send_text(event.data)
        out += len(conn.data_to_send())
    return out


def contenders(*, deflate: bool) -> dict[str, Runner]:
    runners: dict[str, Runner] = {
        "wsproto": lambda frames: run_wsproto(frames, deflate=deflate),
        "websockets": lambda frames: run_websockets(frames, deflate=deflate),
    }
    try:
        import httpy.protocol.websocket  # noqa: F401
    except ImportError:
        return runners
    runners["httpy (websockets core)"] = lambda frames: run_httpy(frames, deflate=deflate)
    return runners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--deflate", action="store_true", help="negotiate permessage-deflate")
    args = parser.parse_args()

    frames = client_frames(args.messages, deflate=args.deflate)
    runners = contenders(deflate=args.deflate)
    # Every contender must produce the same server frames, or the comparison is meaningless.
    sizes = {name: run(frames[:100]) for name, run in runners.items()}
    if len(set(sizes.values())) != 1:
        raise SystemExit(f"contenders disagree on the output size: {sizes}")

    rates: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        order = list(runners)
        random.shuffle(order)
        for name in order:
            start = time.perf_counter()
            runners[name](frames)
            rates[name].append(args.messages / (time.perf_counter() - start))

    base = statistics.median(rates["wsproto"])
    mode = "permessage-deflate" if args.deflate else "no extension"
    print(f"64-byte text echo framing, {mode}, {args.rounds} rounds x {args.messages} messages")
    print(f"{'library':<26}{'median msg/s':>14}{'min-max':>22}{'vs wsproto':>12}")
    for name, values in rates.items():
        median = statistics.median(values)
        spread = f"{min(values):,.0f}-{max(values):,.0f}"
        print(f"{name:<26}{median:>14,.0f}{spread:>22}{median / base:>11.2f}x")


if __name__ == "__main__":
    main()
