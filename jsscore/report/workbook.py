"""The ranked, explained workbook (XlsxWriter: streaming, fast, native charts and formats).

Every text that came from an input is written with ``write_string`` — never ``write`` — so a city
name or remark beginning with ``=``, ``+``, ``-`` or ``@`` stays text and never becomes a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from jsscore.methods import fmt_num
from jsscore.report import Report, band
from jsscore.report.safe import atomic_path

SHEETS = ("排名汇总", "分项得分", "扣分明细", "得分率", "派生指标", "填报数据", "问题清单", "规则与参数")

CHART_MAX = 50  # units drawn in a chart (ranked first); the sheets hold them all
MAX_ROWS = 1_048_575  # Excel's last row (0-based); the rest goes to the JSON
BAND_COLOURS = {"优秀": "#C6EFCE", "良好": "#DDEBF7", "合格": "#FFF2CC", "待改进": "#F8CBAD"}


def _f(x: Decimal | Fraction | None) -> float | None:
    if x is None:
        return None
    if isinstance(x, Fraction):
        return x.numerator / x.denominator
    return float(x)


class _Book:
    def __init__(self, path: Path, tick: Callable[[int], None] | None = None):
        import xlsxwriter  # lazy: `jsscore --help` must not import it

        self._tick = tick

        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False, "constant_memory": True})
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.base = base
        fmt = self.wb.add_format
        self.title = fmt({**base, "bold": True, "font_size": 14})
        self.note = fmt({**base, "font_color": "#595959"})
        self.head = fmt({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                         "text_wrap": True, "align": "center"})
        self.head_small = fmt({**base, "font_size": 8, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                               "valign": "top"})
        self.text = fmt({**base, "border": 1})
        self.wrap = fmt({**base, "border": 1, "text_wrap": True})
        self.center = fmt({**base, "border": 1, "align": "center"})
        self.score = fmt({**base, "border": 1, "num_format": "0.00"})
        self.pct = fmt({**base, "border": 1, "num_format": "0.00%"})
        self.int = fmt({**base, "border": 1, "num_format": "0"})
        self.num = fmt({**base, "border": 1, "num_format": "General"})
        self.bands = {k: fmt({**base, "border": 1, "num_format": "0.00", "bg_color": c, "bold": True})
                      for k, c in BAND_COLOURS.items()}
        self.band_text = {k: fmt({**base, "border": 1, "bg_color": c}) for k, c in BAND_COLOURS.items()}
        self.lost = fmt({**base, "border": 1, "num_format": "0.00", "bg_color": "#FCE4D6"})
        self.red = fmt({"bg_color": "#F8CBAD"})

    def units(self, results: list) -> Iterator:
        """The results, reporting progress (every 256 units) to the caller's progress bar, if any."""
        tick = self._tick
        if tick is None:
            yield from results
            return
        for i, r in enumerate(results, 1):
            yield r
            if i % 256 == 0:
                tick(256)
        tick(len(results) % 256)

    def sheet(self, name: str):
        ws = self.wb.add_worksheet(name)
        ws.hide_gridlines(2)
        # printable as it is: A4 landscape, all columns on one page width
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        return ws

    def header(self, ws, row: int, cols: list[str], widths: list[float] | None = None) -> None:
        for c, h in enumerate(cols):
            ws.write_string(row, c, h, self.head)
        for c, w in enumerate(widths or []):
            ws.set_column(c, c, w)
        ws.freeze_panes(row + 1, 0)
        ws.repeat_rows(row)  # the header on every printed page

    def value(self, ws, r: int, c: int, v: Any, fmt=None) -> None:
        """Write any value safely: text is always a string cell."""
        fmt = fmt or self.text
        if v is None:
            ws.write_blank(r, c, None, fmt)
        elif isinstance(v, bool):
            ws.write_string(r, c, "是" if v else "否", fmt)
        elif isinstance(v, (int, float, Decimal, Fraction)):
            ws.write_number(r, c, _f(v) if not isinstance(v, (int, float)) else v, fmt)
        else:
            ws.write_string(r, c, str(v)[:32767], fmt)


