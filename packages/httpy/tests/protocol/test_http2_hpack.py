"""The caching HPACK coders give exactly what hpack's own give, block for block.

Differential: the same sequence of header lists (repeats, lists that add to the dynamic table
and so shift its indexes, evictions, table size changes, never-indexed fields) goes through
hpack's Encoder and through CachingEncoder; every block must be byte-identical, and a peer's
Decoder must read them back. The decoders are compared the same way on the blocks.
"""

from __future__ import annotations

from hpack import Decoder, Encoder, HeaderTuple, NeverIndexedHeaderTuple
from hypothesis import given, settings
from hypothesis import strategies as st

from httpy.protocol.http2_hpack import CachingDecoder, CachingEncoder

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)

RESPONSE = [(b":status", b"200"), (b"content-type", b"application/json"), (b"server", b"httpy")]
OTHER = [(b":status", b"404"), (b"x-request", b"abc" * 20)]
SENSITIVE = [(b":status", b"200"), NeverIndexedHeaderTuple(b"set-cookie", b"s=1")]
PLAIN_SENSITIVE = [(b":status", b"200"), (b"set-cookie", b"s=1")]

# A step: a header list to code, or a new table size (an int), as a peer's SETTINGS sets it.
_LISTS = st.sampled_from([RESPONSE, OTHER, SENSITIVE, PLAIN_SENSITIVE])
_FRESH = st.builds(lambda n: [(b":status", b"200"), (b"date", b"day %d" % n)], st.integers(0, 40))
_STEP = st.one_of(_LISTS, _LISTS, _FRESH, st.sampled_from([0, 64, 256, 4096]))


def _encode_both(steps: list[object]) -> tuple[list[bytes], list[bytes]]:
    plain, caching = Encoder(), CachingEncoder()
    expected, got = [], []
    for step in steps:
        if isinstance(step, int):
            plain.header_table_size = caching.header_table_size = step
            continue
        expected.append(plain.encode(list(step)))  # type: ignore[call-overload]
        got.append(caching.encode(list(step)))  # type: ignore[call-overload]
    return expected, got


@SETTINGS
@given(st.lists(_STEP, max_size=40))
def test_the_encoder_gives_hpacks_blocks(steps: list[object]) -> None:
    expected, got = _encode_both(steps)
    assert got == expected
    peer = Decoder()
    peer.max_allowed_table_size = 4096
    for block in got:
        peer.decode(block)  # in step with the encoder: every block reads back


@SETTINGS
@given(st.lists(_STEP, max_size=40))
def test_the_decoder_gives_hpacks_fields(steps: list[object]) -> None:
    blocks, _ = _encode_both(steps)
    plain, caching = Decoder(), CachingDecoder()
    for block in blocks:
        assert caching.decode(block, raw=True) == plain.decode(block, raw=True)
        assert list(caching.header_table.dynamic_entries) == list(
            plain.header_table.dynamic_entries
        )


def test_a_repeated_block_is_served_from_the_cache() -> None:
    encoder = CachingEncoder()
    first = encoder.encode(list(RESPONSE))  # adds the fields to the table
    second = encoder.encode(list(RESPONSE))  # all indexed: kept
    assert first != second
    assert encoder.encode(list(RESPONSE)) is second
    decoder = CachingDecoder()
    decoder.decode(first)
    fields = decoder.decode(second, raw=True)
    again = decoder.decode(second, raw=True)
    assert again == fields
    assert again is not fields  # a fresh list: the caller may change it


def test_a_never_indexed_field_is_never_served_from_the_cache() -> None:
    encoder, plain = CachingEncoder(), Encoder()
    for fields in (PLAIN_SENSITIVE, PLAIN_SENSITIVE, PLAIN_SENSITIVE):
        assert encoder.encode(list(fields)) == plain.encode(list(fields))
    # Equal as tuples to the cached list, but it must be coded never-indexed.
    assert encoder.encode(list(SENSITIVE)) == plain.encode(list(SENSITIVE))
    assert encoder.encode([HeaderTuple(*field) for field in RESPONSE]) == plain.encode(
        list(RESPONSE)
    )
