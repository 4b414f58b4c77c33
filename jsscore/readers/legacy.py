"""Which cells are percentages in the files python-calamine reads without formats: OpenDocument
spreadsheets (.ods) and legacy Excel/WPS workbooks (.xls/.et, BIFF).

calamine gives the values only. A percentage field needs to know whether 0.992 was shown as 99.2 %
(a percent cell: no doubt) or typed as a plain number (a guess that must be said), exactly as for
xlsx (``ooxml.percent_cells``). Without this, every correctly formatted rate of an .xls or .ods
return would be warned about.

* .ods: ``content.xml`` marks a percentage cell itself (``office:value-type="percentage"``); the
  sheet is walked with defusedxml's iterparse, counting repeated rows and columns.
* .xls/.et: xlrd (with ``formatting_info``) gives each cell's number format; a format whose code
  shows ``%`` outside quotes is a percent format.

Both are best effort: whatever cannot be read gives "no percent cells", and the reader falls back to
warning about plain numbers, never to a silent guess.
"""

from __future__ import annotations

import io
import zipfile

from jsscore.readers.ooxml import is_percent_format

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{TABLE}table-cell", f"{TABLE}covered-table-cell")
MAX_REPEAT = 1 << 20  # Excel's row limit: trailing empty rows are written as one huge repeat


def ods_percent_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → 0-based (row, column) of its percentage cells."""
    from defusedxml.ElementTree import iterparse

    out: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open("content.xml") as fh:
            sheet: set[tuple[int, int]] | None = None
            row = col = 0
            for event, el in iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == f"{TABLE}table":
                        sheet = out.setdefault(el.get(f"{TABLE}name", ""), set())
                        row = 0
                    elif tag == f"{TABLE}table-row":
                        col = 0
                    continue
                if tag in _CELLS:
                    n = min(int(el.get(f"{TABLE}number-columns-repeated", "1")), MAX_REPEAT)
                    if sheet is not None and el.get(f"{OFFICE}value-type") == "percentage":
                        sheet.update((row, c) for c in range(col, col + n))
                    col += n
                    el.clear()
                elif tag == f"{TABLE}table-row":
                    row += min(int(el.get(f"{TABLE}number-rows-repeated", "1")), MAX_REPEAT)
                    el.clear()
                elif tag == f"{TABLE}table":
                    sheet = None
    except Exception:  # noqa: BLE001 - best effort (see the module docstring)
        return {}
    return out


def xls_percent_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → 0-based (row, column) of its number cells shown in a percent format."""
    try:
        import xlrd

        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception:  # noqa: BLE001 - best effort; xlrd is only needed for this
        return {}
    out: dict[str, set[tuple[int, int]]] = {}
    try:
        percent_xf = {i for i, xf in enumerate(book.xf_list)
                      if xf.format_key in book.format_map
                      and is_percent_format(book.format_map[xf.format_key].format_str)}
        for sh in book.sheets():
            cells = out.setdefault(sh.name, set())
            if not percent_xf:
                continue
            for r in range(sh.nrows):
                types = sh.row_types(r)
                for c, t in enumerate(types):
                    if t == xlrd.XL_CELL_NUMBER and sh.cell_xf_index(r, c) in percent_xf:
                        cells.add((r, c))
    except Exception:  # noqa: BLE001
        return out
    finally:
        book.release_resources()
    return out