def passes(report: Report, per_city: bool = False) -> int:
    """How many units ``write`` reports to ``tick``: one pass over the results per sheet that has a row
    (or a sheet) per unit."""
    n = 6 + (report.previous is not None) + per_city
    return n * len(report.results)


def write(report: Report, path: Path, per_city: bool = False, tick: Callable[[int], None] | None = None) -> None:
    """Write the ranked workbook to ``path`` atomically (``per_city``: one printable sheet per city);
    ``tick(n)`` is told of progress, ``passes()`` units in all."""
    with atomic_path(path) as tmp:
        b = _Book(tmp, tick)
        _summary(b, report)
        _items(b, report)
        _deductions(b, report)
        _category_rates(b, report)
        _derived(b, report)
        _figures(b, report)
        if report.previous is not None:
            _year_over_year(b, report)
        _problems(b, report)
        _rules(b, report)
        if per_city:
            for r in b.units(report.results):
                _city_sheet(b, report, r)
        b.wb.set_properties({"title": f"{report.rubric.title} 评分结果", "comments": f"jsscore {report.version}"})
        b.wb.set_custom_property("jsscore_output", "result")
        b.wb.close()


def _summary(b: _Book, rep: Report) -> None:
    rb = rep.rubric
    ws = b.sheet("排名汇总")
    ws.write_string(0, 0, f"{rb.title} — 排名汇总", b.title)
    ws.write_string(1, 0, f"规则版本 {rb.version}；生成时间 {rep.generated_at}；共 {len(rep.results)} 个设区市", b.note)
    cols = ["名次", "设区市", "区域", f"总分({fmt_num(rb.total)})"] + [f"{c.name}({fmt_num(c.max)})" for c in rb.categories]
    cols += ["失分", "等级"]
    prev = rep.previous
    if prev is not None:
        cols += ["上年名次", "名次变化", "上年总分", "总分变化"]
    b.header(ws, 3, cols, [6, 12, 8, 11] + [12] * len(rb.categories) + [8, 8, 9, 9, 9, 9])
    ws.set_row(3, 30)
    for i, r in enumerate(b.units(rep.results)):
        row = 4 + i
        bd = band(r.total, rb.total)
        ws.write_number(row, 0, r.rank, b.center)
        b.value(ws, row, 1, r.city, b.band_text[bd])
        b.value(ws, row, 2, r.region, b.center)
        ws.write_number(row, 3, float(r.total), b.bands[bd])
        for j, c in enumerate(rb.categories):
            v = r.categories[c.name]
            ws.write_number(row, 4 + j, float(v), b.score if v == c.max else b.lost)
        k = 4 + len(rb.categories)
        ws.write_number(row, k, float(rb.total - r.total), b.score)
        ws.write_string(row, k + 1, bd, b.band_text[bd])
        if prev is not None:
            p = prev.get(r.city)
            if p is None:
                ws.write_string(row, k + 2, "—", b.center)
                ws.write_string(row, k + 3, "新", b.center)
            else:
                ws.write_number(row, k + 2, p["rank"], b.center)
                ws.write_string(row, k + 3, _arrow(p["rank"] - r.rank), b.center)
                ws.write_number(row, k + 4, float(p["total"]), b.score)
                ws.write_number(row, k + 5, float(r.total - p["total"]), b.score)
    last = 4 + len(rep.results)
    ws.write_string(last + 1, 0, "等级：优秀 ≥90% 满分；良好 ≥80%；合格 ≥60%；待改进 <60%。浅红底色的分类有失分，详见“扣分明细”。", b.note)
    ws.activate()
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if rep.results:
        _chart(b, ws, rep, last + 3)


def _top(rep: Report, n: int) -> str:
    return f"（前 {n} 名，共 {len(rep.results)} 个）" if n < len(rep.results) else ""


