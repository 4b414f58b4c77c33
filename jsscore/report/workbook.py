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
from jsscore.report import textfit as tf
from jsscore.report.safe import atomic_path

SHEETS = ("排名汇总", "分项得分", "扣分明细", "得分率", "派生指标", "填报数据", "问题清单", "规则与参数")

CHART_MAX = 50  # units drawn in a chart (ranked first); the sheets hold them all
CHART_W = 900  # pixels: the widest the 排名汇总 chart is drawn (no wider than the table above it)
ITEM_W = 7.5  # characters: an item's column in 分项得分
MAX_ROWS = 1_048_575  # Excel's last row (0-based); the rest goes to the JSON
BAND_COLOURS = {"优秀": "#C6EFCE", "良好": "#DDEBF7", "合格": "#FFF2CC", "待改进": "#F8CBAD"}
# A4 landscape at 100 %, XlsxWriter's default margins (0.7" sides, 0.75" top and bottom), in pixels at 96 dpi
PAGE_W_PX = (11.69 - 2 * 0.7) * 96
PAGE_H_PX = (8.27 - 2 * 0.75) * 96
# Column widths count characters of the workbook's default font, Calibri. Where it is missing (LibreOffice or
# WPS on Linux) a wider substitute such as DejaVu Sans makes every column up to a third wider.
FONT_SLACK = 1.33


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
        self.pct0 = fmt({**base, "border": 1, "num_format": "0%"})
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

    def sheet(self, name: str, keep_cols: int = 0):
        """A new sheet, printable as it is on A4 landscape: all columns on one page width; or, for a wide
        table (``keep_cols`` > 0), at full size across as many pages as needed with its first ``keep_cols``
        identifying columns repeated on each (squeezed onto one page width it would print unreadably small)."""
        ws = self.wb.add_worksheet(name)
        ws.hide_gridlines(2)
        ws.set_landscape()
        ws.set_paper(9)
        if keep_cols:
            ws.repeat_columns(0, keep_cols - 1)
        else:
            ws.fit_to_pages(1, 0)
        return ws

    def header(self, ws, row: int, cols: list[str], widths: list[float] | None = None) -> None:
        """The header row, tall enough for its longest wrapped heading, repeated on every printed page."""
        widths = widths or []
        if widths:
            lines = max((tf.lines(h, w) for h, w in zip(cols, widths, strict=False)), default=1)
            if lines > 1:
                ws.set_row(row, tf.height(lines))  # before the row's cells: constant_memory
        for c, h in enumerate(cols):
            ws.write_string(row, c, h, self.head)
        for c, w in enumerate(widths):
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
    widths = ([6, 12, 8, 11] + [10] * len(rb.categories) + [8, 8, 9, 9, 9, 9])[:len(cols)]
    b.header(ws, 3, cols, widths)
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
    # The chart prints whole on a page of its own, after the table: a manual page break before it. Excel
    # ignores manual breaks on a sheet printed "fit to N pages", so the table is fitted to the page width
    # with a print scale worked out from the column widths instead. (The chart is anchored to cells: where
    # the columns are drawn wider, so is the chart.)
    table = sum(tf.px(w) for w in widths)
    chart_w = max(640, min(CHART_W, table))
    scale = max(10, min(100, int(PAGE_W_PX * 100 / (max(table, chart_w) * FONT_SLACK))))
    ws.set_print_scale(scale)
    if rep.results:
        ws.set_h_pagebreaks([last + 2])  # the first row of the new page
        # the chart fits below the repeated header row on that page
        lines = max(tf.lines(h, w) for h, w in zip(cols, widths, strict=True))
        head_px = (tf.height(lines) if lines > 1 else 15) * 4 / 3
        room = int(PAGE_H_PX * 100 / scale - head_px) - 20
        _chart(b, ws, rep, last + 2, chart_w, room)


def _top(rep: Report, n: int) -> str:
    return f"（前 {n} 名，共 {len(rep.results)} 个）" if n < len(rep.results) else ""


