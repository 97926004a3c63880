"""Type stub of the native module built from rust/requestx (checked by mypy.stubtest)."""

from asyncio import Future
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, final

__all__ = [
    "Call",
    "Client",
    "Completions",
    "HeaderLines",
    "PlainGate",
    "RawResponse",
    "ResponseKit",
    "Submitted",
    "__version__",
    "alpn_cache_len",
    "forked",
    "platform_roots_available",
    "shutdown",
]

__version__: str

def shutdown() -> None:
    """Stop the engine's runtime (registered with atexit by requestx)."""

def platform_roots_available() -> bool:
    """Whether the operating system's trust store holds any CA certificate (checked once)."""

def alpn_cache_len() -> int:
    """How many origins the HTTP/2 table (and its ALPN memory) holds now, for tests of its
    bound (REQUESTX_ALPN_CACHE_SIZE)."""

def forked() -> None:
    """Refresh the engine's kept process id (registered to run after os.fork in the child)."""

@final
class Client:
    """One configured connection pool (TLS, proxy) of the engine; timeouts are per call."""

    def __new__(
        cls,
        *,
        verify: bool = True,
        ca_bundle: str | None = None,
        cert: str | None = None,
        key: str | None = None,
        proxy: str | None = None,
        proxy_auth: tuple[str, str] | None = None,
        pool_maxsize: int = 10,
        http2: bool = True,
        http2_prior_knowledge: bool = False,
    ) -> Client: ...
    def send(self, call: Call, stream: bool = False) -> RawResponse:
        """Send `call` and wait (GIL released): the sync entry, whole or streamed."""
    def fetch_whole(
        self, kit: ResponseKit, request: Any, adapter: Any, url: str, call: Call
    ) -> Any:
        """`send`, the body read whole, and the Response made by `kit` in the same call."""
    def send_async(self, call: Call, stream: bool = False) -> Awaitable[RawResponse]:
        """`submit` as a generic awaitable, for loops that cannot watch a socket."""
    def submit(
        self,
        completions: Completions,
        future: Future[RawResponse],
        call: Call,
        stream: bool = False,
    ) -> Submitted:
        """Start `call` on the shared runtime: the async entry; it resolves `future`."""

@final
class Call:
    """One prepared request as the engine takes it, checked once when made."""

    def __new__(
        cls,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]] | HeaderLines,
        body: bytes | str | bytearray | Iterator[bytes | str] | Any | None = None,
        read_timeout: float | None = None,
        connect_timeout: float | None = None,
    ) -> Call: ...
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def body(self) -> Any: ...

@final
class Completions:
    """Finished async requests waiting for their loop, and the socket that wakes it."""

    def __new__(cls) -> Completions: ...
    def fileno(self) -> int: ...
    def drain(self) -> None: ...

@final
class Submitted:
    """A request started by `Client.submit`."""

    def cancel(self) -> None: ...

@final
class HeaderLines:
    """A session's header lines, checked and encoded once."""

    def __new__(cls, lines: list[tuple[bytes, bytes]]) -> HeaderLines: ...

@final
class ResponseKit:
    """Makes the `Response` of a body read whole: the fields `requestx.models` names
    (`_ENGINE_FIELDS`, `_ENGINE_CONSTANTS`), filled with what the engine works out."""

    def __new__(
        cls,
        response_type: type,
        fields: tuple[str, ...],
        constants: dict[str, Any],
        keep_cookies: Callable[[Any], None],
        encoding_of: Callable[[str], str | None],
    ) -> ResponseKit: ...
    def build(
        self, raw: RawResponse, request: Any, adapter: Any, url: str, elapsed: float
    ) -> Any: ...

@final
class PlainGate:
    """`Session.get(url)` in one native call when the session asks for nothing more."""

    def __new__(cls, **definitions: Any) -> PlainGate: ...
    def get(self, session: Any, url: Any, options: dict[str, Any]) -> Any | None: ...
    def admits(self, session: Any, url: Any, options: dict[str, Any]) -> bool: ...

@final
class RawResponse:
    """A response's status line, headers as received, and body (whole or streamed)."""

    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def is_streamed(self) -> bool: ...
    @property
    def sets_cookies(self) -> bool: ...
    @property
    def content_type(self) -> str | None: ...
    def folded_headers(self) -> dict[str, tuple[str, str]]: ...
    def take_content(self) -> bytes: ...
    def read_chunk(self, decode: bool = True) -> bytes | None: ...
    def read_chunk_async(self, decode: bool = True) -> Awaitable[bytes | None]: ...
    def close(self) -> None: ...
