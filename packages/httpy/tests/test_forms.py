"""Form bodies: the parser alone, then uploads from real clients through a real server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import requests

from httpy import App, FormData, HTTPException, Request, UploadFile
from httpy.forms import FormLimits, parse_form
from httpy.testing import RunningServer, serve_in_thread

MULTIPART = "multipart/form-data; boundary=XyZ"


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def parse(content_type: str, *parts: bytes, limits: FormLimits | None = None) -> FormData:
    return asyncio.run(parse_form(content_type, _chunks(list(parts)), limits or FormLimits()))


def refused(content_type: str, *parts: bytes, limits: FormLimits | None = None) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        parse(content_type, *parts, limits=limits)
    return caught.value


def part(name: str, value: bytes, *, filename: str | None = None, ctype: str = "") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--XyZ\r\ncontent-disposition: {disposition}\r\n"
    if ctype:
        head += f"content-type: {ctype}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


END = b"--XyZ--\r\n"


# --- the parser ------------------------------------------------------------------------


def test_urlencoded_repeated_blank_and_escaped() -> None:
    form = parse(
        "application/x-www-form-urlencoded; charset=utf-8", b"a=1&b=&a=2&c=x+y%26z&d=caf%C3%A9"
    )
    assert form.multi_items() == [("a", "1"), ("b", ""), ("a", "2"), ("c", "x y&z"), ("d", "café")]


def test_urlencoded_arrives_in_pieces() -> None:
    assert parse("application/x-www-form-urlencoded", b"na", b"me=v", b"al").multi_items() == [
        ("name", "val")
    ]


def test_urlencoded_refuses_bad_utf8() -> None:
    error = refused("application/x-www-form-urlencoded", b"a=\xff")
    assert error.status_code == 400
    assert error.detail.startswith("malformed form body")


def test_urlencoded_field_limit_is_413() -> None:
    limits = FormLimits(max_fields=3)
    assert len(parse("application/x-www-form-urlencoded", b"a=1&b=2&c=3", limits=limits)) == 3
    error = refused("application/x-www-form-urlencoded", b"a=1&b=2&c=3&d=4", limits=limits)
    assert (error.status_code, error.detail) == (413, "more than 3 fields in the form")


def test_multipart_fields_and_files_split_anywhere() -> None:
    body = (
        part("title", b"hello")
        + part("doc", b"line1\r\nline2", filename="notes.txt", ctype="text/plain")
        + part("title", "wörld".encode())
        + part("blob", b"\x00\xff", filename="b.bin")
        + END
    )
    for size in (1, 7, len(body)):
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        form = parse(MULTIPART, *pieces)
        assert form.getlist("title") == ["hello", "wörld"]
        doc = form["doc"]
        assert isinstance(doc, UploadFile)
        assert (doc.filename, doc.content_type, doc.size) == ("notes.txt", "text/plain", 12)
        assert doc.read() == b"line1\r\nline2"
        assert doc.headers["content-type"] == "text/plain"
        blob = form["blob"]
        assert isinstance(blob, UploadFile)
        assert blob.content_type == "application/octet-stream"  # no content-type in the part
        assert blob.read() == b"\x00\xff"
        form.close()


def test_multipart_big_file_spools_to_disk() -> None:
    data = bytes(range(256)) * 400
    form = parse(MULTIPART, part("f", data, filename="big"), END, limits=FormLimits(spool_memory=1))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.size == len(data)
    assert upload.read() == data
    form.close()


@pytest.mark.parametrize(
    ("content_type", "body", "status", "detail"),
    [
        ("multipart/form-data", END, 400, "multipart/form-data without a boundary"),
        (MULTIPART, b"", 400, "malformed multipart body"),
        (MULTIPART, part("a", b"1"), 400, "malformed multipart body"),
        (MULTIPART, part("a", b"1") + b"--XyZ\r\ncontent-disp", 400, "malformed multipart body"),
        (MULTIPART, b"--Other\r\n\r\n", 400, "malformed multipart body"),
        (
            MULTIPART,
            b"--XyZ\r\ncontent-disposition: attachment\r\n\r\nx\r\n" + END,
            400,
            "multipart part without a form-data name",
        ),
        ("text/plain", b"a=1", 415, "not a form content type: 'text/plain'"),
        ("", b"a=1", 415, "not a form content type: ''"),
    ],
)
def test_malformed_forms(content_type: str, body: bytes, status: int, detail: str) -> None:
    error = refused(content_type, body)
    assert error.status_code == status
    assert error.detail.startswith(detail)


def test_multipart_limits() -> None:
    three_fields = part("a", b"1") + part("b", b"2") + part("c", b"3") + END
    assert refused(MULTIPART, three_fields, limits=FormLimits(max_fields=2)).status_code == 413
    two_files = part("f", b"1", filename="1") + part("f", b"2", filename="2") + END
    error = refused(MULTIPART, two_files, limits=FormLimits(max_files=1))
    assert (error.status_code, error.detail) == (413, "more than 1 files in the form")
    long_header = part("a", b"1", ctype="x/" + "y" * 200) + END
    error = refused(MULTIPART, long_header, limits=FormLimits(max_part_header_size=100))
    assert error.status_code == 431


# --- end to end ----------------------------------------------------------------------

app = App()


def describe(form: FormData) -> list[list[Any]]:
    items: list[list[Any]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            items.append([name, value.filename, value.content_type, value.read().decode()])
        else:
            items.append([name, value])
    return items


@app.post("/form")
async def echo_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    try:
        return {"items": describe(form), "again": (await request.form()) is form}
    finally:
        form.close()


@app.post("/form-after-body")
async def form_after_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    form = await request.form()
    return {"length": len(raw), "items": describe(form)}


@app.post("/small-form", max_body_size=64)
async def small_form(request: Request) -> dict[str, Any]:
    return {"items": describe(await request.form())}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


def test_urlencoded_from_httpx(client: httpx.Client) -> None:
    response = client.post("/form", data={"a": ["1", "2"], "b": "x y"})
    assert response.status_code == 200
    assert response.json() == {"items": [["a", "1"], ["a", "2"], ["b", "x y"]], "again": True}


def test_multipart_with_several_files_from_httpx(client: httpx.Client) -> None:
    response = client.post(
        "/form",
        data={"tag": ["red", "blue"]},
        files=[
            ("upload", ("one.txt", b"first file", "text/plain")),
            ("upload", ("two.json", b'{"k": 2}', "application/json")),
            ("other", ("résumé.csv", b"a,b\n", "text/csv")),
        ],
    )
    assert response.status_code == 200
    assert response.json()["items"] == [
        ["tag", "red"],
        ["tag", "blue"],
        ["upload", "one.txt", "text/plain", "first file"],
        ["upload", "two.json", "application/json", '{"k": 2}'],
        ["other", "résumé.csv", "text/csv", "a,b\n"],
    ]


def test_multipart_from_requests(server: RunningServer) -> None:
    with requests.Session() as session:
        response = session.post(
            server.url + "/form",
            data={"name": "value", "empty": ""},
            files={"f": ("data.bin", b"\x00\x01\x02", "application/octet-stream")},
            timeout=10,
        )
    assert response.status_code == 200
    assert response.json()["items"] == [
        ["name", "value"],
        ["empty", ""],
        ["f", "data.bin", "application/octet-stream", "\x00\x01\x02"],
    ]


def test_form_after_body_uses_the_stored_body(client: httpx.Client) -> None:
    response = client.post("/form-after-body", data={"k": "v"})
    assert response.json() == {"length": 3, "items": [["k", "v"]]}


def test_form_errors_reach_the_client_as_json(client: httpx.Client) -> None:
    wrong_type = client.post("/form", content=b"{}", headers={"content-type": "application/json"})
    assert wrong_type.status_code == 415
    assert wrong_type.json() == {"detail": "not a form content type: 'application/json'"}
    truncated = client.post("/form", content=part("a", b"1"), headers={"content-type": MULTIPART})
    assert truncated.status_code == 400
    assert truncated.json()["detail"].startswith("malformed multipart body")


def test_form_over_the_route_limit_is_413(client: httpx.Client) -> None:
    assert client.post("/small-form", data={"a": "b"}).json() == {"items": [["a", "b"]]}
    response = client.post("/small-form", data={"a": "b" * 100})
    assert response.status_code == 413
