"""From input paths to validated city records: read every file, parse every cell, check every rule,
and collect every problem at once (never stop at the first).

``gather(paths, rubric, params)`` is the one entry point used by ``score``, ``validate`` and
``explain``. Fatal conditions raise :class:`~jsscore.problems.InputError`; everything else is a
:class:`~jsscore.problems.Problem` in ``Intake.problems``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsscore import problems as P
from jsscore.engine import CityRecord
from jsscore.methods import fmt_num
from jsscore.readers import files, layout, values
from jsscore.rubric import Rubric

INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv")


@dataclass
class Intake:
    records: list[CityRecord]
    problems: list[P.Problem]
    inputs: list[tuple[str, str]]  # (path, sha256)
    meta: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[P.Problem]:
        return [p for p in self.problems if p.severity == P.ERROR]

    @property
    def warnings(self) -> list[P.Problem]:
        return [p for p in self.problems if p.severity == P.WARNING]


def expand(paths: list[Path]) -> list[Path]:
    """Files named, plus every spreadsheet/CSV in folders named (lock files and hidden files skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() in INPUT_SUFFIXES
                           and not q.name.startswith(("~$", ".")))
            if not found:
                raise P.InputError(f"文件夹 {p} 中没有可读取的填报文件（{' / '.join(INPUT_SUFFIXES)}）")
            out += found
        elif p.name.startswith("~$") and len(paths) > 1:
            continue  # an Excel/WPS lock file caught by a wildcard (score *.xlsx) among real files
        else:
            out.append(p)
    seen: set[Path] = set()
    uniq = []
    for p in out:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            uniq.append(p)
    return uniq


Progress = Callable[[str, int, int], None]  # (what is being done, in Chinese; done; out of)


def gather(paths: list[Path], rubric: Rubric, params: dict[str, Any], *, allow_missing: bool = False,
           require_all: bool = False, keep_going: bool = False, progress: Progress | None = None) -> Intake:
    """Read, parse and check every input. An unreadable file raises InputError naming every such file,
    unless ``keep_going`` (validate): then each is an ``unreadable_file`` problem and the rest is checked.
    ``progress`` is told how far reading (files) and checking (units) have got."""
    say = progress or _silent
    lookup = layout.header_lookup(rubric)
    at = _Stake(rubric)
    raws: list[layout.RawRecord] = []
    probs: list[P.Problem] = []
    inputs: list[tuple[str, str]] = []
    sources: dict[str, files.Source] = {}
    meta: dict = {}
    named = {p.resolve() for p in paths if not p.is_dir()}
    unreadable: list[str] = []
    found = expand(paths)
    for done, path in enumerate(found):
        say(f"正在读取 {path.name}", done, len(found))
        try:
            src = files.open_source(path)
            if src.meta.get("jsscore_output"):
                # a result/feedback workbook jsscore wrote (e.g. into the returns folder): never input data
                if path.resolve() in named:
                    raise P.InputError(f"{path.name} 是 jsscore 生成的结果文件，不是填报数据；请选择各市报送的填报表。")
                probs.append(P.make("skipped_output", file=path.name))
                continue
            file_raws, file_probs = _sheets(src, path, rubric, lookup, at)
        except P.InputError as e:  # keep going: every unreadable file is named at once
            unreadable.append(str(e))
            probs.append(P.make("unreadable_file", file=path.name, reason=str(e)))
            continue
        inputs.append((str(path), src.sha256))
        sources[path.name] = src
        meta.update(src.meta)
        probs += _template_version(src, rubric) + file_probs
        raws += file_raws
    if unreadable and not keep_going:
        raise P.InputError("\n".join(unreadable) if len(unreadable) == 1 else
                           f"{len(unreadable)} 个文件无法读取：\n" + "\n".join(f"· {u}" for u in unreadable))
    records, more = _build(raws, rubric, params, allow_missing, sources, at, say)
    probs += more
    if not raws:
        probs.append(P.make("no_records", file="、".join(Path(p).name for p, _ in inputs)))
    present = {r.city for r in records}
    for c in rubric.city_order if raws else ():  # with no data at all, one error says it all
        if c not in present:
            code = "city_not_returned_required" if require_all else "city_not_returned"
            probs.append(P.make(code, city=c))
    probs += _outliers(records, rubric)
    return Intake(records, probs, inputs, meta)


class _Stake:
    """Attaches to a problem the items its field feeds and the points at stake."""

    def __init__(self, rubric: Rubric):
        self.feeds = rubric.feeds()
        self.max = {i.id: i.max for i in rubric.items}

    def __call__(self, p: P.Problem, key: str) -> P.Problem:
        ids = tuple(self.feeds.get(key, ()))
        if not ids:
            return p
        pts = sum((self.max[i] for i in ids), Decimal(0))
        return P.Problem(p.code, p.message, p.file, p.sheet, p.cell, p.city, p.field, p.value, ids,
                         fmt_num(pts), p.extra)


