"""Reading an uploaded sheet: CSV (UTF-8, or GBK as Chinese Excel saves it) or XLSX.

A sheet is its header (the first row) and its data rows, numbered as a spreadsheet shows
them (the header is row 1). Completely empty rows are left out, so they are neither
counted nor reported. Rows are read lazily: a 100,000-row file is never held as cells.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from crmkit.errors import FieldError, InvalidInput

XLSX_MAGIC = b"PK\x03\x04"  # XLSX is a ZIP archive
FORMATS = ("csv", "xlsx")


class UnreadableFile(InvalidInput):
    code, title = "unreadable_file", "Unreadable file"

    def __init__(self, reason: str) -> None:
        super().__init__(f"file: {reason}", errors=[FieldError("file", reason)])


def file_format(name: str, content: bytes) -> str:
    """`xlsx` or `csv`, from the bytes (a name's extension may lie)."""
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if name.lower().endswith((".xls", ".xlsx", ".numbers", ".ods")):
        raise UnreadableFile("only CSV and XLSX files can be imported")
    return "csv"


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030 (a superset of GBK).

    Strict UTF-8 decoding rejects GBK-encoded Chinese almost always, so trying it first
    and falling back is reliable for the two encodings customers' files come in.
    """
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("the text is neither UTF-8 nor GBK") from exc


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: numbers without a trailing `.0` (phone numbers
    saved as numbers), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class Sheet:
    format: str
    content: bytes

    def _records(self) -> Iterator[list[str]]:
        if self.format == "xlsx":
            yield from self._xlsx_records()
            return
        reader = csv.reader(io.StringIO(decode_text(self.content), newline=""))
        try:
            for record in reader:
                yield [cell.strip() for cell in record]
        except csv.Error as exc:
            raise UnreadableFile(
                f"not a readable CSV file (line {reader.line_num}: {exc})"
            ) from exc

    def _xlsx_records(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        try:
            book = load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure means an unreadable workbook
            raise UnreadableFile("not a readable XLSX workbook") from exc
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in values]
        finally:
            book.close()

    def header(self) -> list[str]:
        for record in self._records():
            header = [cell.lstrip("\ufeff").strip() for cell in record]
            while header and not header[-1]:
                header.pop()
            if not any(header):
                continue
            seen: set[str] = set()
            for name in header:
                if name and name in seen:
                    raise UnreadableFile(f"column {name!r} appears twice in the header")
                seen.add(name)
            return header
        raise UnreadableFile("the file is empty")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every non-empty data row, in file order."""
        records = self._records()
        number = 0
        for record in records:
            number += 1
            if any(record):
                break  # the header
        for record in records:
            number += 1
            if any(record):
                yield number, record

    def count(self) -> int:
        return sum(1 for _ in self.rows())
