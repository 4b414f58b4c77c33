"""The pure core: figures + rubric + parameters → item scores per city → categories → total → rank.

No I/O here, and no import of openpyxl, rich or typer. Figures arrive already parsed (bool, Decimal,
str); ratios are exact Fractions; item scores are rounded half-up to two places; a category is the
sum of its rounded items and the total the sum of the categories (RUBRIC.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jsscore import methods
from jsscore.rubric import Rubric


@dataclass(frozen=True)
class CityRecord:
    """One city's figures as read. ``cells`` maps a field key to where it came from (``sheet!A1``)."""

    city: str
    region: str
    values: dict[str, Any]
    cells: dict[str, str] = field(default_factory=dict)  # field key → A1 cell in ``sheet``
    source: str = ""
    sheet: str = ""

    def where(self, key: str) -> str:
        """Where a figure came from: ``sheet!A1`` (``A1`` for a CSV); "" when unknown."""
        cell = self.cells.get(key, "")
        return f"{self.sheet}!{cell}" if cell and self.sheet else cell


@dataclass(frozen=True, slots=True)
class ItemScore:
    id: str
    score: Decimal
    max: Decimal
    reason: str | None

    @property
    def lost(self) -> Decimal:
        return self.max - self.score


@dataclass
class CityResult:
    city: str
    region: str
    items: dict[str, ItemScore]
    categories: dict[str, Decimal]
    total: Decimal
    derived: dict[str, Fraction | None]
    record: CityRecord
    rank: int = 0
    ctx: methods.Context | None = field(default=None, repr=False, compare=False)

    def rule(self, item_id: str) -> str:
        """The rule of an item in Chinese, with this run's parameters and the city's region filled in
        (built on demand: a run of 100 000 units never needs 3.6 million rule texts)."""
        item = next(i for i in self.ctx.rubric.items if i.id == item_id)
        return methods.score_item(item, self.ctx).rule


class ParamError(ValueError):
    """A bad ``--param`` (unknown key or bad value); the message is Chinese."""


