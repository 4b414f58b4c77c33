"""Parse one cell into a typed figure per the data dictionary, or say exactly what is wrong with it.

Pure functions, no I/O. A parse gives ``Parsed(value, error, warning)`` where error/warning are
``(code, template-fill)`` pairs for :mod:`jsscore.problems`. Nothing here guesses silently: a value
that could mean two things is either refused or read with a warning that says how it was read.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from jsscore.rubric import Field

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "☑"}
NO = {"否", "无", "n", "no", "false", "0", "×", "✗", "✘", "☐"}

_NUM = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)(?:[eE][+-]?\d+)?")
_QUALIFIERS = ("左右", "大约", "约", "近", "余", "多", "以上", "以下", "上下", "~", "≈", "不到", "超过")
_CN_NUM = re.compile(r"^[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点.]+$")
_UNITS = ("万人", "千人", "人次", "人", "亿元", "万元", "千元", "元", "个", "家", "分", "%", "‰", "次")
_ERROR_VALUES = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!",
                 "#CALC!"}


def is_error_value(raw: Any) -> bool:
    """A cell showing an Excel error value (#DIV/0!, #N/A …)."""
    return isinstance(raw, str) and ("#" in raw or "＃" in raw) and clean(raw).upper() in _ERROR_VALUES


def clean(s: str) -> str:
    """Fold width (NFKC), drop zero-width characters and trim every kind of space."""
    return unicodedata.normalize("NFKC", s).translate(_INVISIBLE).strip()


def squeeze(s: str) -> str:
    """``clean`` and remove inner whitespace too (for names and labels)."""
    return re.sub(r"\s+", "", clean(s))


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if not isinstance(raw, str):
        return False
    if raw and not raw[0].isspace() and raw[0] not in _INVISIBLE_CHARS:
        return False  # a visible first character (the usual case): no normalising needed
    return clean(raw) == ""


def dec_of_number(v: float) -> Decimal:
    """A cell number as an exact Decimal of what the user sees (shortest repr, no binary noise)."""
    if isinstance(v, int):
        return Decimal(v)
    return Decimal(repr(v))


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    error: tuple[str, dict] | None = None
    warning: tuple[str, dict] | None = None


def _err(code: str, **kw: Any) -> Parsed:
    return Parsed(None, (code, kw))


_MISSING = Parsed(None, ("missing_value", {}))
_SMALL_N = 1000
_SMALL = [Parsed(Decimal(i)) for i in range(_SMALL_N)]  # shared readings of the whole numbers 0 … 999
_INF = float("inf")
_YES, _NO = Parsed(True), Parsed(False)
# exact spellings seen in almost every file, answered without normalising
_FAST: dict[str, dict[str, Parsed]] = {
    "bool": {**{s: _YES for s in ("是", "有", "Y", "y", "yes", "Yes", "YES", "TRUE", "true", "True", "1", "√", "✓")},
             **{s: _NO for s in ("否", "无", "N", "n", "no", "No", "NO", "FALSE", "false", "False", "0", "×", "✗")}},
}


def shown(raw: Any) -> str:
    """How a raw cell value is quoted back to the user."""
    if isinstance(raw, float):
        return format(dec_of_number(raw).normalize(), "f") if raw == raw and abs(raw) != float("inf") else str(raw)
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (_dt.datetime, _dt.date)):
        return raw.strftime("%Y-%m-%d")
    return str(raw)