def _arrow(delta: int) -> str:
    return f"↑{delta}" if delta > 0 else (f"↓{-delta}" if delta < 0 else "—")


def _chart(b: _Book, ws, rep: Report, row: int) -> None:
    rb = rep.rubric
    n = min(len(rep.results), CHART_MAX)  # a bar per unit is unreadable past a few dozen: the top ones
    ch = b.wb.add_chart({"type": "bar", "subtype": "stacked"})
    for j in range(len(rb.categories)):
        ch.add_series({
            "name": ["排名汇总", 3, 4 + j],
            "categories": ["排名汇总", 4, 1, 3 + n, 1],
            "values": ["排名汇总", 4, 4 + j, 3 + n, 4 + j],
        })
    ch.set_title({"name": "各设区市得分（按分类堆积）" + _top(rep, n)})
    ch.set_y_axis({"reverse": True})
    ch.set_x_axis({"min": 0, "max": float(rb.total)})
    ch.set_legend({"position": "bottom"})
    ch.set_size({"width": 900, "height": max(320, 26 * n + 120)})
    ws.insert_chart(row, 0, ch)


def _items(b: _Book, rep: Report) -> None:
    """Every item × every city: one row per city (scales to any number of units), items as columns
    under their id, name and maximum."""
    rb = rep.rubric
    ws = b.sheet("分项得分")
    items = rb.items
    first = 4  # column of the first item
    for c, h in enumerate(["名次", "设区市", "区域", "总分"] + [it.id for it in items]):
        ws.write_string(0, c, h, b.head)
    for c in range(first):
        ws.write_blank(1, c, None, b.head)
    for j, it in enumerate(items):
        ws.write_string(1, first + j, it.name, b.head_small)
    ws.write_string(2, 1, "满分", b.center)
    ws.write_number(2, 3, float(rb.total), b.score)
    for j, it in enumerate(items):
        ws.write_number(2, first + j, float(it.max), b.score)
    ws.set_row(1, 96)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 5)
    ws.set_column(3, 3, 8)
    ws.set_column(first, first + len(items) - 1, 7.5)
    ws.freeze_panes(3, first)
    for i, r in enumerate(b.units(rep.results)):
        row = 3 + i
        ws.write_number(row, 0, r.rank, b.center)
        b.value(ws, row, 1, r.city)
        b.value(ws, row, 2, r.region, b.center)
        ws.write_number(row, 3, float(r.total), b.bands[band(r.total, rb.total)])
        for j, it in enumerate(items):
            s_ = r.items[it.id]
            ws.write_number(row, first + j, float(s_.score), b.score if s_.score == s_.max else b.lost)
    if rep.results:
        last = 2 + len(rep.results)
        for j in range(len(items)):  # per item: its own 0..max range
            ws.conditional_format(3, first + j, last, first + j, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "mid_type": "percentile", "mid_value": 50,
                "max_type": "num", "max_value": float(items[j].max),
                "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B"})


def _deductions(b: _Book, rep: Report) -> None:
    ws = b.sheet("扣分明细")
    b.header(ws, 0, ["名次", "设区市", "编号", "评分项", "满分", "得分", "失分", "原因"], [6, 10, 8, 36, 6, 7, 7, 60])
    row = 1
    names = {i.id: i.name for i in rep.rubric.items}
    for r in b.units(rep.results):
        if row >= MAX_ROWS:
            ws.write_string(row, 0, "（已达 Excel 行数上限，其余失分明细见 --json 输出）", b.note)
            break
        ws_num, ws_str = ws.write_number, ws.write_string  # hot loop: one row per lost item
        for s in r.items.values():
            if s.score < s.max and row < MAX_ROWS:
                ws_num(row, 0, r.rank, b.center)
                ws_str(row, 1, r.city, b.text)
                ws_str(row, 2, s.id, b.center)
                ws_str(row, 3, names[s.id], b.wrap)
                ws_num(row, 4, float(s.max), b.score)
                ws_num(row, 5, float(s.score), b.score)
                ws_num(row, 6, float(s.lost), b.lost)
                ws_str(row, 7, s.reason or "", b.wrap)
                row += 1
    if row > 1:
        ws.autofilter(0, 0, row - 1, 7)


