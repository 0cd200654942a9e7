"""Reading a partner's file into rows, each with its line, before any row is judged.

CSV (``;`` or ``,``, a header line naming the columns) or JSON (a list of objects, or an
object holding one list). Both in UTF-8 (a byte order mark is allowed). A line that is not
UTF-8 is rejected on its own; a file that cannot be read at all (missing, empty, UTF-16,
no header with the columns needed, JSON that does not parse) raises ``Unreadable`` before
anything is sent, so it changes nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connectors.framework.report import Rejected

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
MAX_FILE_BYTES = 512 * 1024 * 1024


class Unreadable(Exception):
    """The file as a whole cannot be read; the message says why, never its content."""


@dataclass
class Rows:
    """The file's rows by line number (JSON: by position, from 1) and the lines refused."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(path: Path, *, columns: Sequence[str]) -> Rows:
    """The rows of ``path``; each must have ``columns`` (more are read and left alone)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Unreadable(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"the file cannot be opened ({error.strerror})") from None
    if raw.startswith(_OTHER_BOMS):
        raise Unreadable("the file is UTF-16 or UTF-32; save it as UTF-8")
    raw = raw.removeprefix(_UTF8_BOM)
    if not raw.strip():
        raise Unreadable("the file is empty")
    if path.suffix.lower() == ".json" or raw.lstrip()[:1] in (b"[", b"{"):
        return _json_rows(raw, columns)
    return _csv_rows(raw, columns)


def _csv_rows(raw: bytes, columns: Sequence[str]) -> Rows:
    lines = raw.split(b"\n")
    found = Rows()
    header: list[str] | None = None
    delimiter = ";"
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix(b"\r")
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            if header is None:
                raise Unreadable("the header line is not UTF-8; save the file as UTF-8") from None
            found.rejected.append(Rejected(number, "the line is not UTF-8"))
            continue
        if header is None:
            delimiter = ";" if text.count(";") >= text.count(",") else ","
            header = [name.strip().lower() for name in _split(text, delimiter)]
            missing = [name for name in columns if name not in header]
            if missing:
                raise Unreadable(f"the header line lacks the columns: {', '.join(missing)}")
            continue
        values = _split(text, delimiter)
        if len(values) != len(header):
            found.rejected.append(
                Rejected(number, f"{len(values)} fields where the header has {len(header)}")
            )
            continue
        found.rows.append((number, dict(zip(header, (v.strip() for v in values), strict=True))))
    if header is None:
        raise Unreadable("the file has no header line")
    return found


def _split(text: str, delimiter: str) -> list[str]:
    return next(csv.reader([text], delimiter=delimiter, quotechar='"'))


def _json_rows(raw: bytes, columns: Sequence[str]) -> Rows:
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable("the file is not UTF-8") from None
    except ValueError as error:
        raise Unreadable(f"the file is not JSON (line {getattr(error, 'lineno', '?')})") from None
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) != 1:
            raise Unreadable("a JSON object must hold exactly one list of rows")
        document = lists[0]
    if not isinstance(document, list):
        raise Unreadable("the JSON must be a list of rows")
    found = Rows()
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            found.rejected.append(Rejected(number, "the row is not an object"))
            continue
        row = {
            str(key).lower(): ("" if value is None else str(value).strip())
            for key, value in item.items()
            if isinstance(value, str | int | type(None))
        }
        missing = [name for name in columns if name not in row]
        if missing:
            found.rejected.append(Rejected(number, f"missing: {', '.join(missing)}"))
            continue
        found.rows.append((number, row))
    return found