def _sheets(src: files.Source, path: Path, rubric: Rubric, lookup: dict[str, str],
            at: _Stake) -> tuple[list[layout.RawRecord], list[P.Problem]]:
    """The raw records of every sheet that carries field keys (InputError when none does)."""
    raws: list[layout.RawRecord] = []
    probs: list[P.Problem] = []
    found = False
    for sheet in sorted(src.sheets, key=lambda s: s.hidden):  # visible sheets first
        lay = layout.detect(sheet, rubric, lookup)
        if lay is None:
            continue
        sheet_raws = layout.records(sheet, lay, path.name)
        if sheet.hidden:
            if found and not sheet_raws:
                continue  # a hidden helper sheet (field keys, no figures) beside the visible data
            probs.append(P.make("hidden_data", file=path.name, sheet=sheet.name, what=f"数据所在的工作表“{sheet.name}”"))
        found = True
        hidden = sheet.hidden_cols if lay.orientation == "wide" else sheet.hidden_rows
        for i in sorted(hidden.intersection(lay.keys)):  # a field's whole row/column hidden from the filler
            key = lay.keys[i][0]
            where = f" {layout.col_letter(i)} 列" if lay.orientation == "wide" else f"第 {i + 1} 行"
            label = rubric.fields[key].label if key in rubric.fields else key
            probs.append(P.make("hidden_data", file=path.name, sheet=sheet.name, field=key,
                                what=f"填报项目“{label}”所在的{where}"))
        for key in lay.missing:
            probs.append(at(P.make("missing_column", file=path.name, sheet=sheet.name, field=key,
                                   label=rubric.fields[key].label), key))
        raws += sheet_raws
    if not found:
        raise P.InputError(
            f"{path.name} 中没有找到填报数据：需要一行或一列字段代码（如 city、leading_group、city_it_staff），"
            "请使用 jsscore template 生成的模板，或第一行为字段代码、每个设区市一行的表格。")
    return raws, probs


def _template_version(src: files.Source, rubric: Rubric) -> list[P.Problem]:
    """A form made by an older template or for another rubric version: say which, and what to do."""
    from jsscore.report.template import TEMPLATE_VERSION

    m = src.meta
    if "jsscore_template_version" not in m:
        return []
    got = f"规则 {m.get('jsscore_rubric_id', '?')} {m.get('jsscore_rubric_version', '?')}、模板第 {m.get('jsscore_template_version')} 版"
    expected = f"规则 {rubric.id} {rubric.version}、模板第 {TEMPLATE_VERSION} 版"
    if (str(m.get("jsscore_template_version")) != TEMPLATE_VERSION or m.get("jsscore_rubric_id") != rubric.id
            or str(m.get("jsscore_rubric_version")) != rubric.version):
        return [P.make("template_outdated", file=src.path.name, got=got, expected=expected)]
    return []


def canonical_city(raw: Any, rubric: Rubric) -> str:
    s = values.squeeze(values.shown(raw))
    table = rubric.city_region()
    if s in table:
        return s
    if s + "市" in table:
        return s + "市"
    return s


def _silent(what: str, done: int, total: int) -> None:
    pass