def parse(f: Field, raw: Any, *, percent_cell: bool = False, percent_points: bool = False) -> Parsed:
    """Parse ``raw`` (a cell value: None, bool, int, float, str, datetime) for field ``f``.

    ``percent_cell``: the cell's number format shows a percentage (value is a fraction).
    ``percent_points``: the column header says its plain numbers are percent points.
    """
    # fast paths for the common, clean cells (most of a large input): no normalisation needed
    kind = f.type
    if raw is None:
        return _MISSING
    tr = type(raw)
    if tr is str:
        hit = _FAST.get(kind, {}).get(raw)
        if hit is not None:
            return hit
        if kind == "enum" and raw in f.choices:
            return Parsed(raw)
    elif tr is float and kind in ("int", "number") and raw == raw and raw not in (_INF, -_INF):
        if raw.is_integer() and 0 <= raw < _SMALL_N:
            return _SMALL[int(raw)]  # counts repeat across units: one object each
        if kind == "int" and raw.is_integer():
            return Parsed(Decimal(int(raw)))
        if kind == "number":
            return Parsed(dec_of_number(raw))
    elif tr is int and kind in ("int", "number"):
        return _SMALL[raw] if 0 <= raw < _SMALL_N else Parsed(Decimal(raw))
    if is_blank(raw):
        return _MISSING
    if is_error_value(raw):
        return _err("excel_error")
    if f.type == "bool":
        return _bool(raw)
    if f.type in ("enum", "region"):
        return _enum(f, raw)
    if f.type == "text":
        return Parsed(squeeze(str(raw)))
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return _err("date_value", value=shown(raw))
    if f.type == "pct":
        return _pct(raw, percent_cell, percent_points)
    p = _number(f, raw)
    if p.error:
        return p
    if f.type == "int" and p.value != p.value.to_integral_value():
        return _err("not_integer")
    if f.type == "int":
        return Parsed(p.value.quantize(Decimal(1)))
    return p


def _bool(raw: Any) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, (int, float)):
        if raw in (0, 1):
            return Parsed(bool(raw))
        return _err("bad_bool")
    s = clean(str(raw)).casefold()
    if s in YES:
        return Parsed(True)
    if s in NO:
        return Parsed(False)
    return _err("bad_bool")


def _enum(f: Field, raw: Any) -> Parsed:
    s = squeeze(shown(raw))
    choices = f.choices if f.type == "enum" else ()
    if f.type == "region" or s in choices:
        return Parsed(s)
    return _err("bad_enum", choices="/".join(choices))


def _number(f: Field, raw: Any) -> Parsed:
    if isinstance(raw, bool):
        return _err("not_a_number", unit_hint=_unit_hint(f))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
            return _err("not_a_number", unit_hint=_unit_hint(f))
        return Parsed(dec_of_number(raw))
    s = clean(str(raw))
    for q in _QUALIFIERS:
        if q in s and any(ch.isdigit() for ch in s):
            return _err("approximate", word=q)
    if _CN_NUM.match(s) and not any(ch.isdigit() for ch in s):
        return _err("chinese_numeral")
    m = _NUM.match(s)
    if not m:
        return _err("not_a_number", unit_hint=_unit_hint(f))
    rest = s[m.end():].strip()
    try:
        value = Decimal(m.group(0).replace(",", ""))
    except InvalidOperation:
        return _err("not_a_number", unit_hint=_unit_hint(f))
    if rest == "" or (f.unit and rest == f.unit):
        return Parsed(value)
    unit = next((u for u in _UNITS if rest == u), None)
    if unit:
        return _err("wrong_unit", unit=f.unit or "（无单位）", got=unit)
    return _err("not_a_number", unit_hint=_unit_hint(f))


def _unit_hint(f: Field) -> str:
    return f"（单位：{f.unit}）" if f.unit else ""


def _pct_shown(v: Decimal) -> str:
    return format((v * 100).normalize(), "f") + "%"


def _pct(raw: Any, percent_cell: bool, percent_points: bool) -> Parsed:
    warning = None
    if isinstance(raw, bool):
        return _err("not_a_number", unit_hint="（百分比）")
    if isinstance(raw, (int, float)):
        v = dec_of_number(raw)
        explicit = percent_cell
        text = shown(raw)
    else:
        s = clean(str(raw))
        text = s
        explicit = s.endswith("%")
        core = s[:-1].strip() if explicit else s
        m = _NUM.fullmatch(core)
        if not m:
            return _err("not_a_number", unit_hint="（百分比，如 96.9%）")
        v = Decimal(core.replace(",", ""))
        if explicit:
            v = v / 100
    if not explicit and v != 0:
        # A plain number: percent points when the header says so; otherwise 0..1 is read as a
        # fraction and 1..100 as points — never silently: the warning names the reading.
        if percent_points:
            v = v / 100
        else:
            if v > 100:
                return _err("pct_out_of_range", shown=_pct_shown(v / 100))
            if v > 1:
                v = v / 100
            warning = ("pct_guessed", {"shown": _pct_shown(v)})
    if v < 0 or v > 1:
        return _err("pct_out_of_range", shown=_pct_shown(v), value=text)
    return Parsed(v, None, warning)
