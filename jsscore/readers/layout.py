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
from collections.abc import Mapping
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


class CellMap(Mapping[str, str]):
    """Field key → A1 cell of one city's figures, made on demand from a table shared by the sheet.

    A large input has millions of figures and only a handful are ever quoted (in problems, explain):
    one small object per city instead of an A1 string per figure."""

    __slots__ = ("_parts", "_fixed", "_wide")

    def __init__(self, parts: dict[str, str], fixed: str, wide: bool):
        self._parts = parts  # key → column letters (wide) or row number (long), shared by every city
        self._fixed = fixed  # this city's row number (wide) or column letters (long)
        self._wide = wide

    def __getitem__(self, key: str) -> str:
        p = self._parts[key]
        return p + self._fixed if self._wide else self._fixed + p

    def __iter__(self):
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


@dataclass(slots=True)
class RawRecord:
    """One city's cells before parsing: a row (wide) or a column (long) of its sheet.

    The figures stay in the sheet's rows until they are parsed; :meth:`release` then drops the row of
    a wide sheet, so a large input never holds its raw rows and its parsed records at the same time."""

    file: str
    sheet: str
    city_raw: Any
    city_cell: str
    grid: Sheet
    at: int  # the city's row (wide) or column (long), 0-based
    fields: list[tuple[str, int, bool]]  # shared: (key, column (wide) / row (long), percent points)
    cells: CellMap
    wide: bool
    extras: dict[str, Any] = field(default_factory=dict)  # columns that are not fields (备注 …)
    hidden: str = ""  # "第 7 行" / "F 列" when the city's row/column is hidden in the sheet

    def figures(self):
        """(key, raw value, A1-less position (row, col), percent-formatted cell, header marks points)."""
        pct = self.grid.pct_cells
        if self.wide:
            r, row = self.at, self.grid.rows[self.at]
            n = len(row)
            for key, c, pts in self.fields:
                yield key, (row[c] if c < n else None), (r, c) in pct if pct else False, pts
        else:
            c, get = self.at, self.grid.get
            for key, r, pts in self.fields:
                yield key, get(r, c), (r, c) in pct if pct else False, pts

    def has(self, key: str) -> bool:
        return key in self.cells

    def raw(self, key: str) -> Any:
        i = next(i for k, i, _ in self.fields if k == key)
        return self.grid.get(self.at, i) if self.wide else self.grid.get(i, self.at)

    def release(self) -> None:
        """Forget the raw row of a wide sheet once it is parsed (a long sheet's rows hold every city)."""
        if self.wide:
            self.grid.rows[self.at] = ()


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
    fields = [(k, i, pts) for i, (k, pts) in layout.keys.items() if k != "city"]
    scored = [i for k, i, _ in fields if k not in _IDENTITY]
    if layout.orientation == "wide":
        h = layout.index
        letters = {k: col_letter(c) for k, c, _ in fields}
        head = sheet.rows[h]
        extra_cols = [(c, str(v)) for c, v in enumerate(head) if c not in layout.keys and not is_blank(v)]
        city_col = col_letter(city_i)
        for r in range(h + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if not row:
                continue
            n = len(row)
            if all(c >= n or is_blank(row[c]) for c in scored):
                continue  # nothing but a name (and region): a city that has not reported
            extras = {name: row[c] for c, name in extra_cols if c < n and not is_blank(row[c])}
            out.append(RawRecord(file, sheet.name, row[city_i] if city_i < n else None, f"{city_col}{r + 1}",
                                 sheet, r, fields, CellMap(letters, str(r + 1), True), True, extras,
                                 f"第 {r + 1} 行" if r in sheet.hidden_rows else ""))
    else:
        kc = layout.index
        numbers = {k: str(r + 1) for k, r, _ in fields}
        width = max((len(sheet.rows[r]) for r in layout.keys), default=0)
        for c in range(kc + 1, width):
            head = sheet.get(city_i, c)
            if all(is_blank(sheet.get(r, c)) for r in scored):
                continue  # the template pre-fills name and region: an unfilled city column is not a return
            if isinstance(head, str) and squeeze(head) in _CAPTIONS:
                continue
            if is_blank(head) and _is_descriptor(sheet, layout, c):
                continue
            letters = col_letter(c)
            out.append(RawRecord(file, sheet.name, head, f"{letters}{city_i + 1}", sheet, c, fields,
                                 CellMap(numbers, letters, False), False,
                                 hidden=f"{letters} 列" if c in sheet.hidden_cols else ""))
    return out


def _is_descriptor(sheet: Sheet, layout: Layout, c: int) -> bool:
    """A column of labels/units beside the keys (text everywhere, no city name)."""
    vals = [sheet.get(r, c) for r in layout.keys]
    return all(is_blank(v) or isinstance(v, str) for v in vals)