def _build(raws: list[layout.RawRecord], rubric: Rubric, params: dict[str, Any], allow_missing: bool,
           sources: dict[str, files.Source], at: _Stake,
           say: Progress = _silent) -> tuple[list[CityRecord], list[P.Problem]]:
    probs: list[P.Problem] = []
    table = rubric.city_region()
    regions = set(rubric.regions)

    # cells that read blank in xlsx files: were they formulas without a cached value?
    blanks: dict[tuple[str, str], set[str]] = {}
    for rr in raws:
        if sources.get(rr.file) and sources[rr.file].kind == "xlsx":
            for key, raw, _, _ in rr.figures():
                if values.is_blank(raw):
                    blanks.setdefault((rr.file, rr.sheet), set()).add(rr.cells[key])
    formulas: dict[tuple[str, str, str], str] = {}
    merged: dict[tuple[str, str, str], str] = {}
    for (fname, sheet), cells in blanks.items():
        for cell, text in files.formula_texts(sources[fname].data, sheet, cells).items():
            formulas[(fname, sheet, cell)] = text
        for cell, ref in files.merged_ranges(sources[fname].data, sheet, cells).items():
            merged[(fname, sheet, cell)] = ref

    records: list[CityRecord] = []
    where: dict[str, list[tuple[layout.RawRecord, CityRecord]]] = {}
    unlisted: list[tuple[str, str, layout.RawRecord]] = []  # units outside the city table, with a region
    for n, rr in enumerate(raws):
        if n % 512 == 0:
            say("正在校验", n, len(raws))
        city = canonical_city(rr.city_raw, rubric) if not values.is_blank(rr.city_raw) else ""
        loc = dict(file=rr.file, sheet=rr.sheet)
        if not city:
            probs.append(P.make("city_missing_name", cell=rr.city_cell, **loc))
            continue
        if values.is_error_value(rr.city_raw):  # a formula's error where the name should be: not a city
            probs.append(P.make("excel_error", cell=rr.city_cell, field="city", value=city, **loc))
            continue
        rec_probs: list[P.Problem] = []
        if rr.hidden:
            rec_probs.append(P.make("hidden_data", cell=rr.city_cell, city=city, what=f"{city}的数据所在的{' ' * rr.hidden[0].isascii()}{rr.hidden}", **loc))
        vals: dict[str, Any] = {}
        fields = rubric.fields
        for key, raw, pct_cell, pts in rr.figures():
            f = fields[key]
            if key == "region" and values.is_blank(raw):
                continue
            parsed = values.parse(f, raw, percent_cell=pct_cell, percent_points=pts)
            if parsed.error or parsed.warning:
                cell = rr.cells[key]
                ploc = dict(cell=cell, city=city, field=key, label=f.label, **loc,
                            value=None if raw is None else values.shown(raw))
            if parsed.error:
                code, kw = parsed.error
                if code == "missing_value":
                    ftext = formulas.get((rr.file, rr.sheet, cell))
                    if ftext:
                        rec_probs.append(at(P.make("formula_no_value", **{**ploc, "value": ftext}), key))
                        continue
                    mref = merged.get((rr.file, rr.sheet, cell))
                    if mref:
                        rec_probs.append(at(P.make("merged_cell", **{**ploc, "ref": mref}), key))
                        continue
                    if allow_missing:
                        rec_probs.append(at(P.make("missing_scored_zero", **ploc), key))
                        vals[key] = None
                        continue
                rec_probs.append(at(P.make(code, **{**ploc, **kw}), key))
                continue
            if parsed.warning:
                code, kw = parsed.warning
                rec_probs.append(at(P.make(code, **{**ploc, **kw}), key))
            vals[key] = parsed.value
        # region: from the table unless the input gives one
        given = vals.pop("region", None)
        region = table.get(city)
        if given is not None:
            if given not in regions:
                rec_probs.append(P.make("bad_region", cell=rr.cells["region"], city=city, field="region",
                                        value=given, **loc))
                given = None
            elif region and given != region:
                rec_probs.append(P.make("region_differs", cell=rr.cells["region"], city=city, field="region",
                                        value=given, expected=region, **loc))
            region = given or region
            if city not in table and region:
                unlisted.append((city, region, rr))
        if region is None:
            rec_probs.append(P.make("unknown_city", cell=rr.city_cell, city=city, field="city", value=city, **loc))
            region = ""
        for key in rubric.fields:
            if key not in vals and key not in ("city", "region") and not rr.has(key):
                vals.setdefault(key, None)  # missing column: already an error; keep the record shape
        rec_probs += [at(p, p.field) for p in _cross_checks(rubric, params, city, vals, rr, loc)]
        probs += rec_probs
        rec = CityRecord(city, region, vals, rr.cells, rr.file, rr.sheet)
        rr.release()
        where.setdefault(city, []).append((rr, rec))
    if unlisted:
        probs.append(_unlisted(unlisted, rubric))
    for city, group in where.items():
        first_rr, first = group[0]
        for rr, rec in group[1:]:
            diff = [k for k in rubric.fields if k not in ("city",) and first.values.get(k) != rec.values.get(k)]
            places = f"{_place(first_rr)}、{_place(rr)}"
            if diff:
                labels = "、".join(rubric.fields[k].label for k in diff[:8]) + ("等" if len(diff) > 8 else "")
                probs.append(P.make("duplicate_city", city=city, file=rr.file, sheet=rr.sheet, cell=rr.city_cell,
                                    where=places, fields=labels))
            else:
                probs.append(P.make("duplicate_identical", city=city, file=rr.file, sheet=rr.sheet,
                                    cell=rr.city_cell, where=places))
        records.append(first)
    return records, probs


