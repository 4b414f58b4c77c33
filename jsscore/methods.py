"""Scoring methods: small pure functions in a registry, looked up by the name a rubric item gives.

Every method has a checker (``check(item, rubric) -> [problem]``, run when the rubric loads) and a
scorer (``score(item, ctx) -> Outcome``). Scores are exact :class:`fractions.Fraction`; the engine
rounds them half-up to two places. A scorer never names an item id; it reads the item's ``spec``.

Reasons are Chinese sentences built from the figures that decided the score, e.g.
``网络覆盖率 93.10% 低于达标线 95%``; an item at full marks has no reason.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsscore.rubric import Item, Rubric


@dataclass(frozen=True)
class Context:
    """What a scorer may look at for one city: parsed figures, derived ratios, parameters."""

    values: dict[str, Any]  # field key → bool | Decimal | str (None when missing and allowed)
    derived: dict[str, Fraction | None]
    params: dict[str, Any]
    region: str
    rubric: Rubric


@dataclass(frozen=True)
class Outcome:
    score: Fraction | Decimal  # Decimal when exact without division; the engine rounds Fractions half-up
    reason: str | None  # Chinese; None when nothing was lost
    rule_text: Callable[[], str]  # the rule in Chinese with parameters filled in; built only when shown

    @property
    def rule(self) -> str:
        return self.rule_text()


# ---------------------------------------------------------------------------------------------
# formatting helpers (Chinese display of figures)


def fmt_num(x: Decimal | Fraction | int) -> str:
    """A figure without float noise: 15, 1253.68, 0.5."""
    if isinstance(x, Fraction):
        x = Decimal(x.numerator) / Decimal(x.denominator)
    d = Decimal(x)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def fmt_pct(x: Fraction | Decimal, against: Fraction | Decimal | None = None, places: int = 2) -> str:
    """A ratio as a percentage with ``places`` decimals; when it is below ``against`` but would print
    equal to it, more decimals are shown so a reader never sees "95.00% 低于 95%"."""
    fx = Fraction(x)
    for p in range(places, 9):
        s = _pct_str(fx, p)
        if against is None or fx >= Fraction(against) or s != _pct_str(Fraction(against), p):
            return s
    return s


def fmt_target(x: Fraction | Decimal) -> str:
    """A threshold as a short percentage: 95%, 100%, 97.5%."""
    v = Fraction(x) * 100
    d = Decimal(v.numerator) / Decimal(v.denominator)
    return fmt_num(d) + "%"


def _pct_str(x: Fraction, places: int) -> str:
    q = round_half_up(x * 100, places)
    return f"{q:.{places}f}%"


def round_half_up(x: Fraction, places: int = 2) -> Decimal:
    """Exact half-up rounding of a Fraction (integer arithmetic: no float, no intermediate rounding)."""
    scale = 10**places
    n, d = x.numerator * scale, x.denominator
    q = (2 * abs(n) + d) // (2 * d)  # floor(|x|·scale + 1/2)
    return Decimal(-q if n < 0 else q).scaleb(-places)


@functools.lru_cache(maxsize=4096)
def frac(x: Decimal | str | int) -> Fraction:
    """An exact Fraction of a rubric constant or parameter value (cached: they repeat for every city)."""
    return Fraction(Decimal(x) if isinstance(x, str) else x)


ZERO = Fraction(0)


def param_value(ref: str, params: dict[str, Any]) -> Fraction:
    """A number written in the rubric or the key of a parameter."""
    if ref in params:
        return frac(params[ref])
    return frac(ref)


# ---------------------------------------------------------------------------------------------
# registry

Checker = Callable[["Item", "Rubric"], list[str]]
Scorer = Callable[["Item", Context], Outcome]


@dataclass(frozen=True)
class Method:
    name: str
    title: str  # Chinese name of the method, shown by `rubric show`
    check: Checker
    score: Scorer


REGISTRY: dict[str, Method] = {}


def method(name: str, title: str, check: Checker):
    def deco(fn: Scorer) -> Scorer:
        REGISTRY[name] = Method(name, title, check, fn)
        return fn

    return deco


def check_item(item: Item, rubric: Rubric) -> list[str]:
    m = REGISTRY.get(item.method)
    if m is None:
        return [f"计分方法 {item.method!r} 未知（可用：{'、'.join(REGISTRY)}）"]
    return m.check(item, rubric)


def score_item(item: Item, ctx: Context) -> Outcome:
    return REGISTRY[item.method].score(item, ctx)


# ---------------------------------------------------------------------------------------------
# checkers


def _need_field(*types: str) -> Checker:
    def check(item: Item, rubric: Rubric) -> list[str]:
        k = item.spec.get("field")
        if not k:
            return ["缺少 field"]
        f = rubric.fields.get(k)
        if f is None:
            return [f"field {k} 不是已知字段"]
        if types and f.type not in types:
            return [f"field {k} 的类型是 {f.type}，此方法需要 {'/'.join(types)}"]
        return []

    return check


def _ref_ok(ref: Any, rubric: Rubric) -> bool:
    if ref is None:
        return False
    if str(ref) in rubric.parameters:
        return True
    try:
        Decimal(str(ref))
        return True
    except Exception:  # noqa: BLE001 - any non-number
        return False


def _check_at_least(item: Item, rubric: Rubric) -> list[str]:
    out = _need_field("int", "number")(item, rubric)
    p = item.spec.get("param")
    if item.spec.get("param_by_region"):
        missing = [r for r in rubric.regions if f"{p}.{r}" not in rubric.parameters]
        if missing:
            out.append(f"缺少按区域的参数 {', '.join(f'{p}.{r}' for r in missing)}")
    elif not _ref_ok(p, rubric):
        out.append(f"param {p!r} 既不是数字也不是参数")
    return out


def _check_derived(item: Item, rubric: Rubric) -> list[str]:
    d = item.spec.get("derived")
    if d not in rubric.derived:
        return [f"derived {d!r} 不是已定义的派生指标"]
    return []


def _check_threshold(item: Item, rubric: Rubric) -> list[str]:
    out = _check_derived(item, rubric)
    if not _ref_ok(item.spec.get("target"), rubric):
        out.append(f"target {item.spec.get('target')!r} 既不是数字也不是参数")
    if item.spec.get("if_undefined", "zero") not in ("zero", "full"):
        out.append("if_undefined 只能是 zero 或 full")
    return out


def _check_deduct(item: Item, rubric: Rubric) -> list[str]:
    out = []
    fs = item.spec.get("fields") or []
    if not fs:
        out.append("缺少 fields")
    for k in fs:
        if k not in rubric.fields:
            out.append(f"fields 中的 {k} 不是已知字段")
        elif rubric.fields[k].type != "bool":
            out.append(f"fields 中的 {k} 不是是/否字段")
    ref = item.spec.get("deduct")
    if not _ref_ok(ref, rubric):
        out.append("deduct 需要是数字")
    elif str(ref) not in rubric.parameters and Decimal(str(ref)) <= 0:
        out.append(f"deduct 须大于 0（收到 {ref}：每缺一项应扣分，不能加分）")
    return out


def _check_tiers(item: Item, rubric: Rubric) -> list[str]:
    out = _need_field("enum", "int")(item, rubric)
    tiers = item.spec.get("tiers")
    if not isinstance(tiers, dict) or not tiers:
        return out + ["缺少 tiers"]
    f = rubric.fields.get(item.spec.get("field", ""))
    for label, pts in tiers.items():
        if not _ref_ok(pts, rubric):
            out.append(f"tiers 中 {label} 的分值不是数字")
        elif Decimal(str(pts)) > item.max:
            out.append(f"tiers 中 {label} 的分值 {pts} 超过满分 {item.max}")
    if f is not None and f.type == "enum":
        missing = [c for c in f.choices if c not in tiers]
        if missing:
            out.append(f"tiers 未覆盖可选值 {'、'.join(missing)}")
    return out


def _check_converted(item: Item, rubric: Rubric) -> list[str]:
    out = _need_field("int", "number")(item, rubric)
    if not _ref_ok(item.spec.get("full"), rubric):
        out.append("full 既不是数字也不是参数")
    return out


# ---------------------------------------------------------------------------------------------
# scorers


def _label(ctx: Context, key: str) -> str:
    return ctx.rubric.fields[key].label


def _full(item: Item) -> Fraction:
    return frac(item.max)


DZERO = Decimal(0)


def param_dec(ref: str, params: dict[str, Any]) -> Decimal:
    """Like ``param_value`` but a Decimal (for the methods whose arithmetic never divides)."""
    v = params[ref] if ref in params else ref
    return v if isinstance(v, Decimal) else Decimal(str(v))


@functools.lru_cache(maxsize=256)
def _tier_table(item: Item) -> dict[str, Decimal]:
    return {str(lbl): Decimal(str(p)) for lbl, p in item.spec["tiers"].items()}


@method("binary", "是否判定", _need_field("bool"))
def binary(item: Item, ctx: Context) -> Outcome:
    k = item.spec["field"]
    v = ctx.values.get(k)
    def rule() -> str:
        return f"{_label(ctx, k)}：是得 {fmt_num(item.max)} 分，否不得分"
    if v:
        return Outcome(item.max, None, rule)
    return Outcome(DZERO, f"{_label(ctx, k)}：{'未填报（按否计）' if v is None else '否'}", rule)


@method("at_least", "数量达标", _check_at_least)
def at_least(item: Item, ctx: Context) -> Outcome:
    k = item.spec["field"]
    by_region = bool(item.spec.get("param_by_region"))
    unit = ctx.rubric.fields[k].unit
    if by_region and not ctx.region:  # the rule itself (rubric show, rules sheet): every region's minimum
        base = item.spec["param"]
        mins = "、".join(f"{r} {fmt_num(param_value(base + '.' + r, ctx.params))}{unit}" for r in ctx.rubric.regions)
        return Outcome(ZERO, None, lambda: f"{_label(ctx, k)}不少于（{mins}）得 {fmt_num(item.max)} 分，否则不得分")
    pkey = f"{item.spec['param']}.{ctx.region}" if by_region else item.spec["param"]
    need = param_dec(pkey, ctx.params)
    v = ctx.values.get(k)
    where = f"（{ctx.region}）" if by_region else ""
    def rule() -> str:
        return f"{_label(ctx, k)}不少于 {fmt_num(need)}{unit}{where}得 {fmt_num(item.max)} 分，否则不得分"
    if v is not None and v >= need:
        return Outcome(item.max, None, rule)
    shown = "未填报" if v is None else f"{fmt_num(v)}{unit}"
    return Outcome(DZERO, f"{_label(ctx, k)} {shown}，低于{ctx.region if by_region else ''}标准 {fmt_num(need)}{unit}", rule)


@method("threshold", "比率达标", _check_threshold)
def threshold(item: Item, ctx: Context) -> Outcome:
    d = ctx.rubric.derived[item.spec["derived"]]
    target = param_value(str(item.spec["target"]), ctx.params)
    ratio = ctx.derived.get(d.key)
    def rule() -> str:
        return f"{d.label}达到 {fmt_target(target)} 得 {fmt_num(item.max)} 分，否则不得分"
    if d.key not in ctx.derived:
        return Outcome(DZERO, f"{d.label}无法计算（数据未填报）", rule)
    if ratio is None:
        if item.spec.get("if_undefined", "zero") == "full":
            return Outcome(item.max, None, rule)
        return Outcome(DZERO, f"{d.label}无法计算（分母为 0 或数据缺失）", rule)
    if ratio >= target:
        return Outcome(item.max, None, rule)
    return Outcome(DZERO, f"{d.label} {fmt_pct(ratio, target)} 低于达标线 {fmt_target(target)}"
                   + _shortfall(d, ctx, target), rule)


def _shortfall(d, ctx: Context, target: Fraction) -> str:
    """For a ratio of figures: the numerator as filled and what the target requires, in its own unit."""
    if d.kind != "ratio":
        return ""
    num = sum((Fraction(ctx.values[k]) for k in d.numerator), ZERO)
    den = sum((Fraction(ctx.values[k]) for k in d.denominator), ZERO)
    need = target * den * param_value(d.den_scale, ctx.params) / param_value(d.num_scale, ctx.params)
    f = ctx.rubric.fields[d.numerator[0]]
    name = f.label if len(d.numerator) == 1 else "合计"
    unit = f.unit if f.unit != "个" else ""
    # the least value that meets the target: whole for counts (1518.1 sites → 1519), else to 4 places
    step = 1 if all(ctx.rubric.fields[k].type == "int" for k in d.numerator) else 10_000
    least = Fraction(math.ceil(need * step), step)
    return f"（{name} {fmt_num(num)}{unit}，达标需 {fmt_num(least)}{unit}）"


@method("proportional", "按比得分", _check_derived)
def proportional(item: Item, ctx: Context) -> Outcome:
    d = ctx.rubric.derived[item.spec["derived"]]
    ratio = ctx.derived.get(d.key)
    def rule() -> str:
        return f"{fmt_num(item.max)} 分 × {d.label}（按比得分）"
    if ratio is None:
        return Outcome(ZERO, f"{d.label}无法计算（分母为 0 或数据缺失）", rule)
    ratio = min(max(ratio, ZERO), Fraction(1))
    s = _full(item) * ratio
    if s == _full(item):
        return Outcome(s, None, rule)
    parts = _ratio_parts(d, ctx)
    return Outcome(s, f"{d.label} {parts}{fmt_pct(ratio)}，按比得 {fmt_num(round_half_up(s))} 分", rule)


def _ratio_parts(d, ctx: Context) -> str:
    if d.kind == "ratio" and len(d.numerator) == 1 and len(d.denominator) == 1:
        n, m = ctx.values.get(d.numerator[0]), ctx.values.get(d.denominator[0])
        if n is not None and m is not None:
            return f"{fmt_num(n)}/{fmt_num(m)} = "
    return ""


@method("deduct_missing", "缺项扣分（扣完为止）", _check_deduct)
def deduct_missing(item: Item, ctx: Context) -> Outcome:
    fs = item.spec["fields"]
    per = param_dec(str(item.spec["deduct"]), ctx.params)
    missing = [k for k in fs if not ctx.values.get(k)]
    def rule() -> str:
        return f"{fmt_num(item.max)} 分，{'、'.join(_label(ctx, k) for k in fs)}每缺一项扣 {fmt_num(per)} 分，扣完为止"
    s = max(DZERO, item.max - per * len(missing))
    if not missing:
        return Outcome(s, None, rule)
    names = "、".join(_label(ctx, k) for k in missing)
    taken = min(per * len(missing), item.max)
    return Outcome(s, f"缺 {len(missing)} 项（{names}），扣 {fmt_num(taken)} 分"
                   + ("（扣完为止）" if per * len(missing) > item.max else ""), rule)


@method("tiers", "分档得分", _check_tiers)
def tiers(item: Item, ctx: Context) -> Outcome:
    k = item.spec["field"]
    table = _tier_table(item)
    v = ctx.values.get(k)
    def rule() -> str:
        return "；".join(f"{lbl} 得 {fmt_num(p)} 分" for lbl, p in table.items())
    key = fmt_num(v) if isinstance(v, Decimal) else (v if v is not None else "")
    s = table.get(key, DZERO)
    if s >= item.max:
        return Outcome(item.max, None, rule)
    shown = "未填报" if v is None else key
    return Outcome(s, f"{_label(ctx, k)}：{shown}，得 {fmt_num(s)} 分（满分 {fmt_num(item.max)}）", rule)


@method("converted", "按考核分数折算", _check_converted)
def converted(item: Item, ctx: Context) -> Outcome:
    k = item.spec["field"]
    full = param_value(str(item.spec["full"]), ctx.params)
    v = ctx.values.get(k)
    def rule() -> str:
        return f"{fmt_num(item.max)} 分 × {_label(ctx, k)} / {fmt_num(full)}"
    if v is None:
        return Outcome(ZERO, f"{_label(ctx, k)}未填报", rule)
    s = min(_full(item), max(ZERO, _full(item) * Fraction(v) / full))
    if s == _full(item):
        return Outcome(s, None, rule)
    return Outcome(s, f"{_label(ctx, k)} {fmt_num(v)} 分（满分 {fmt_num(full)}），折算得 {round_half_up(s):.2f} 分", rule)
