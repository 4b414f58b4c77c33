"""What python-calamine does not tell about an xlsx: which cells are percent-formatted, and the
custom document properties (template and rubric version).

calamine reads cell values about ten times faster than openpyxl but gives no number formats; a
percentage field needs them (0.969 in a percent cell is 96.9 % without a warning, a plain 0.969 is
a guess that must be said). So the styles part is parsed (small, through defusedxml) and the sheet
XML is scanned — in chunks, never parsed into a tree — only for cells whose style is a percent
format. Everything here is best effort: a part that cannot be read gives "no percent cells" and
the reader falls back to warning about plain numbers, never to a silent guess.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from defusedxml import ElementTree as ET

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%

_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)/?>")
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_ATTR_S = re.compile(rb'\bs="([0-9]+)"')
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(code: str) -> bool:
    """A number format that shows a percentage: a % outside quotes, escapes and [colour] brackets."""
    return "%" in _QUOTED.sub("", code)


def percent_styles(z: zipfile.ZipFile) -> set[int]:
    """Indices of cellXfs (the ``s`` attribute of a cell) whose number format is a percentage."""
    try:
        root = ET.fromstring(z.read("xl/styles.xml"))
    except (KeyError, ET.ParseError, ValueError):
        return set()
    custom = {}
    for nf in root.iter(f"{MAIN}numFmt"):
        try:
            custom[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
        except ValueError:
            continue
    pct_ids = BUILTIN_PERCENT | {i for i, code in custom.items() if is_percent_format(code)}
    xfs = root.find(f"{MAIN}cellXfs")
    out: set[int] = set()
    if xfs is None:
        return out
    for i, xf in enumerate(xfs.findall(f"{MAIN}xf")):
        try:
            if int(xf.get("numFmtId", "0")) in pct_ids:
                out.add(i)
        except ValueError:
            continue
    return out


def sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name (xl/worksheets/sheetN.xml)."""
    try:
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, ValueError):
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
    out = {}
    for sh in wb.iter(f"{MAIN}sheet"):
        t = target.get(sh.get(f"{REL}id"), "")
        if not t:
            continue
        out[sh.get("name", "")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return out


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def percent_cells(z: zipfile.ZipFile, part: str, styles: set[int], chunk: int = 1 << 22) -> set[tuple[int, int]]:
    """0-based (row, column) of the cells of a sheet part whose style is in ``styles``."""
    out: set[tuple[int, int]] = set()
    if not styles:
        return out
    # Excel, WPS, LibreOffice, openpyxl and XlsxWriter all write r= before s=; one regex finds exactly
    # the wanted cells. A writer with another attribute order is caught by the slower general scan.
    alts = b"|".join(str(s).encode() for s in sorted(styles))
    fast = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})([0-9]+)" s="(?:' + alts + rb')"')
    wanted = {str(s).encode() for s in styles}
    try:
        fh = z.open(part)
    except KeyError:
        return out
    with fh:
        tail = b""
        while True:
            block = fh.read(chunk)
            data = tail + block
            if not block:
                cut = len(data)
            else:
                cut = data.rfind(b"<")  # never split a tag between two chunks
                if cut <= 0:
                    tail = data
                    continue
            found = False
            for m in fast.finditer(data, 0, cut):
                out.add((int(m.group(2)) - 1, _col(m.group(1))))
                found = True
            if not found and b' s="' in data[:cut]:  # styled cells but none in r-then-s order
                for m in _CELL.finditer(data, 0, cut):
                    attrs = m.group(1)
                    s = _ATTR_S.search(attrs)
                    if s and s.group(1) in wanted:
                        r = _ATTR_R.search(attrs)
                        if r:
                            out.add((int(r.group(2)) - 1, _col(r.group(1))))
            if not block:
                break
            tail = data[cut:]
    return out


def custom_properties(z: zipfile.ZipFile) -> dict[str, str]:
    """Custom document properties (docProps/custom.xml) as name → text value."""
    try:
        root = ET.fromstring(z.read("docProps/custom.xml"))
    except (KeyError, ET.ParseError, ValueError):
        return {}
    out = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            out[name] = (prop[0].text or "").strip()
    return out


class SparseSheet(Exception):
    """A sheet whose used range is mostly empty (a stray value far below the data): calamine would
    build the whole rectangle in memory; the streaming reader is used instead."""


_ROW = re.compile(rb'<(?:\w+:)?row\b([^>]*?)\br="([0-9]+)"([^>]*)>')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_COL = re.compile(rb'<(?:\w+:)?col\b([^>]*)/?>')
_MIN = re.compile(rb'\bmin="([0-9]+)"')
_MAX = re.compile(rb'\bmax="([0-9]+)"')  # LibreOffice writes max before min
_SHEETDATA = re.compile(rb"<(?:\w+:)?sheetData\b")


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')


