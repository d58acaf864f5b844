"""Turning the bytes of an uploaded text table into text, or saying plainly why they are not text.

Method, in order: refuse files over ``MAX_FILE_BYTES``; recognise the signatures of
common binary formats (images, archives, PDF, old Excel workbooks); honour a byte order
mark; recognise UTF-16 without one (NUL bytes at every other position); refuse data with
a share of control bytes that no text has; then decode as UTF-8, refusing a file that
mixes valid UTF-8 with bytes that are not (some rows would come out garbled whichever
way it is read), and fall back to Windows-1252 / Latin-1 with a warning. NUL bytes in
otherwise textual data are left in place: the CSV reader reports them by row.
"""

from __future__ import annotations

import io
import zipfile

from quotas.problems import InvalidInput, Problem

#: Larger files are refused before they are read (the dashboard's upload limit too).
MAX_FILE_BYTES = 200 * 1024 * 1024

# Leading bytes of formats people upload by mistake. Only signatures that no CSV header
# could start with (so not "BM" or "MZ", which a column name might).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "XLS"),
    (b"\x1f\x8b", "GZIP"),
    (b"7z\xbc\xaf\x27\x1c", "7Z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"\x7fELF", "ELF"),
)
_SAMPLE = 64 * 1024
# Bytes no text file holds (tab, line feed, carriage return and form feed are text).
_CONTROL = bytes([*range(0, 9), 11, *range(14, 32), 127])
_BINARY_SHARE = 0.02


def check_size(size: int, path: str) -> None:
    """Refuse a file over ``MAX_FILE_BYTES`` (before anything reads it)."""
    if size > MAX_FILE_BYTES:
        mb = 1024 * 1024
        params = {"path": path, "size_mb": -(-size // mb), "limit_mb": MAX_FILE_BYTES // mb}
        raise InvalidInput([Problem("file_too_large", params)])


def binary_format(data: bytes) -> str | None:
    """The name of the binary format ``data`` starts like, or None.

    >>> binary_format(b"%PDF-1.7 ..."), binary_format(b"id,gender")
    ('PDF', None)
    """
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            if name == "ZIP" and _is_workbook(data):
                return "XLSX"
            return name
    return None


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _utf16_without_bom(sample: bytes) -> bool:
    """Whether ``sample`` looks like UTF-16 text without a byte order mark.

    Text in Latin scripts has a NUL as the high byte of nearly every character, so one
    of the two byte positions is mostly NUL and the other almost never is.
    """
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    return max(even_nul, odd_nul) > 0.3 and min(even_nul, odd_nul) < 0.05


def _binary_offset(sample: bytes) -> int | None:
    """The offset of the first control byte, when there are too many of them for text."""
    count = sum(sample.count(b) for b in _CONTROL)
    if count >= 4 and count > _BINARY_SHARE * len(sample):
        return min(i for i in (sample.find(bytes([b])) for b in _CONTROL) if i >= 0)
    return None


def decode_table(data: bytes, path: str, problems: list[Problem]) -> str:
    """The text of a CSV file's bytes; warnings go to ``problems``.

    Raises InvalidInput when the bytes are not text Kleroterion can read safely.
    """
    check_size(len(data), path)
    found = binary_format(data)
    if found is not None:
        raise InvalidInput([Problem("file_binary_format", {"path": path, "format": found})])
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte order mark.
        return data.decode("utf-16", errors="replace")
    sample = data[:_SAMPLE]
    if _utf16_without_bom(sample):
        raise InvalidInput([Problem("file_encoding_utf16_no_bom", {"path": path})])
    offset = _binary_offset(sample)
    if offset is not None:
        raise InvalidInput([Problem("file_binary", {"path": path, "offset": offset})])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    _refuse_mixed(data, path)
    problems.append(Problem("file_encoding_latin1", {"path": path}, "warning"))
    try:
        # Windows' Latin-1 (what Excel writes): like Latin-1, but curly quotes and dashes
        # in 0x80-0x9F come out as themselves, not as control characters.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _refuse_mixed(data: bytes, path: str) -> None:
    """Raise when some lines are UTF-8 with non-ASCII letters and others are not UTF-8."""
    utf8_letters = False
    bad: list[tuple[int, int]] = []  # (line number, offset of its first bad byte)
    start = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.isascii():
            try:
                line.decode("utf-8")
                utf8_letters = True
            except UnicodeDecodeError as exc:
                bad.append((number, start + exc.start))
        start += len(line) + 1
    if utf8_letters and bad:
        rows = ", ".join(str(n) for n, _ in bad[:20]) + (", …" if len(bad) > 20 else "")
        params = {"path": path, "row": bad[0][0], "offset": bad[0][1], "count": len(bad)}
        raise InvalidInput([Problem("file_encoding_mixed", {**params, "rows": rows})])