def _arrow(delta: int) -> str:
    return f"↑{delta}" if delta > 0 else (f"↓{-delta}" if delta < 0 else "—")


def _chart(b: _Book, ws, rep: Report, row: int, width: int, max_height: int) -> None:
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
    # past ~20 bars the chart is capped at a page: smaller category labels, so every one still shows
    ch.set_y_axis({"reverse": True, "num_font": {"size": 9 if n <= 20 else (8 if n <= 30 else 6)}})
    ch.set_x_axis({"min": 0, "max": float(rb.total)})
    ch.set_legend({"position": "bottom"})
    ch.set_size({"width": width, "height": min(max(320, 26 * n + 120), max(max_height, 320))})
    ws.insert_chart(row, 0, ch)


def _items(b: _Book, rep: Report) -> None:
    """Every item × every city: one row per city (scales to any number of units), items as columns
    under their id, name and maximum."""
    rb = rep.rubric
    first = 4  # column of the first item; the columns before it identify the city on every printed page
    ws = b.sheet("分项得分", keep_cols=first)
    items = rb.items
    for c, h in enumerate(["名次", "设区市", "区域", "总分"] + [it.id for it in items]):
        ws.write_string(0, c, h, b.head)
    # the item names wrap in their narrow columns: the row is as tall as the longest (set before its cells)
    ws.set_row(1, tf.height(max((tf.lines(it.name, ITEM_W, 8) for it in items), default=1), 11))
    for c in range(first):
        ws.write_blank(1, c, None, b.head)
    for j, it in enumerate(items):
        ws.write_string(1, first + j, it.name, b.head_small)
    ws.write_string(2, 1, "满分", b.center)
    ws.write_number(2, 3, float(rb.total), b.score)
    for j, it in enumerate(items):
        ws.write_number(2, first + j, float(it.max), b.score)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 5)
    ws.set_column(3, 3, 8)
    ws.set_column(first, first + len(items) - 1, ITEM_W)
    ws.freeze_panes(3, first)
    ws.repeat_rows(0, 2)  # ids, names and maxima on every printed page
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
        for j, it in enumerate(items):  # per item, on its own fixed 0..max scale: full marks are always green
            top = float(it.max)
            ws.conditional_format(3, first + j, last, first + j, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "mid_type": "num", "mid_value": top / 2,
                "max_type": "num", "max_value": top,
                "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B"})