def parse_params(rubric: Rubric, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """Defaults of the rubric with ``key=value`` overrides applied; raises ParamError listing all problems."""
    params = rubric.defaults()
    errors: list[str] = []
    for text in overrides:
        key, sep, raw = text.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            errors.append(f"参数写法应为 键=值，收到 {text!r}")
            continue
        p = rubric.parameters.get(key)
        if p is None:
            errors.append(f"未知参数 {key}（可用：{'、'.join(rubric.parameters)}）")
            continue
        try:
            params[key] = param_of(p, raw)
        except ParamError as e:
            errors.append(f"参数 {key}={raw}：{e}")
    if errors:
        raise ParamError("\n".join(errors))
    return params


PARAM_RANGE = (Decimal("0.000001"), Decimal("1000000000"))  # magnitudes a parameter may take


def param_of(p, raw: str) -> Any:
    """One parameter's value from its text (0.95, 95%, dense …); ParamError when it is not one."""
    if p.type == "choice":
        if raw not in p.choices:
            raise ParamError(f"可选值为 {'、'.join(p.choices)}")
        return raw
    s = raw.replace("％", "%")
    try:
        if s.endswith("%"):
            if p.type != "pct":
                raise ParamError("此参数不是百分比")
            v = Decimal(s[:-1]) / 100
        else:
            v = Decimal(s)
    except InvalidOperation:
        raise ParamError("不是数字") from None
    if not v.is_finite():
        raise ParamError("不是数字")
    if v and not PARAM_RANGE[0] <= abs(v) <= PARAM_RANGE[1]:  # 1e400 would overflow exact arithmetic later
        raise ParamError(f"数值超出合理范围（绝对值应在 {PARAM_RANGE[0]:f}～{PARAM_RANGE[1]:f} 之间）")
    if p.type == "pct" and v > 1:
        raise ParamError("百分比请写成 0.95 或 95%")
    if p.type == "int" and v != v.to_integral_value():
        raise ParamError("须为整数")
    if p.min is not None and v < p.min:
        raise ParamError(f"不能小于 {p.min}")
    if p.max is not None and v > p.max:
        raise ParamError(f"不能大于 {p.max}")
    if p.min_exclusive is not None and v <= p.min_exclusive:
        raise ParamError(f"必须大于 {p.min_exclusive}")
    return v


def compute_derived(rubric: Rubric, values: dict[str, Any], params: dict[str, Any]) -> dict[str, Fraction | None]:
    """Every derived ratio of the rubric as an exact Fraction.

    None when undefined (a zero denominator); the key is absent when one of its figures is missing.
    """
    out: dict[str, Fraction | None] = {}
    for d in rubric.derived.values():
        if any(values.get(k) is None for k in d.inputs()):
            continue  # a missing figure (--allow-missing): absent, unlike None (a zero denominator)
        if d.kind == "ratio":
            # sums of figures are exact in Decimal (integers and short decimals); the ratio is built
            # from their integer ratios with one Fraction (one gcd) instead of five
            nn, nd = sum((_dec(values[k]) for k in d.numerator), Decimal(0)).as_integer_ratio()
            dn, dd = sum((_dec(values[k]) for k in d.denominator), Decimal(0)).as_integer_ratio()
            ns, ds = methods.param_value(d.num_scale, params), methods.param_value(d.den_scale, params)
            top = nn * dd * ns.numerator * ds.denominator
            bottom = nd * dn * ns.denominator * ds.numerator
            out[d.key] = None if bottom == 0 else (_ONE if top == bottom else Fraction(top, bottom))
        elif d.kind == "share_true":
            out[d.key] = _share(sum(1 for k in d.fields if values[k]), len(d.fields))
        elif d.kind == "min":
            out[d.key] = Fraction(min(_dec(values[k]) for k in d.fields))
    return out


def _dec(v: Any) -> Decimal:
    return Decimal(int(v)) if isinstance(v, bool) else v


_Q2 = Decimal("0.01")
_ONE = Fraction(1)  # the most common ratio (every network connected, every county staffed): shared
_ZERO2 = Decimal("0.00")


@functools.lru_cache(maxsize=256)
def _share(k: int, n: int) -> Fraction:
    return Fraction(k, n)


_SHARED: dict[Decimal, Decimal] = {}


def _shared(x: Decimal) -> Decimal:
    """One object per 2-place score value (0.00 … 100.00 repeat across 100 000 units). Every key has
    exponent -2, so equal keys print alike (1.00 is never swapped for 1)."""
    if not x:
        return _ZERO2  # never a -0.00 that every later zero would be shared with
    hit = _SHARED.get(x)
    if hit is None:
        if len(_SHARED) >= 200_000:
            return x
        hit = _SHARED[x] = x
    return hit


_FULL: dict[int, tuple[Rubric, dict[str, ItemScore]]] = {}


def _full_marks(rubric: Rubric) -> dict[str, ItemScore]:
    """One full-marks ItemScore per item of a rubric (the rubric is kept with its table, so its id
    cannot be reused by another rubric while the entry exists)."""
    hit = _FULL.get(id(rubric))
    if hit is None or hit[0] is not rubric:
        if len(_FULL) > 16:
            _FULL.clear()
        hit = _FULL[id(rubric)] = (rubric, {it.id: ItemScore(it.id, it.max.quantize(_Q2), it.max, None)
                                            for it in rubric.items})
    return hit[1]


def score_city(rubric: Rubric, rec: CityRecord, params: dict[str, Any]) -> CityResult:
    derived = compute_derived(rubric, rec.values, params)
    ctx = methods.Context(values=rec.values, derived=derived, params=params, region=rec.region, rubric=rubric)
    items: dict[str, ItemScore] = {}
    cats: dict[str, Decimal] = {}
    full = _full_marks(rubric)
    for cat in rubric.categories:
        subtotal = Decimal("0.00")
        for it in cat.items:
            o = methods.score_item(it, ctx)
            sc = o.score
            if isinstance(sc, Decimal):  # exact already: clamp and show 2 places
                s = (it.max if sc > it.max else (_ZERO2 if sc < 0 else sc)).quantize(_Q2)
            else:
                s = methods.round_half_up(min(max(sc, methods.ZERO), methods.frac(it.max)))
            # full marks look the same for every city: one shared object per item
            items[it.id] = full[it.id] if s == it.max else ItemScore(it.id, _shared(s), it.max, o.reason)
            subtotal += s
        cats[cat.name] = _shared(subtotal)
    total = _shared(sum(cats.values(), Decimal("0.00")))
    return CityResult(rec.city, rec.region, items, cats, total, derived, rec, ctx=ctx)


def rank(results: list[CityResult], rubric: Rubric, method: str = "competition") -> list[CityResult]:
    """Sort highest total first; ties share a rank and are listed in the rubric's fixed city order
    (units outside the table after them, by name, so the input's row order never matters)."""
    order = {c: i for i, c in enumerate(rubric.city_order)}
    ordered = sorted(
        enumerate(results), key=lambda p: (-p[1].total, order.get(p[1].city, len(order)), p[1].city, p[0])
    )
    out = [r for _, r in ordered]
    prev, competition, dense = None, 0, 0
    for i, r in enumerate(out):
        if r.total != prev:
            competition, dense, prev = i + 1, dense + 1, r.total
        r.rank = dense if method == "dense" else competition
    return out


def score_all(rubric: Rubric, records: list[CityRecord], params: dict[str, Any],
              tick: Callable[[int], None] | None = None) -> list[CityResult]:
    """Score and rank every city (``tick(n)``: n more units scored, for a progress bar)."""
    results = []
    for i, r in enumerate(records, 1):
        results.append(score_city(rubric, r, params))
        if tick is not None and i % 256 == 0:
            tick(256)
    if tick is not None:
        tick(len(records) % 256)
    return rank(results, rubric, str(params.get("rank_method", "competition")))