def merged_cells(z: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """Cells covered by a merged range but not its top-left cell → the range ("D6:D7"): they read blank."""
    out: dict[tuple[int, int], str] = {}
    try:
        with z.open(part) as fh:
            data = fh.read()
    except KeyError:
        return out
    end = max(data.rfind(b"</sheetData>"), data.rfind(b":sheetData>"))
    tail = data[end:] if end >= 0 else b""
    for m in _MERGE.finditer(tail):
        c1, r1, c2, r2 = _col(m.group(1)), int(m.group(2)) - 1, _col(m.group(3)), int(m.group(4)) - 1
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            continue
        ref = f"{m.group(1).decode()}{r1 + 1}:{m.group(3).decode()}{r2 + 1}"
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    out[(r, c)] = ref
    return out


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bt="e"[^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>', re.S)  # not <c …/>
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def error_cells(data: bytes) -> dict[tuple[int, int], str]:
    """0-based (row, column) → the error value shown (#DIV/0!, #N/A …) of a sheet's error cells
    (t="e"). calamine reads them as empty cells, which would be reported as blank or, for a formula,
    as "not calculated" – advice a re-save can never satisfy."""
    out: dict[tuple[int, int], str] = {}
    if b't="e"' not in data:
        return out
    for m in _ERROR_CELL.finditer(data):
        r, v = _ATTR_R.search(m.group(1)), _V.search(m.group(2))
        if r and v:
            out[(int(r.group(2)) - 1, _col(r.group(1)))] = v.group(1).decode("utf-8", "replace")
    return out


def _rows(z: zipfile.ZipFile, part: str) -> tuple[bool, set[int], set[int], dict[tuple[int, int], str]]:
    """Whether a sheet is sparse (more than ~10× as many rows spanned as present, and at least
    100 000), its hidden rows and columns (0-based), and its error cells."""
    try:
        with z.open(part) as fh:
            data = fh.read()
    except KeyError:
        return False, set(), set(), {}
    present, last = 0, 0
    hidden_rows: set[int] = set()
    for m in _ROW.finditer(data):
        present += 1
        r = int(m.group(2))
        last = max(last, r)
        if b"hidden" in m.group(1) + m.group(3) and _HIDDEN.search(m.group(1) + m.group(3)):
            hidden_rows.add(r - 1)
    hidden_cols: set[int] = set()
    sd = _SHEETDATA.search(data)
    head = data[: sd.start() if sd else 0]
    for m in _COL.finditer(head):
        if _HIDDEN.search(m.group(1)):
            lo, hi = _MIN.search(m.group(1)), _MAX.search(m.group(1))
            if lo and hi and 0 <= int(hi.group(1)) - int(lo.group(1)) < 1000:
                hidden_cols.update(range(int(lo.group(1)) - 1, int(hi.group(1))))
    return last > 100_000 and last > 10 * present, hidden_rows, hidden_cols, error_cells(data)


def read(data: bytes) -> tuple[list, dict]:
    """All sheets of an xlsx (values by python-calamine, percent cells from the styles), and its
    custom document properties. Raises whatever calamine raises on a workbook it cannot read."""
    import io

    from python_calamine import CalamineWorkbook

    from jsscore.readers.layout import Sheet

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = percent_styles(z)
        parts = sheet_paths(z)
        meta = custom_properties(z)
        scans = {name: _rows(z, part) for name, part in parts.items()}
        for name, (sparse, *_) in scans.items():
            if sparse:
                raise SparseSheet(name)
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for m in wb.sheets_metadata:
            rows = wb.get_sheet_by_name(m.name).to_python(skip_empty_area=False)
            for r in rows:  # calamine reads an empty cell as "": blank is None everywhere else
                if "" in r:
                    r[:] = [None if v == "" else v for v in r]
            _, hidden_rows, hidden_cols, errors = scans.get(m.name, (False, set(), set(), {}))
            for (r, c), shown in errors.items():  # calamine reads an error cell as empty too
                if r < len(rows) and c < len(rows[r]):
                    rows[r][c] = shown
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            pct = percent_cells(z, parts[m.name], styles) if m.name in parts else set()
            sheet = Sheet(m.name, rows, pct, str(m.visible).lower().endswith("hidden"))
            sheet.hidden_rows, sheet.hidden_cols = hidden_rows, hidden_cols
            sheets.append(sheet)
    return sheets, meta
