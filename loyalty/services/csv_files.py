"""Reading the CSV files owners bring from their old systems and spreadsheets: UTF-8 with or without a BOM, UTF-16
(what Excel's "Unicode text" writes), comma or semicolon separated (Excel in much of Europe and Vietnam writes
semicolons), with Excel's quoting."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed

DELIMITERS = (",", ";", "\t")


def csv_text(data: bytes) -> str:
    """The file's text: UTF-16 by its BOM (or its zero bytes), else UTF-8 with its BOM dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) >= 4 and b"\x00" in data[:4]:  # UTF-16 without a BOM: every other byte of ASCII text is zero
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("The file is not UTF-8 or UTF-16 text. Save it from your spreadsheet as “CSV UTF-8”."),
            fields={"file": "not UTF-8 or UTF-16"},
            code="invalid_encoding",
        ) from None


def delimiter_of(header_line: str) -> str:
    """The separator the header row uses most: a comma, a semicolon or a tab."""
    return max(DELIMITERS, key=header_line.count) if any(d in header_line for d in DELIMITERS) else ","


def csv_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows, each with its row number as a spreadsheet shows it (the header is row 1);
    blank rows are left out."""
    text = csv_text(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line))
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationFailed(_("The file is empty."), fields={"file": "empty"}, code="empty_file")
        rows = [(number, row) for number, row in enumerate(reader, start=2) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ValidationFailed(
            _("The file is not a readable CSV file: %(reason)s") % {"reason": error},
            fields={"file": str(error)},
            code="invalid_csv",
        ) from None
    return [cell.strip() for cell in header], rows