def _derived(b: _Book, rep: Report) -> None:
    rb = rep.rubric
    ws = b.sheet("派生指标")
    ds = list(rb.derived.values())
    b.header(ws, 0, ["设区市", "区域"] + [d.label for d in ds], [10, 6] + [13] * len(ds))
    ws.set_row(0, 45)
    for i, r in enumerate(b.units(rep.results)):
        b.value(ws, 1 + i, 0, r.city)
        b.value(ws, 1 + i, 1, r.region, b.center)
        for j, d in enumerate(ds):
            v = r.derived.get(d.key)
            if v is None:
                ws.write_string(1 + i, 2 + j, "无法计算", b.center)
            else:
                ws.write_number(1 + i, 2 + j, _f(v), b.pct)
    ws.write_string(len(rep.results) + 2, 0, "“无法计算”：分母为 0（如城镇参保人数为 0）或数据缺失。", b.note)


def _figures(b: _Book, rep: Report) -> None:
    rb = rep.rubric
    ws = b.sheet("填报数据")
    fields = [f for f in rb.fields.values()]
    for c, f in enumerate(fields):
        ws.write_string(0, c, f.key, b.note)
    b.header(ws, 1, [f.label + (f"({f.unit})" if f.unit and f.unit != "个" else "") for f in fields] + ["来源文件"],
             [10] + [12] * len(fields) + [24])
    ws.set_row(1, 60)
    ws.freeze_panes(2, 1)
    for i, r in enumerate(b.units(rep.results)):
        row = 2 + i
        for c, f in enumerate(fields):
            if f.key == "city":
                b.value(ws, row, c, r.city)
            elif f.key == "region":
                b.value(ws, row, c, r.region, b.center)
            else:
                v = r.record.values.get(f.key)
                fmt = b.pct if f.type == "pct" else (b.int if f.type == "int" else (b.center if f.type == "bool" else b.num))
                b.value(ws, row, c, v, fmt)
        b.value(ws, row, len(fields), r.record.source)


def _problems(b: _Book, rep: Report) -> None:
    ws = b.sheet("问题清单")
    b.header(ws, 0, ["级别", "问题代码", "问题", "文件", "单元格", "设区市", "填报项目", "字段代码", "填写值", "涉及评分项",
                     "说明"], [6, 18, 14, 22, 12, 9, 24, 18, 14, 14, 60])
    labels = rep.rubric.labels
    if not rep.problems:
        ws.write_string(1, 0, "没有发现问题。", b.note)
    for i, p in enumerate(rep.problems):
        row = 1 + i
        if row >= MAX_ROWS:
            ws.write_string(row, 0, "（已达 Excel 行数上限，其余问题见 --json 输出）", b.note)
            break
        vals = ["错误" if p.severity == "error" else "提醒", p.code, p.title, p.file, p.where, p.city,
                labels.get(p.field, ""), p.field, "" if p.value is None else str(p.value), "、".join(p.items), p.message]
        for c, v in enumerate(vals):
            b.value(ws, row, c, v, b.wrap if c == 10 else b.text)


def _param_shown(p, v):
    """A parameter's value for the sheet: a number, or a choice by its Chinese label (竞争排名…)."""
    if isinstance(v, Decimal):
        return float(v)
    labels = dict(zip(p.choices, p.choice_labels, strict=False))
    return labels.get(v, v)


