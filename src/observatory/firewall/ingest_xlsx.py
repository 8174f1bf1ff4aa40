"""Read the single sheet of an XLSX upload through hardened XML parsing: no DTD in any encoding, no zip bomb."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from pathlib import PurePosixPath
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from observatory.firewall.declarations import UploadLimits
from observatory.firewall.errors import UploadRejected

# Members that are not XML (pictures, printer settings, macros' binary stores); every other member must be XML.
BINARY_SUFFIXES = (".png", ".jpeg", ".jpg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin")
XML_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
# "<!doctype" and "<!entity" in every encoding an XML parser could be handed, compared against the lower-cased bytes
# (bytes.lower() only touches ASCII letters, which is every byte of these markers in each encoding).
DTD_MARKERS = tuple(marker.encode(encoding) for marker in ("<!doctype", "<!entity") for encoding in XML_ENCODINGS)


def refuse_dtd_bytes(raw: bytes) -> None:
    """Refuse a part that spells a DTD or an entity declaration in any UTF encoding, before any parser runs."""
    lowered = raw.lower()
    if any(marker in lowered for marker in DTD_MARKERS):
        raise UploadRejected("the XLSX file declares a DTD or XML entities (refused)")


def refuse_dtd_parsed(raw: bytes) -> None:
    """Parse a part with expat (which decodes UTF-8 and UTF-16 with or without BOM) and refuse any DTD or entity."""
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(ContentHandler())
    try:
        parser.parse(io.BytesIO(raw))
    except DefusedXmlException:
        raise UploadRejected("the XLSX file declares a DTD or XML entities (refused)") from None
    except (SAXException, ValueError, UnicodeError):
        raise UploadRejected("the XLSX file holds a part that is not well-formed XML") from None


def check_container(data: bytes, limits: UploadLimits) -> None:
    """Refuse zip bombs, traversal names and DTDs or entities in any part before the workbook reader sees the file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UploadRejected("the file is not a valid XLSX file (broken zip container)") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_entries:
            raise UploadRejected(f"the XLSX container has {len(members)} members (limit {limits.max_zip_entries})")
        total = 0
        for member in members:
            name = member.filename
            if name.startswith(("/", "\\")) or "\\" in name or ".." in PurePosixPath(name).parts or ":" in name:
                raise UploadRejected("the XLSX container holds a member with a path outside the archive")
            # The declared sizes bound what zipfile will ever inflate: it stops each member at its declared size.
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > limits.max_unzipped_bytes or (member.file_size > 1_000_000 and ratio > limits.max_zip_ratio):
                raise UploadRejected("the XLSX container expands far beyond its size (zip bomb)")
        for member in members:
            if member.is_dir():
                continue
            try:
                raw = archive.read(member)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError):
                raise UploadRejected("the XLSX container is corrupt") from None
            refuse_dtd_bytes(raw)
            if not member.filename.lower().endswith(BINARY_SUFFIXES):
                refuse_dtd_parsed(raw)


def xlsx_cell(value: object) -> str:
    """A spreadsheet cell as text (whole numbers without '.0', first-of-month dates as YYYY-MM)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        if value.day == 1 and (not isinstance(value, dt.datetime) or value.time() == dt.time()):
            return f"{value.year:04d}-{value.month:02d}"
        return value.isoformat()[:10]
    return str(value)


def read_xlsx(data: bytes, limits: UploadLimits) -> list[list[str]]:
    """Read the single sheet of a checked XLSX upload as text rows."""
    import openpyxl

    check_container(data, limits)
    if not openpyxl.DEFUSEDXML:
        # openpyxl picks defusedxml up at import; without it its own parser would expand entities.
        raise RuntimeError("openpyxl is not using defusedxml; refusing to read XLSX")
    rows: list[list[str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a broken workbook
            raise UploadRejected("the file could not be read as an XLSX workbook") from None
        try:
            if len(book.worksheets) != 1:
                raise UploadRejected("an XLSX upload must have exactly one sheet")
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # read every row: the sheet's own <dimension> may hide rows past it
            for values in sheet.iter_rows(values_only=True):
                rows.append([xlsx_cell(v) for v in values])
                if len(rows) > limits.max_rows + 1:
                    break
        except UploadRejected:
            raise
        except Exception:  # noqa: BLE001 - as above, while reading rows
            raise UploadRejected("the file could not be read as an XLSX workbook", row=len(rows) + 1) from None
        finally:
            book.close()
    return rows
