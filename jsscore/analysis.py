"""Analyses on top of the engine (pure, no I/O): what would close a gap, rubric lint, sensitivity sweeps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from jsscore import engine
from jsscore.engine import CityRecord, CityResult, ItemScore
from jsscore.methods import fmt_num
from jsscore.rubric import Rubric

# ------------------------------------------------------------------------------------------ gap


@dataclass(frozen=True)
class GapPlan:
    above: CityResult
    gap: Decimal  # points needed to pass (strictly more than the difference)
    items: tuple[ItemScore, ...]  # fewest items whose recovery passes the city above


def close_gap(results: list[CityResult], city: str) -> GapPlan | None:
    """The fewest lost items whose full recovery would lift ``city`` above the nearest city ranked higher.

    Greedy by largest loss gives the minimum number of items; None when the city is first or no set of
    its lost items is enough.
    """
    me = next(r for r in results if r.city == city)
    higher = [r for r in results if r.total > me.total]
    if not higher:
        return None
    above = min(higher, key=lambda r: r.total)
    need = above.total - me.total + Decimal("0.01")
    lost = sorted((s for s in me.items.values() if s.lost > 0), key=lambda s: (-s.lost, s.id))
    chosen: list[ItemScore] = []
    got = Decimal(0)
    for s in lost:
        if got >= need:
            break
        chosen.append(s)
        got += s.lost
    if got < need:
        return GapPlan(above, need, ())
    return GapPlan(above, need, tuple(chosen))


# ------------------------------------------------------------------------------------------ rubric lint


def lint(rubric: Rubric) -> list[str]:
    """Quirks a rubric can have even when its points add up (Chinese findings)."""
    out: list[str] = []
    for it in rubric.items:
        sp = it.spec
        if it.method == "deduct_missing":
            floor = it.max - Decimal(str(sp["deduct"])) * len(sp["fields"])
            if floor > 0:
                out.append(f"{it.id} {it.name}：{len(sp['fields'])} 项全部未完成仍得 {fmt_num(floor)} 分"
                           f"（满分 {fmt_num(it.max)}，每项扣 {sp['deduct']} 分）——最低可得分高于 0，请确认是否符合本意。")
        if it.method == "tiers":
            best = max(Decimal(str(v)) for v in sp["tiers"].values())
            if best < it.max:
                out.append(f"{it.id} {it.name}：最高档只得 {fmt_num(best)} 分，达不到满分 {fmt_num(it.max)}。")
        if it.method == "threshold":
            d = rubric.derived[sp["derived"]]
            target = sp["target"]
            t = Decimal(str(rubric.parameters[target].default)) if target in rubric.parameters else Decimal(str(target))
            bounded = d.kind in ("share_true", "min") or (d.kind == "ratio" and all(
                rubric.fields[n].max_field in d.denominator for n in d.numerator))
            if bounded and t > 1:
                out.append(f"{it.id} {it.name}：{d.label}最高为 100%，达标线 {fmt_num(t * 100)}% 无法达到。")
    used: set[str] = set()
    for it in rubric.items:
        for k in ("param", "target", "full", "deduct"):
            v = it.spec.get(k)
            if v is None:
                continue
            if it.spec.get("param_by_region") and k == "param":
                used |= {f"{v}.{r}" for r in rubric.regions}
            used.add(str(v))
    for d in rubric.derived.values():
        used |= {d.num_scale, d.den_scale}
    for f in rubric.fields.values():
        if f.max_param:
            used.add(f.max_param)
    used.add("rank_method")
    for k in rubric.parameters:
        if k not in used:
            out.append(f"参数 {k} 没有被任何评分项使用。")
    fed = {k for it in rubric.items for k in it.inputs(rubric)}
    for k, f in rubric.fields.items():
        if k not in ("city", "region") and k not in fed and not any(
                g.max_field == k for g in rubric.fields.values()):
            out.append(f"字段 {k}（{f.label}）没有被任何评分项使用。")
    return out


# ------------------------------------------------------------------------------------------ sensitivity


class VaryError(ValueError):
    """A bad --vary (Chinese message)."""


def parse_vary(rubric: Rubric, text: str) -> tuple[str, list[str]]:
    """``key=start:stop:step`` (inclusive) or ``key=v1,v2,v3`` → (key, values as text)."""
    key, sep, rng = text.partition("=")
    key = key.strip()
    if not sep or key not in rubric.parameters:
        raise VaryError(f"--vary 写法应为 参数=起:止:步长 或 参数=值1,值2，且参数须为已知参数；收到 {text!r}")
    p = rubric.parameters[key]
    if p.type == "choice":
        vals = [v.strip() for v in rng.split(",") if v.strip()]
        return key, vals or list(p.choices)
    if ":" in rng:
        def num(x: str) -> Decimal:  # 90% as 0.90 for a percentage parameter, as --param accepts
            x = x.strip().replace("％", "%")
            return Decimal(x[:-1]) / 100 if x.endswith("%") and p.type == "pct" else Decimal(x)

        try:
            a, b, s = (num(x) for x in rng.split(":"))
        except (InvalidOperation, ValueError):
            raise VaryError(f"--vary {key} 的范围应为 起:止:步长，如 0.90:1.00:0.01；收到 {rng!r}") from None
        if s <= 0 or b < a:
            raise VaryError(f"--vary {key}：步长须大于 0，且止值不小于起值")
        n = int((b - a) / s) + 1
        if n > 500:
            raise VaryError(f"--vary {key} 会产生 {n} 个取值，过多（上限 500）")
        return key, [str(a + s * i) for i in range(n)]
    vals = [v.strip() for v in rng.split(",") if v.strip()]
    if not vals:
        raise VaryError(f"--vary {key} 没有给出取值")
    seen: dict[Any, str] = {}  # 90%, 0.9 and 0.90 are one value: one scenario
    for v in vals:
        try:
            seen.setdefault(engine.param_of(p, v), v)
        except engine.ParamError:
            seen.setdefault(v, v)  # refused with its reason by the caller, which checks every value
    return key, list(seen.values())


@dataclass(frozen=True)
class Scenario:
    settings: tuple[tuple[str, str], ...]  # (param key, value text)
    results: dict[str, tuple[int, Decimal]]  # city → (rank, total)


def sweep(rubric: Rubric, records: list[CityRecord], base: list[str], varies: list[tuple[str, list[str]]],
          progress=None) -> list[Scenario]:
    """Score every combination of the varied parameters (on top of the ``base`` overrides)."""
    combos = list(itertools.product(*[[(k, v) for v in vals] for k, vals in varies]))
    if len(combos) > 2000:
        raise VaryError(f"参数组合共 {len(combos)} 种，过多（上限 2000），请缩小范围或加大步长")
    out = []
    for combo in combos:
        params = engine.parse_params(rubric, list(base) + [f"{k}={v}" for k, v in combo])
        res = engine.score_all(rubric, records, params)
        out.append(Scenario(tuple(combo), {r.city: (r.rank, r.total) for r in res}))
        if progress:
            progress()
    return out


def stability(scenarios: list[Scenario]) -> dict[str, dict[str, Any]]:
    """Per city: best and worst rank, spread, lowest and highest total across the scenarios."""
    out: dict[str, dict[str, Any]] = {}
    for s in scenarios:
        for city, (rank, total) in s.results.items():
            d = out.setdefault(city, {"best": rank, "worst": rank, "low": total, "high": total})
            d["best"], d["worst"] = min(d["best"], rank), max(d["worst"], rank)
            d["low"], d["high"] = min(d["low"], total), max(d["high"], total)
    for d in out.values():
        d["spread"] = d["worst"] - d["best"]
        d["verdict"] = "稳定" if d["spread"] == 0 else ("小幅变动" if d["spread"] <= 1 else "变动较大")
    return out