def _unlisted(units: list[tuple[str, str, layout.RawRecord]], rubric: Rubric, shown: int = 10) -> P.Problem:
    """One warning for every unit scored under a name outside the rubric's city table (accepted with an
    explicit region, RUBRIC.md): a typo (南景) or a changed header is named with its place and the
    listed names nearest to it; a run of thousands of test units is summed up in one line, not thousands."""
    import difflib

    short = {c.removesuffix("市"): c for c in rubric.city_order}  # 南景 is one character from 南京

    def near(name: str) -> str:
        name = name.removesuffix("市")
        score = {m: difflib.SequenceMatcher(None, name, m).ratio() for m in short}
        best = max(score.values())
        if best < 0.5:
            return ""
        # every listed name as close as the closest (南景: 南京 and 南通 alike)
        return f"，是否应为 {'或'.join(short[m] for m, r in score.items() if r == best)}？"

    first: dict[str, tuple[str, layout.RawRecord]] = {}  # the same name in two files is one name
    for c, r, rr in units:
        first.setdefault(c, (r, rr))
    parts = [f"“{c}”（{r}，{_place(rr)}{near(c)}）" for c, (r, rr) in list(first.items())[:shown]]
    what = "、".join(parts) + (f"等 {len(first)} 个名称" if len(first) > shown else "")
    if len(units) == 1:
        c, _, rr = units[0]
        return P.make("unlisted_city", file=rr.file, sheet=rr.sheet, cell=rr.city_cell, city=c, field="city",
                      value=c, what=what)
    return P.make("unlisted_city", what=what)


def _place(rr: layout.RawRecord) -> str:
    return f"{rr.file} {rr.sheet + '!' if rr.sheet else ''}{rr.city_cell}"


def _cross_checks(rubric: Rubric, params: dict[str, Any], city: str, vals: dict[str, Any],
                  rr: layout.RawRecord, loc: dict) -> list[P.Problem]:
    out: list[P.Problem] = []
    for key, f in rubric.fields.items():
        v = vals.get(key)
        if not isinstance(v, Decimal) or f.type == "pct":
            continue
        if not ((f.min is not None and v < f.min) or (f.max is not None and v > f.max)
                or (f.max_param and v > Decimal(params[f.max_param]))
                or (f.max_field and isinstance(vals.get(f.max_field), Decimal) and v > vals[f.max_field])):
            continue  # the common case: nothing to report, nothing to format
        cell = rr.cells.get(key, "")
        base = dict(cell=cell, city=city, field=key, value=fmt_num(v), label=f.label, **loc)
        if f.min is not None and v < f.min:
            out.append(P.make("below_min", limit=values.shown(f.min), **base))
        elif f.max is not None and v > f.max:
            out.append(P.make("above_max", limit=values.shown(f.max), **base))
        elif f.max_param and v > Decimal(params[f.max_param]):
            out.append(P.make("above_max", limit=values.shown(Decimal(params[f.max_param])), **base))
        elif f.max_field and isinstance(vals.get(f.max_field), Decimal) and v > vals[f.max_field]:
            other = rubric.fields[f.max_field]
            ocell = rr.cells.get(f.max_field, "")
            if ocell and rr.sheet:
                ocell = f"{rr.sheet}!{ocell}"
            out.append(P.make("exceeds_field", limit=values.shown(vals[f.max_field]), other_label=other.label,
                              other_cell=ocell, **base))
    for chk in rubric.checks:
        vs = [vals.get(k) for k in chk.fields]
        if all(isinstance(v, Decimal) for v in vs) and sum(vs) < chk.min:
            cell = rr.cells.get(chk.fields[0], "")
            out.append(P.make("sum_too_small", cell=cell, city=city, field=chk.fields[0], value=values.shown(sum(vs)),
                              label=chk.label, limit=values.shown(chk.min), **loc))
    return out


def _outliers(records: list[CityRecord], rubric: Rubric) -> list[P.Problem]:
    """Figures 1000× away from the median of the others (a 人/万人 or 元/万元 slip) are warnings."""
    out: list[P.Problem] = []
    if len(records) < 5:
        return out
    for key, f in rubric.fields.items():
        if f.type not in ("int", "number") or not f.unit or f.unit in ("个", "分"):
            continue
        xs = [r.values.get(key) for r in records if isinstance(r.values.get(key), Decimal)]
        pos = [x for x in xs if x > 0]
        if len(pos) < 5:
            continue
        med = statistics.median(pos)
        for r in records:
            v = r.values.get(key)
            if isinstance(v, Decimal) and v > 0 and (v > med * 1000 or v * 1000 < med):
                out.append(P.make("outlier", city=r.city, field=key, cell=r.cells.get(key, ""), sheet=r.sheet, file=r.source,
                                  value=values.shown(v), label=f.label, median=values.shown(med)))
    return out
