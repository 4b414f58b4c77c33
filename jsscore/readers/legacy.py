"""Which cells are percentages, and which show an error value, in the files python-calamine reads
without formats: OpenDocument spreadsheets (.ods) and legacy Excel/WPS workbooks (.xls/.et, BIFF).

calamine gives the values only. A percentage field needs to know whether 0.992 was shown as 99.2 %
(a percent cell: no doubt) or typed as a plain number (a guess that must be said), exactly as for
xlsx (``ooxml.percent_cells``). Without this, every correctly formatted rate of an .xls or .ods
return would be warned about.

calamine also reads an error cell (#DIV/0!, #N/A …) as empty, which would be reported as "not filled
in" (or scored as 0 with --allow-missing): the error value shown is put back.

* .ods: ``content.xml`` marks a percentage cell itself (``office:value-type="percentage"``) and an
  error result (``calcext:value-type="error"``, the text shown in its paragraph); the sheet is walked
  with defusedxml's iterparse, counting repeated rows and columns.
* .xls/.et: xlrd (with ``formatting_info``) gives each cell's number format (a format whose code
  shows ``%`` outside quotes is a percent format) and its error code.

Both are best effort: whatever cannot be read gives "no percent cells", and the reader falls back to
warning about plain numbers, never to a silent guess.
"""

from __future__ import annotations

import io
import zipfile

from jsscore.readers.ooxml import is_percent_format

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{TABLE}table-cell", f"{TABLE}covered-table-cell")
MAX_REPEAT = 1 << 20  # Excel's row limit: trailing empty rows are written as one huge repeat


Cells = tuple[set[tuple[int, int]], dict[tuple[int, int], str]]  # percent cells; error cells → value shown


def ods_cells(data: bytes) -> dict[str, Cells]:
    """Sheet name → 0-based (row, column) of its percentage cells, and of its error cells with the value shown."""
    from defusedxml.ElementTree import iterparse

    out: dict[str, Cells] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open("content.xml") as fh:
            sheet: Cells | None = None
            row = col = 0
            cols: list[int] = []  # percentage columns of the current row
            for event, el in iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == f"{TABLE}table":
                        sheet = out.setdefault(el.get(f"{TABLE}name", ""), (set(), {}))
                        row = 0
                    elif tag == f"{TABLE}table-row":
                        col, cols = 0, []
                    continue
                if tag in _CELLS:
                    n = min(int(el.get(f"{TABLE}number-columns-repeated", "1")), MAX_REPEAT)
                    if el.get(f"{OFFICE}value-type") == "percentage":
                        cols.extend(range(col, col + n))
                    elif el.get(f"{CALCEXT}value-type") == "error" and sheet is not None:
                        shown = "".join(el.itertext()).strip()
                        sheet[1].update(((row, c), shown) for c in range(col, col + n))
                    col += n
                    el.clear()
                elif tag == f"{TABLE}table-row":
                    n = min(int(el.get(f"{TABLE}number-rows-repeated", "1")), MAX_REPEAT)
                    if sheet is not None and cols:  # a repeated row repeats its percent cells too
                        sheet[0].update((r, c) for r in range(row, row + n) for c in cols)
                    row += n
                    el.clear()
                elif tag == f"{TABLE}table":
                    sheet = None
    except Exception:  # noqa: BLE001 - best effort (see the module docstring)
        return {}
    return out


def xls_cells(data: bytes) -> dict[str, Cells]:
    """Sheet name → 0-based (row, column) of its number cells shown in a percent format, and of its error
    cells with the value shown."""
    try:
        import xlrd

        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception:  # noqa: BLE001 - best effort; xlrd is only needed for this
        return {}
    out: dict[str, Cells] = {}
    try:
        percent_xf = {i for i, xf in enumerate(book.xf_list)
                      if xf.format_key in book.format_map
                      and is_percent_format(book.format_map[xf.format_key].format_str)}
        for sh in book.sheets():
            pct, errors = out.setdefault(sh.name, (set(), {}))
            for r in range(sh.nrows):
                for c, t in enumerate(sh.row_types(r)):
                    if t == xlrd.XL_CELL_NUMBER:
                        if percent_xf and sh.cell_xf_index(r, c) in percent_xf:
                            pct.add((r, c))
                    elif t == xlrd.XL_CELL_ERROR:
                        errors[(r, c)] = xlrd.error_text_from_code.get(sh.cell_value(r, c), "#N/A")
    except Exception:  # noqa: BLE001
        return out
    finally:
        book.release_resources()
    return out