def _deductions(b: _Book, rep: Report) -> None:
    ws = b.sheet("扣分明细")
    name_w, reason_w = 36, 60
    b.header(ws, 0, ["名次", "设区市", "编号", "评分项", "满分", "得分", "失分", "原因"], [6, 10, 8, name_w, 6, 7, 7, reason_w])
    row = 1
    # The wrapped name and reason need a taller row when they take more than a line. This is the hot loop
    # (a row per lost item: a million rows at 100 000 units), so the cost is kept to a len() per row: only
    # a reason longer than ``short`` characters (the most that surely fit a line, were they all CJK) is
    # measured, and set_row (before the row's cells: constant_memory) is called only for rows that wrap.
    names = {i.id: (i.name, tf.lines(i.name, name_w)) for i in rep.rubric.items}
    room = int(tf.room(reason_w))  # units a line of the reason holds
    short = room // 2
    for r in b.units(rep.results):
        if row >= MAX_ROWS:
            ws.write_string(row, 0, "（已达 Excel 行数上限，其余失分明细见 --json 输出）", b.note)
            break
        ws_num, ws_str, set_row = ws.write_number, ws.write_string, ws.set_row  # hot loop: one row per lost item
        for s in r.items.values():
            if s.score < s.max and row < MAX_ROWS:
                name, lines = names[s.id]
                reason = s.reason or ""
                n = len(reason)
                if n > short:  # tf.lines() inlined (hot loop)
                    n = -(-(n + (len(reason.encode("utf-8", "replace")) - n) // 2) // room) + reason.count("\n")
                    if n > lines:
                        lines = n
                if lines > 1:
                    set_row(row, tf.LINE_PT * lines + 4)
                ws_num(row, 0, r.rank, b.center)
                ws_str(row, 1, r.city, b.text)
                ws_str(row, 2, s.id, b.center)
                ws_str(row, 3, name, b.wrap)
                ws_num(row, 4, float(s.max), b.score)
                ws_num(row, 5, float(s.score), b.score)
                ws_num(row, 6, float(s.lost), b.lost)
                ws_str(row, 7, reason, b.wrap)
                row += 1
    if row > 1:
        ws.autofilter(0, 0, row - 1, 7)


def _derived(b: _Book, rep: Report) -> None:
    rb = rep.rubric
    ws = b.sheet("派生指标")
    ds = list(rb.derived.values())
    b.header(ws, 0, ["设区市", "区域"] + [d.label for d in ds], [10, 6] + [13] * len(ds))
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
    fields = [f for f in rb.fields.values()]
    # the leading 设区市 / 区域 columns on every printed page
    keep = next((c for c, f in enumerate(fields) if f.key not in ("city", "region")), 1) or 1
    ws = b.sheet("填报数据", keep_cols=keep)
    for c, f in enumerate(fields):
        ws.write_string(0, c, f.key, b.note)
    b.header(ws, 1, [f.label + (f"({f.unit})" if f.unit and f.unit != "个" else "") for f in fields] + ["来源文件"],
             [10] + [12] * len(fields) + [24])
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
    msg_w = 60
    b.header(ws, 0, ["级别", "问题代码", "问题", "文件", "单元格", "设区市", "填报项目", "字段代码", "填写值", "涉及评分项",
                     "说明"], [6, 18, 14, 22, 12, 9, 24, 18, 14, 14, msg_w])
    labels = rep.rubric.labels
    short = int(tf.room(msg_w)) // 2  # as in 扣分明细: only a longer 说明 is measured
    if not rep.problems:
        ws.write_string(1, 0, "没有发现问题。", b.note)
    for i, p in enumerate(rep.problems):
        row = 1 + i
        if row >= MAX_ROWS:
            ws.write_string(row, 0, "（已达 Excel 行数上限，其余问题见 --json 输出）", b.note)
            break
        vals = ["错误" if p.severity == "error" else "提醒", p.code, p.title, p.file, p.where, p.city,
                labels.get(p.field, ""), p.field, "" if p.value is None else str(p.value), "、".join(p.items), p.message]
        msg = p.message or ""
        if len(msg) > short and (lines := tf.lines(msg, msg_w)) > 1:
            ws.set_row(row, tf.height(lines))  # before the row's cells: constant_memory
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
    widths = [26, 40, 22, 22, 10, 70]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    def tall(row: int, cells) -> None:
        """Size ``row`` for its wrapped ``(column, text)`` cells — before writing them (constant_memory)."""
        lines = max((tf.lines(t, widths[c]) for c, t in cells if isinstance(t, str)), default=1)
        if lines > 1:
            ws.set_row(row, tf.height(lines))

    ws.write_string(0, 0, "评分规则与参数", b.title)
    info = [("规则", rb.title), ("规则标识", rb.id), ("规则版本", rb.version), ("规则文件 SHA-256", rb.sha256),
            ("jsscore 版本", rep.version), ("生成时间", rep.generated_at)]
    row = 2
    for k, v in info:
        b.value(ws, row, 0, k, b.head)
        b.value(ws, row, 1, v)
        row += 1
    row += 1
    for c, h in enumerate(["输入文件", "SHA-256"]):
        ws.write_string(row, c, h, b.head)
    for p, h in rep.inputs:
        row += 1
        name = Path(p).name
        tall(row, [(0, name)])
        b.value(ws, row, 0, name, b.wrap)
        b.value(ws, row, 1, h)
    row += 2
    for c, h in enumerate(["参数", "说明", "本次取值", "默认值", "是否调整"]):
        ws.write_string(row, c, h, b.head)
    for key, p in rb.parameters.items():
        row += 1
        v = rep.params.get(key)
        now, default = _param_shown(p, v), _param_shown(p, p.default)
        tall(row, [(0, key), (1, p.label), (2, now), (3, default)])
        b.value(ws, row, 0, key, b.wrap)
        b.value(ws, row, 1, p.label, b.wrap)
        b.value(ws, row, 2, now, _param_format(b, p, now))
        b.value(ws, row, 3, default, _param_format(b, p, default))
        b.value(ws, row, 4, "是" if v != p.default else "否", b.center)
    row += 2
    for c, h in enumerate(["编号", "评分项", "工作分类", "工作项目", "满分", "规则（按本次参数）"]):
        ws.write_string(row, c, h, b.head)
    ws.repeat_rows(row)  # the rule table runs onto more pages: its own header on each
    from jsscore import methods

    ctx = methods.Context({}, {}, rep.params, "", rb)  # the rule as stated for every city (no figures)
    for it in rb.items:
        row += 1
        rule = methods.score_item(it, ctx).rule
        tall(row, [(1, it.name), (2, it.category), (3, it.work_item), (5, rule)])
        b.value(ws, row, 0, it.id, b.center)
        b.value(ws, row, 1, it.name, b.wrap)
        b.value(ws, row, 2, it.category, b.wrap)
        b.value(ws, row, 3, it.work_item, b.wrap)
        ws.write_number(row, 4, float(it.max), b.score)
        b.value(ws, row, 5, rule, b.wrap)


def _param_format(b: _Book, p, shown):
    """A parameter value's cell format: a percentage (95%, 95.50%) for a rate, wrapped text for a choice."""
    if isinstance(shown, str):
        return b.wrap
    if p.type == "pct" and isinstance(shown, float):
        return b.pct0 if abs(shown * 100 - round(shown * 100)) < 1e-9 else b.pct
    return b.num


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
    ws = b.sheet("同比变化", keep_cols=2)  # a column per item: wide; 设区市 and 名次 on every printed page
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
        if c.id.isdigit():  # a number, not a number stored as text (Excel flags that with a green triangle)
            ws.write_number(row, 0, int(c.id), b.center)
        else:
            ws.write_string(row, 0, c.id, b.center)
        ws.write_string(row, 1, c.name, b.text)
        ws.write_number(row, 2, float(c.max), b.score)
        ws.write_number(row, 3, float(r.categories[c.name]), b.score)
        ws.write_number(row, 4, float(r.categories[c.name] / c.max), b.pct)
    end = 4 + len(rb.categories)
    ws.conditional_format(4, 4, end - 1, 4, {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True,
                                             "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
    row = head = end + 1
    for c, h in enumerate(["编号", "评分项", "满分", "得分", "失分", "原因"]):
        ws.write_string(row, c, h, b.head)
    names = {i.id: i.name for i in rb.items}
    lost = [s for s in r.items.values() if s.lost > 0]
    if not lost:
        ws.write_string(row + 1, 0, "全部评分项均得满分。", b.note)
    for s in lost:
        row += 1
        # wrapped text does not grow a row by itself in LibreOffice/WPS print: size it
        lines = max(tf.lines(s.reason or "", 48), tf.lines(names[s.id], 34))
        ws.set_row(row, tf.height(lines))
        ws.write_string(row, 0, s.id, b.center)
        ws.write_string(row, 1, names[s.id], b.wrap)
        ws.write_number(row, 2, float(s.max), b.score)
        ws.write_number(row, 3, float(s.score), b.score)
        ws.write_number(row, 4, float(s.lost), b.lost)
        b.value(ws, row, 5, s.reason or "", b.wrap)
    ws.print_area(0, 0, max(row, end), 5)
    ws.repeat_rows(head)  # a report running onto a second page continues under the item table's header
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    # "&" starts a header/footer code: a literal one is doubled
    ws.set_footer(f"&L{_amp(rb.title)}（规则版本 {_amp(rb.version)}）&C第 &P 页，共 &N 页&R{_amp(r.city)}")


def _amp(t: str) -> str:
    return str(t).replace("&", "&&")