def _rules(b: _Book, rep: Report) -> None:
    rb = rep.rubric
    ws = b.sheet("规则与参数")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 4, 16)
    ws.set_column(5, 5, 70)
    ws.write_string(0, 0, "评分规则与参数", b.title)
    info = [("规则", rb.title), ("规则标识", rb.id), ("规则版本", rb.version), ("规则文件 SHA-256", rb.sha256),
            ("jsscore 版本", rep.version), ("生成时间", rep.generated_at)]
    row = 2
    for k, v in info:
        b.value(ws, row, 0, k, b.head)
        b.value(ws, row, 1, v)
        row += 1
    row += 1
    b.header(ws, row, ["输入文件", "SHA-256"])
    ws.freeze_panes(0, 0)
    for p, h in rep.inputs:
        row += 1
        b.value(ws, row, 0, Path(p).name)
        b.value(ws, row, 1, h)
    row += 2
    for c, h in enumerate(["参数", "说明", "本次取值", "默认值", "是否调整"]):
        ws.write_string(row, c, h, b.head)
    for key, p in rb.parameters.items():
        row += 1
        v = rep.params.get(key)
        b.value(ws, row, 0, key)
        b.value(ws, row, 1, p.label)
        b.value(ws, row, 2, _param_shown(p, v), b.num)
        b.value(ws, row, 3, _param_shown(p, p.default), b.num)
        b.value(ws, row, 4, "已调整" if v != p.default else "", b.center)
    row += 2
    for c, h in enumerate(["编号", "评分项", "工作分类", "工作项目", "满分", "规则（按本次参数）"]):
        ws.write_string(row, c, h, b.head)
    from jsscore import methods

    ctx = methods.Context({}, {}, rep.params, "", rb)  # the rule as stated for every city (no figures)
    for it in rb.items:
        row += 1
        b.value(ws, row, 0, it.id, b.center)
        b.value(ws, row, 1, it.name, b.wrap)
        b.value(ws, row, 2, it.category)
        b.value(ws, row, 3, it.work_item)
        ws.write_number(row, 4, float(it.max), b.score)
        b.value(ws, row, 5, methods.score_item(it, ctx).rule, b.wrap)


