"""Form bodies: application/x-www-form-urlencoded and multipart/form-data (streamed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from httpy.datastructures import FormData, UploadFile
from httpy.exceptions import HTTPException

__all__ = ["FormLimits", "parse_form"]


class FormLimits:
    """Bounds on a form beyond the body size limit: many tiny parts cost more than bytes."""

    __slots__ = ("max_fields", "max_files", "max_part_header_size", "spool_memory")

    def __init__(
        self,
        *,
        max_fields: int = 1000,
        max_files: int = 100,
        max_part_header_size: int = 8 * 1024,
        spool_memory: int = 1024 * 1024,
    ) -> None:
        self.max_fields = max_fields
        self.max_files = max_files
        self.max_part_header_size = max_part_header_size
        self.spool_memory = spool_memory


async def parse_form(
    content_type: str, chunks: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    media_type, options = parse_options_header(content_type)
    if media_type == b"application/x-www-form-urlencoded":
        body = b"".join([chunk async for chunk in chunks])
        # The same count parse_qsl makes; too many fields is a limit (413), like multipart's.
        if body and body.count(b"&") + 1 > limits.max_fields:
            raise HTTPException(413, f"more than {limits.max_fields} fields in the form")
        try:
            pairs = parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=False,
                max_num_fields=limits.max_fields,
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise HTTPException(400, f"malformed form body: {error}") from None
        return FormData(pairs)
    if media_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise HTTPException(400, "multipart/form-data without a boundary")
        return await _parse_multipart(boundary, chunks, limits)
    raise HTTPException(415, f"not a form content type: {content_type!r}")


class _MultipartCollector:
    """Receives python-multipart's callbacks and builds the FormData."""

    def __init__(self, limits: FormLimits) -> None:
        self.limits = limits
        self.items: list[tuple[str, str | UploadFile]] = []
        self.fields = 0
        self.files = 0
        self._header_name = b""
        self._header_value = b""
        self._header_size = 0
        self._part_headers: dict[str, str] = {}
        self._name = ""
        self._data = bytearray()
        self._file: UploadFile | None = None

    def on_part_begin(self) -> None:
        self._part_headers = {}
        self._header_size = 0
        self._data = bytearray()
        self._file = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]
        self._grow_header(end - start)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._grow_header(end - start)

    def _grow_header(self, size: int) -> None:
        self._header_size += size
        if self._header_size > self.limits.max_part_header_size:
            raise HTTPException(431, "multipart part headers too large")

    def on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").lower()
        self._part_headers[name] = self._header_value.decode("latin-1")
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(
            self._part_headers.get("content-disposition", "")
        )
        if disposition != b"form-data" or b"name" not in options:
            raise HTTPException(400, "multipart part without a form-data name")
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            self.files += 1
            if self.files > self.limits.max_files:
                raise HTTPException(413, f"more than {self.limits.max_files} files in the form")
            self._file = UploadFile(
                filename=options[b"filename"].decode("utf-8", "replace"),
                content_type=self._part_headers.get("content-type", "application/octet-stream"),
                headers=self._part_headers,
                max_memory=self.limits.spool_memory,
            )
        else:
            self.fields += 1
            if self.fields > self.limits.max_fields:
                raise HTTPException(413, f"more than {self.limits.max_fields} fields in the form")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
        else:
            self._data += data[start:end]

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self.items.append((self._name, self._file))
        else:
            self.items.append((self._name, self._data.decode("utf-8", "replace")))


async def _parse_multipart(
    boundary: bytes, chunks: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    collector = _MultipartCollector(limits)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": collector.on_part_begin,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
        },
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        FormData(collector.items).close()
        raise HTTPException(400, f"malformed multipart body: {error}") from None
    except BaseException:
        FormData(collector.items).close()
        raise
    # python-multipart's finalize() does not check that the closing boundary came;
    # without it the last part (or every part) would vanish without an error.
    if parser.state != MultipartState.END:
        FormData(collector.items).close()
        raise HTTPException(400, "malformed multipart body: it ends before the closing boundary")
    return FormData(collector.items)
