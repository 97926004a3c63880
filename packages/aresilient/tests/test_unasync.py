"""tools/unasync.py: the token rules that turn the async modules into the sync ones.

(Whether the generated files are current is checked by `python tools/unasync.py --check` in
the lint session; these tests pin the rewriting rules themselves.)
"""

from __future__ import annotations

import textwrap

from unasync import unasync_source


def _sync(source: str) -> str:
    return unasync_source(textwrap.dedent(source))


def test_keywords_go_and_names_lose_async() -> None:
    source = """
        async def get_async(client: AsyncClient) -> None:
            async with AsyncClient() as own:
                await own.aclose()
            async for chunk in stream.aiter_raw():
                await _send_async(chunk)
    """
    assert _sync(source) == textwrap.dedent("""
        def get(client: Client) -> None:
            with Client() as own:
                own.close()
            for chunk in stream.iter_raw():
                _send(chunk)
    """)


def test_only_whole_names_are_rewritten() -> None:
    source = "x = MyAsyncClientFactory(asyncio_mode, Asynchronous, async_)\n"
    assert _sync(source) == source


def test_prose_follows_the_code() -> None:
    source = '''
        def f() -> None:
            """Call `await client.get_async(url)` on an `AsyncClient`."""  # see AsyncIterator
    '''
    assert _sync(source) == textwrap.dedent('''
        def f() -> None:
            """Call `client.get(url)` on an `Client`."""  # see Iterator
    ''')


def test_private_async_modules_map_to_their_twins() -> None:
    source = "from aresilient._async_client import AsyncClient\n"
    assert _sync(source) == "from aresilient._client import Client\n"


def test_async_classes_lose_their_prefix() -> None:
    source = "class AsyncRetryTransport(httpx.AsyncBaseTransport): ...\n"
    assert _sync(source) == "class RetryTransport(httpx.BaseTransport): ...\n"
    assert _sync("x: AsyncByteStream\n") == "x: SyncByteStream\n"  # httpx's own name
