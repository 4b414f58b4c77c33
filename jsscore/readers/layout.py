"""Find the figures in a sheet, whatever its orientation, by the field keys (or labels) it carries.

Two layouts are recognised:

* **wide** — a header row of field keys (or Chinese labels), one row per city: the CSV contract and
  what other systems export;
* **long** — a column of field keys, one column per city: the collection template (fields as rows,
  cities as columns) and the per-city forms.

Reading never depends on label wording or column order: the keys locate the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsscore.readers.values import is_blank, squeeze
from jsscore.rubric import Rubric

# Captions the template puts in its descriptor columns on the city row: never a city.
_CAPTIONS = {"设区市", "字段", "字段代码", "代码", "工作分类", "类别", "分类", "填报项目", "指标", "项目", "单位", "计分项",
             "对应评分项", "评分项", "说明", "填报说明", "备注", "区域"}


_IDENTITY = ("city", "region")


@dataclass
class Sheet:
    """A sheet's values as a list of rows (0-based), plus which cells are percent-formatted."""

    name: str
    rows: list[list[Any]]
    pct_cells: set[tuple[int, int]] = field(default_factory=set)
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)

    def get(self, r: int, c: int) -> Any:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None


@dataclass
class RawValue:
    raw: Any
    cell: str  # A1
    percent_cell: bool = False
    percent_points: bool = False


@dataclass
class RawRecord:
    """One city's cells before parsing."""

    file: str
    sheet: str
    city_raw: Any
    city_cell: str
    values: dict[str, RawValue]
    extras: dict[str, Any] = field(default_factory=dict)  # columns that are not fields (备注 …)
    hidden: str = ""  # "第 7 行" / "F 列" when the city's row/column is hidden in the sheet


@dataclass
class Layout:
    orientation: str  # "wide" | "long"
    index: int  # header row (wide) or key column (long), 0-based
    keys: dict[int, tuple[str, bool]]  # column (wide) / row (long) → (field key, percent points)
    missing: list[str]


def col_letter(c: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


_TRAILING_PAREN = re.compile(r"^(.*?)\(([^()]*)\)$")


def header_lookup(rubric: Rubric) -> dict[str, str]:
    """Normalised header text → field key (keys and Chinese labels)."""
    m: dict[str, str] = {}
    for f in rubric.fields.values():
        m[squeeze(f.label)] = f.key
        m[f.key.casefold()] = f.key
    return m


def match_header(text: Any, lookup: dict[str, str]) -> tuple[str, bool] | None:
    """The field key a header cell names, and whether it marks plain numbers as percent points."""
    if not isinstance(text, str):
        return None
    s = squeeze(text)
    if not s:
        return None
    points = False
    for suffix in ("(%)", "%"):
        if s.endswith(suffix) and len(s) > len(suffix):
            s, points = s[: -len(suffix)], True
            break
    key = lookup.get(s) or lookup.get(s.casefold())
    if key is None:
        m = _TRAILING_PAREN.match(s)  # "城镇参保人数(人)" → the label with its unit
        if m:
            key = lookup.get(m.group(1)) or lookup.get(m.group(1).casefold())
    return (key, points) if key else None


def detect(sheet: Sheet, rubric: Rubric, lookup: dict[str, str]) -> Layout | None:
    """Find the key row or key column of a sheet (None when it holds no field keys)."""
    best: Layout | None = None
    best_n = 0
    for r in range(min(30, len(sheet.rows))):
        keys = {}
        for c, v in enumerate(sheet.rows[r]):
            m = match_header(v, lookup)
            if m and m[0] not in {k for k, _ in keys.values()}:
                keys[c] = m
        if len(keys) >= 3 and any(k == "city" for k, _ in keys.values()) and len(keys) > best_n:
            best, best_n = Layout("wide", r, keys, []), len(keys)
            break
    width = max((len(r) for r in sheet.rows[:400]), default=0)
    for c in range(min(10, width)):
        keys = {}
        for r, row in enumerate(sheet.rows):
            if len(row) <= c:
                continue
            m = match_header(row[c], lookup)
            if m and m[0] not in {k for k, _ in keys.values()}:
                keys[r] = m
        if len(keys) >= 3 and any(k == "city" for k, _ in keys.values()) and len(keys) > best_n:
            best, best_n = Layout("long", c, keys, []), len(keys)
    if best is not None:
        present = {k for k, _ in best.keys.values()}
        best.missing = [k for k, f in rubric.fields.items() if f.required and k not in present]
    return best


def records(sheet: Sheet, layout: Layout, file: str) -> list[RawRecord]:
    """The raw city records of a sheet in the given layout (empty rows/columns skipped)."""
    out: list[RawRecord] = []
    by_key = {k: (i, pts) for i, (k, pts) in layout.keys.items()}
    city_i = by_key["city"][0]
    if layout.orientation == "wide":
        h = layout.index
        for r in range(h + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if not row:
                continue
            if all(is_blank(sheet.get(r, c)) for c, (k, _) in layout.keys.items() if k not in _IDENTITY):
                continue  # nothing but a name (and region): a city that has not reported
            vals = {k: RawValue(sheet.get(r, c), a1(r, c), (r, c) in sheet.pct_cells, pts)
                    for c, (k, pts) in layout.keys.items() if k != "city"}
            extras = {str(sheet.get(h, c)): v for c, v in enumerate(row)
                      if c not in layout.keys and not is_blank(v) and not is_blank(sheet.get(h, c))}
            out.append(RawRecord(file, sheet.name, sheet.get(r, city_i), a1(r, city_i), vals, extras,
                                 f"第 {r + 1} 行" if r in sheet.hidden_rows else ""))
    else:
        kc = layout.index
        width = max((len(sheet.rows[r]) for r in layout.keys), default=0)
        for c in range(kc + 1, width):
            head = sheet.get(city_i, c)
            if all(is_blank(sheet.get(r, c)) for r, (k, _) in layout.keys.items() if k not in _IDENTITY):
                continue  # the template pre-fills name and region: an unfilled city column is not a return
            if isinstance(head, str) and squeeze(head) in _CAPTIONS:
                continue
            if is_blank(head) and _is_descriptor(sheet, layout, c):
                continue
            vals = {k: RawValue(sheet.get(r, c), a1(r, c), (r, c) in sheet.pct_cells, pts)
                    for r, (k, pts) in layout.keys.items() if k != "city"}
            out.append(RawRecord(file, sheet.name, head, a1(city_i, c), vals,
                                 hidden=f"{col_letter(c)} 列" if c in sheet.hidden_cols else ""))
    return out


def _is_descriptor(sheet: Sheet, layout: Layout, c: int) -> bool:
    """A column of labels/units beside the keys (text everywhere, no city name)."""
    vals = [sheet.get(r, c) for r in layout.keys]
    return all(is_blank(v) or isinstance(v, str) for v in vals)
