"""The rubric as data: load a TOML rubric file, check it, and expose it as frozen dataclasses.

The shipped rubric is ``jiangsu.toml`` beside this module (package data). Loading checks everything
at once (points add up, ids unique, every input a known field, every method known) and raises
:class:`RubricError` listing every problem with its line in the file.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from jsscore.problems import os_reason

FIELD_TYPES = ("text", "region", "bool", "int", "number", "pct", "enum")
PARAM_TYPES = ("decimal", "int", "pct", "choice")
DERIVED_KINDS = ("ratio", "share_true", "min")


class RubricError(Exception):
    """A rubric file that cannot be used; ``problems`` holds every reason (Chinese, with line)."""

    def __init__(self, source: str, problems: list[str], unreadable: bool = False):
        self.source = source
        self.problems = problems
        self.unreadable = unreadable  # the file could not be read at all (missing, no permission)
        super().__init__(f"评分规则文件 {source} 有 {len(problems)} 处问题：\n" + "\n".join(problems))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    group: str
    unit: str = ""
    required: bool = True
    min: Decimal | None = None
    max: Decimal | None = None
    max_field: str | None = None
    max_param: str | None = None
    choices: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    type: str
    default: Any  # Decimal for decimal/pct, str for choice
    min: Decimal | None = None
    max: Decimal | None = None
    min_exclusive: Decimal | None = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Derived:
    key: str
    label: str
    kind: str
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    num_scale: str = "1"
    den_scale: str = "1"
    fields: tuple[str, ...] = ()

    def inputs(self) -> tuple[str, ...]:
        return self.numerator + self.denominator + self.fields


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    max: Decimal
    method: str
    category: str
    work_item: str
    spec: dict = field(default_factory=dict, hash=False, compare=False)

    def inputs(self, rubric: Rubric) -> tuple[str, ...]:
        """The raw field keys this item reads (directly or through a derived ratio)."""
        keys: list[str] = []
        if "field" in self.spec:
            keys.append(self.spec["field"])
        keys += list(self.spec.get("fields", ()))
        if "derived" in self.spec and self.spec["derived"] in rubric.derived:
            keys += list(rubric.derived[self.spec["derived"]].inputs())
        return tuple(dict.fromkeys(keys))


@dataclass(frozen=True)
class WorkItem:
    name: str
    max: Decimal
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    max: Decimal
    work_items: tuple[WorkItem, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for w in self.work_items for i in w.items)


@dataclass(frozen=True)
class Check:
    kind: str
    fields: tuple[str, ...]
    min: Decimal
    label: str


@dataclass(frozen=True)
class Rubric:
    id: str
    version: str
    title: str
    total: Decimal
    sha256: str
    source: str
    regions: dict[str, tuple[str, ...]]  # region → cities in fixed order
    fields: dict[str, Field]
    parameters: dict[str, Parameter]
    derived: dict[str, Derived]
    categories: tuple[Category, ...]
    checks: tuple[Check, ...]
    text: str = field(repr=False, default="")

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for c in self.categories for i in c.items)

    @property
    def city_order(self) -> tuple[str, ...]:
        return tuple(c for cities in self.regions.values() for c in cities)

    def city_region(self) -> dict[str, str]:
        return {c: r for r, cities in self.regions.items() for c in cities}

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.parameters.items()}

    @property
    def labels(self) -> dict[str, str]:
        """field key → its Chinese label."""
        return {k: f.label for k, f in self.fields.items()}

    def feeds(self) -> dict[str, list[str]]:
        """field key → ids of the items it feeds."""
        out: dict[str, list[str]] = {k: [] for k in self.fields}
        for it in self.items:
            for k in it.inputs(self):
                out.setdefault(k, []).append(it.id)
        return out


def _dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return None


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the ``nth`` occurrence (0 = first) of ``needle``; 0 when absent."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.find(needle, idx + 1)
        if idx < 0:
            return 0
    return text.count("\n", 0, idx) + 1


def default_path() -> Path:
    return Path(str(resources.files("jsscore.rubric").joinpath("jiangsu.toml")))


def load(path: str | Path | None = None) -> Rubric:
    """Load and check a rubric file (the shipped one when ``path`` is None)."""
    p = Path(path) if path else default_path()
    source = str(p)
    try:
        raw_bytes = p.read_bytes()
    except OSError as e:
        raise RubricError(source, [f"无法读取文件：{os_reason(e)}"], unreadable=True) from None
    try:
        text = raw_bytes.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise RubricError(source, ["文件不是 UTF-8 编码的文本"]) from None
    except tomllib.TOMLDecodeError as e:
        # tomllib puts the position in its (English) message: "… (at line 5, column 3)"
        m = re.search(r"at line (\d+), column (\d+)", str(e))
        where = f"第 {m.group(1)} 行第 {m.group(2)} 列：" if m else ""
        raise RubricError(source, [f"{where}TOML 格式错误（请检查该处的引号、等号、方括号和逗号是否成对、是否完整）"]) from None
    return _build(data, text, source, hashlib.sha256(raw_bytes).hexdigest())


def _build(data: dict, text: str, source: str, sha: str) -> Rubric:
    from jsscore import methods  # local: methods imports nothing from here at module level

    probs: list[str] = []

    def bad(needle: str, msg: str, nth: int = 0) -> None:
        line = _line_of(text, needle, nth) if needle else 0
        probs.append(f"第 {line} 行：{msg}" if line else msg)

    head = data.get("rubric", {})
    for k in ("id", "version", "title", "total"):
        if k not in head:
            bad("[rubric]", f"[rubric] 缺少 {k}")

    regions: dict[str, tuple[str, ...]] = {}
    for r in data.get("regions", []):
        name, cities = r.get("name"), r.get("cities")
        if not name or not isinstance(cities, list) or not cities:
            bad("[[regions]]", "[[regions]] 需要 name 和非空的 cities 列表")
            continue
        regions[name] = tuple(cities)
    seen_cities: set[str] = set()
    for c in (c for cs in regions.values() for c in cs):
        if c in seen_cities:
            bad(f'"{c}"', f"设区市 {c} 出现在多个区域中")
        seen_cities.add(c)

    fields: dict[str, Field] = {}
    seen_fields: list[str] = []
    for f in data.get("fields", []):
        key = f.get("key")
        if not key:
            bad("[[fields]]", "[[fields]] 缺少 key")
            continue
        # a repeated key is reported at its own occurrence, not at the first one
        nth = seen_fields.count(key)
        seen_fields.append(key)
        if key in fields:
            bad(f'key = "{key}"', f"字段 {key} 重复定义", nth)
        if f.get("type") not in FIELD_TYPES:
            bad(f'key = "{key}"', f"字段 {key} 的类型 {f.get('type')!r} 未知（可用：{'、'.join(FIELD_TYPES)}）", nth)
        if f.get("type") == "enum" and not f.get("choices"):
            bad(f'key = "{key}"', f"枚举字段 {key} 缺少 choices", nth)
        fields[key] = Field(
            key=key, label=f.get("label", key), type=f.get("type", "text"), group=f.get("group", ""),
            unit=f.get("unit", ""), required=bool(f.get("required", True)), min=_dec(f.get("min")),
            max=_dec(f.get("max")), max_field=f.get("max_field"), max_param=f.get("max_param"),
            choices=tuple(f.get("choices", ())), note=f.get("note", ""),
        )
    for k in ("city", "region"):
        if k not in fields:
            bad("", f"数据字典缺少必需字段 {k}")

    params: dict[str, Parameter] = {}
    seen_params: list[str] = []
    for p in data.get("parameters", []):
        key = p.get("key")
        if not key:
            bad("[[parameters]]", "[[parameters]] 缺少 key")
            continue
        nth = seen_params.count(key)
        seen_params.append(key)
        if key in params:
            bad(f'key = "{key}"', f"参数 {key} 重复定义", nth)
        ptype = p.get("type")
        if ptype not in PARAM_TYPES:
            bad(f'key = "{key}"', f"参数 {key} 的类型 {ptype!r} 未知", nth)
        default: Any = p.get("default")
        if ptype in ("decimal", "int", "pct"):
            default = _dec(default)
            if default is None:
                bad(f'key = "{key}"', f"参数 {key} 的默认值不是数字", nth)
            elif ptype == "int" and default != default.to_integral_value():
                bad(f'key = "{key}"', f"参数 {key} 的默认值须为整数", nth)
            else:  # the default must be a value --param would accept
                lo, hi, gt = _dec(p.get("min")), _dec(p.get("max")), _dec(p.get("min_exclusive"))
                if (lo is not None and default < lo) or (hi is not None and default > hi) or \
                        (gt is not None and default <= gt) or (ptype == "pct" and not 0 <= default <= 1):
                    bad(f'key = "{key}"', f"参数 {key} 的默认值 {default} 超出它自己的取值范围", nth)
        elif ptype == "choice" and default not in p.get("choices", []):
            bad(f'key = "{key}"', f"参数 {key} 的默认值 {default!r} 不在可选值中", nth)
        params[key] = Parameter(
            key=key, label=p.get("label", key), type=ptype or "decimal", default=default,
            min=_dec(p.get("min")), max=_dec(p.get("max")), min_exclusive=_dec(p.get("min_exclusive")),
            choices=tuple(p.get("choices", ())), choice_labels=tuple(p.get("choice_labels", ())),
        )
    if "rank_method" not in params:
        bad("", "缺少参数 rank_method")

    for f in fields.values():
        if f.max_field and f.max_field not in fields:
            bad(f'max_field = "{f.max_field}"', f"字段 {f.key} 的 max_field {f.max_field} 不是已知字段")
        if f.max_param and f.max_param not in params:
            bad(f'max_param = "{f.max_param}"', f"字段 {f.key} 的 max_param {f.max_param} 不是已知参数")

    derived: dict[str, Derived] = {}
    seen_derived: list[str] = []
    for d in data.get("derived", []):
        key = d.get("key")
        if not key:
            bad("[[derived]]", "[[derived]] 缺少 key")
            continue
        nth = seen_derived.count(key)
        seen_derived.append(key)
        if key in derived:
            bad(f'key = "{key}"', f"派生指标 {key} 重复定义", nth)
        kind = d.get("kind")
        if kind not in DERIVED_KINDS:
            bad(f'key = "{key}"', f"派生指标 {key} 的 kind {kind!r} 未知（可用：{'、'.join(DERIVED_KINDS)}）", nth)
        dv = Derived(
            key=key, label=d.get("label", key), kind=kind or "ratio",
            numerator=tuple(d.get("numerator", ())), denominator=tuple(d.get("denominator", ())),
            num_scale=str(d.get("num_scale", "1")), den_scale=str(d.get("den_scale", "1")),
            fields=tuple(d.get("fields", ())),
        )
        for k in dv.inputs():
            if k not in fields:
                bad(f'"{k}"', f"派生指标 {key} 引用了未知字段 {k}")
        for s in (dv.num_scale, dv.den_scale):
            if _dec(s) is None and s not in params:
                bad(f'"{s}"', f"派生指标 {key} 的系数 {s} 既不是数字也不是参数")
        if kind == "ratio" and not (dv.numerator and dv.denominator):
            bad(f'key = "{key}"', f"派生指标 {key} 需要 numerator 和 denominator", nth)
        if kind in ("share_true", "min") and not dv.fields:
            bad(f'key = "{key}"', f"派生指标 {key} 需要 fields", nth)
        derived[key] = dv

    checks: list[Check] = []
    for c in data.get("checks", []):
        if c.get("kind") != "sum_at_least":
            bad("[[checks]]", f"校验规则 kind {c.get('kind')!r} 未知（可用：sum_at_least）")
            continue
        for k in c.get("fields", []):
            if k not in fields:
                bad(f'"{k}"', f"校验规则引用了未知字段 {k}")
        checks.append(Check("sum_at_least", tuple(c.get("fields", ())), _dec(c.get("min")) or Decimal(0),
                            c.get("label", "")))

    cats: list[Category] = []
    ids: set[str] = set()
    seen_ids: list[str] = []
    proto = Rubric(id="", version="", title="", total=Decimal(0), sha256="", source=source, regions=regions,
                   fields=fields, parameters=params, derived=derived, categories=(), checks=())
    for c in data.get("categories", []):
        cname = c.get("name", "?")
        cmax = _dec(c.get("max"))
        wis: list[WorkItem] = []
        for w in c.get("work_items", []):
            wname = w.get("name", "?")
            items: list[Item] = []
            for it in w.get("items", []):
                iid = str(it.get("id", ""))
                if not iid:
                    bad(f'name = "{wname}"', f"{cname}/{wname} 下有评分项缺少 id")
                    continue
                # problems of a repeated id point at that occurrence, not the first one
                nth = seen_ids.count(iid)
                seen_ids.append(iid)
                if iid in ids:
                    bad(f'id = "{iid}"', f"评分项 id {iid} 重复", nth)
                ids.add(iid)
                imax = _dec(it.get("max"))
                if imax is None or imax < 0:
                    bad(f'id = "{iid}"', f"评分项 {iid} 的分值 max 缺失或为负", nth)
                    imax = Decimal(0)
                spec = {k: v for k, v in it.items() if k not in ("id", "name", "max", "method")}
                item = Item(id=iid, name=it.get("name", iid), max=imax, method=it.get("method", ""),
                            category=cname, work_item=wname, spec=spec)
                for msg in methods.check_item(item, proto):
                    bad(f'id = "{iid}"', f"评分项 {iid}：{msg}", nth)
                items.append(item)
            wmax = _dec(w.get("max"))
            wsum = sum((i.max for i in items), Decimal(0))
            if wmax is None or wmax != wsum:
                bad(f'name = "{wname}"', f"工作项目 {cname}/{wname} 的分值 {wmax} 与其评分项之和 {wsum} 不符")
            wis.append(WorkItem(wname, wmax or wsum, tuple(items)))
        csum = sum((w.max for w in wis), Decimal(0))
        if cmax is None or cmax != csum:
            bad(f'name = "{cname}"', f"工作分类 {cname} 的分值 {cmax} 与其工作项目之和 {csum} 不符")
        cats.append(Category(str(c.get("id", len(cats) + 1)), cname, cmax or csum, tuple(wis)))
    total = _dec(head.get("total")) or Decimal(0)
    all_sum = sum((c.max for c in cats), Decimal(0))
    if total != all_sum:
        bad("total", f"总分 {total} 与各工作分类之和 {all_sum} 不符")
    if not cats:
        bad("", "没有任何工作分类 [[categories]]")
    if probs:
        raise RubricError(source, probs)
    return Rubric(
        id=str(head["id"]), version=str(head["version"]), title=str(head["title"]), total=total, sha256=sha,
        source=source, regions=regions, fields=fields, parameters=params, derived=derived,
        categories=tuple(cats), checks=tuple(checks), text=text,
    )