def _category_rates(b: _Book, rep: Report) -> None:
    """Each category's score rate (score / maximum) by city, with a clustered column chart."""
    rb = rep.rubric
    ws = b.sheet("得分率")
    cats = list(rb.categories)
    b.header(ws, 0, ["设区市"] + [f"{c.name}得分率" for c in cats], [10] + [13] * len(cats))
    for i, r in enumerate(b.units(rep.results)):
        b.value(ws, 1 + i, 0, r.city)
        for j, c in enumerate(cats):
            ws.write_number(1 + i, 1 + j, float(r.categories[c.name] / c.max), b.pct)
    n = len(rep.results)
    if not n:
        return
    ws.conditional_format(1, 1, n, len(cats), {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True,
                                               "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
    n = min(n, CHART_MAX)
    ch = b.wb.add_chart({"type": "column"})
    for j in range(len(cats)):
        ch.add_series({"name": ["得分率", 0, 1 + j], "categories": ["得分率", 1, 0, n, 0],
                       "values": ["得分率", 1, 1 + j, n, 1 + j]})
    ch.set_title({"name": "各分类得分率（按设区市）" + _top(rep, n)})
    ch.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
    ch.set_legend({"position": "bottom"})
    ch.set_size({"width": 960, "height": 420})
    ws.insert_chart(len(rep.results) + 3, 0, ch)


def _year_over_year(b: _Book, rep: Report) -> None:
    """Item-by-item change against last year, and items that exist in only one of the two years."""
    from jsscore.history import compare_items

    prev = rep.previous
    ids = [i.id for i in rep.rubric.items]
    gone, new = compare_items(prev, ids)
    ws = b.sheet("同比变化")
    b.header(ws, 0, ["设区市", "名次", "上年名次", "名次变化", "总分", "上年总分", "总分变化"] + ids,
             [10, 6, 8, 8, 8, 8, 8] + [7] * len(ids))
    for i, r in enumerate(b.units(rep.results)):
        row = 1 + i
        p = prev.get(r.city)
        b.value(ws, row, 0, r.city)
        ws.write_number(row, 1, r.rank, b.center)
        ws.write_number(row, 4, float(r.total), b.score)
        if p is None:
            ws.write_string(row, 3, "新", b.center)
            continue
        ws.write_number(row, 2, p["rank"], b.center)
        ws.write_string(row, 3, _arrow(p["rank"] - r.rank), b.center)
        ws.write_number(row, 5, float(p["total"]), b.score)
        ws.write_number(row, 6, float(r.total - p["total"]), b.score)
        for j, iid in enumerate(ids):
            old = p["items"].get(iid)
            if old is not None:
                ws.write_number(row, 7 + j, float(r.items[iid].score - old), b.score)
    last = len(rep.results) + 2
    if rep.results:
        ws.conditional_format(1, 7, last - 2, 6 + len(ids), {"type": "3_color_scale", "min_color": "#F8696B",
                                                               "mid_color": "#FFFFFF", "max_color": "#63BE7B",
                                                               "mid_type": "num", "mid_value": 0})
    notes = ["评分项一栏为本年得分减上年得分；空白表示上年没有该项。"]
    if gone:
        notes.append(f"上年有、本年没有的评分项：{'、'.join(gone)}（未参与比较）。")
    if new:
        notes.append(f"本年新增的评分项：{'、'.join(new)}（上年没有，未参与比较）。")
    for k, t in enumerate(notes):
        ws.write_string(last + k, 0, t, b.note)


def _city_sheet(b: _Book, rep: Report, r) -> None:
    """One printable A4 sheet per city: header, category table with bars, deductions with reasons."""
    rb = rep.rubric
    name = r.city[:28]
    ws = b.sheet(name)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 4, 9)
    ws.set_column(5, 5, 48)
    ws.write_string(0, 0, f"{r.city}（{r.region}）考核得分报告", b.title)
    ws.write_string(1, 0, f"总分 {r.total:.2f} / {fmt_num(rb.total)}，第 {r.rank} 名（共 {len(rep.results)} 个设区市）；"
                          f"规则版本 {rb.version}", b.note)
    for c, h in enumerate(["编号", "工作分类", "满分", "得分", "得分率"]):
        ws.write_string(3, c, h, b.head)
    for j, c in enumerate(rb.categories):
        row = 4 + j
        ws.write_string(row, 0, c.id, b.center)
        ws.write_string(row, 1, c.name, b.text)
        ws.write_number(row, 2, float(c.max), b.score)
        ws.write_number(row, 3, float(r.categories[c.name]), b.score)
        ws.write_number(row, 4, float(r.categories[c.name] / c.max), b.pct)
    end = 4 + len(rb.categories)
    ws.conditional_format(4, 4, end - 1, 4, {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True,
                                             "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
    row = end + 1
    for c, h in enumerate(["编号", "评分项", "满分", "得分", "失分", "原因"]):
        ws.write_string(row, c, h, b.head)
    names = {i.id: i.name for i in rb.items}
    lost = [s for s in r.items.values() if s.lost > 0]
    if not lost:
        ws.write_string(row + 1, 0, "全部评分项均得满分。", b.note)
    for s in lost:
        row += 1
        # wrapped text does not grow a row by itself in LibreOffice/WPS print: size it (≈24 characters a line)
        lines = max(1, -(-len(s.reason or "") // 24), -(-len(names[s.id]) // 17))
        ws.set_row(row, 14 * lines + 2)
        ws.write_string(row, 0, s.id, b.center)
        ws.write_string(row, 1, names[s.id], b.wrap)
        ws.write_number(row, 2, float(s.max), b.score)
        ws.write_number(row, 3, float(s.score), b.score)
        ws.write_number(row, 4, float(s.lost), b.lost)
        b.value(ws, row, 5, s.reason or "", b.wrap)
    ws.print_area(0, 0, max(row, end), 5)
    ws.repeat_rows(0, 1)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_footer(f"&L{rb.id} {rb.version}&C第 &P 页，共 &N 页&R{r.city}")
