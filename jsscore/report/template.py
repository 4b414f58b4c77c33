"""The blank collection workbook the cities fill in.

Layout: fields as rows, cities as columns — how such forms usually look here (one printed page per
category reads down, a city fills one column, the province compares cities side by side). Column A
holds the field keys (narrow, grey, locked) so reading never depends on wording or order; rows are
grouped under their category. Every input cell has validation: dropdowns for 是/否 and the enums,
whole/decimal numbers with their bounds, "connected ≤ total" against the row above, percent cells
formatted as percent. The rubric id/version and the template version are custom document properties.
"""

from __future__ import annotations

from pathlib import Path

from jsscore.methods import fmt_num
from jsscore.report.safe import atomic_path
from jsscore.report.textfit import fit_height
from jsscore.rubric import Field, Rubric

TEMPLATE_VERSION = "1"
DATA_SHEET = "填报表"
FIRST_CITY_COL = 5  # F
DATA_WIDTHS = [4, 10, 40, 8, 10]  # key, category, label, unit, items; then 12 per city
CITY_WIDTH = 12
PORTRAIT_MAX_WIDTH = 110  # column-width units a portrait A4 page takes at a readable scale (≥ ~85 %)
NOTE_WIDTH = 84  # 说明 column B: with column A, the width of a portrait A4 page at 100 %


def _unit_text(f: Field) -> str:
    if f.type == "bool":
        return "是/否"
    if f.type == "enum":
        return "下拉选择"
    if f.type == "pct":
        return "%"
    return f.unit or ""


def write(rubric: Rubric, path: Path, cities: list[str] | None = None, tool_version: str = "") -> None:
    """Write the template for ``cities`` (all of the rubric's cities when None) atomically."""
    import xlsxwriter

    table = rubric.city_region()
    cities = list(cities or rubric.city_order)
    feeds = rubric.feeds()
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_custom_property("jsscore_rubric_id", rubric.id)
        wb.set_custom_property("jsscore_rubric_version", rubric.version)
        wb.set_custom_property("jsscore_template_version", TEMPLATE_VERSION)
        wb.set_properties({"title": f"{rubric.title} 数据填报表", "comments": f"jsscore {tool_version}"})
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        fmt = wb.add_format
        f_title = fmt({**base, "bold": True, "font_size": 15, "text_wrap": True})
        f_note = fmt({**base, "font_color": "#595959", "text_wrap": True})
        f_key = fmt({**base, "font_size": 8, "font_color": "#808080", "bg_color": "#EDEDED", "border": 1})
        f_head = fmt({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                      "align": "center", "text_wrap": True})
        f_group = fmt({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1})
        f_label = fmt({**base, "border": 1, "text_wrap": True})
        f_desc = fmt({**base, "border": 1, "font_color": "#595959", "align": "center", "text_wrap": True})
        f_city = fmt({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                      "align": "center", "locked": True})
        f_region = fmt({**base, "border": 1, "align": "center", "bg_color": "#F2F2F2", "locked": True})  # from the table
        inputs = {
            "bool": fmt({**base, "border": 1, "align": "center", "locked": False, "bg_color": "#FFFFFF"}),
            "enum": fmt({**base, "border": 1, "align": "center", "locked": False, "shrink": True}),
            "int": fmt({**base, "border": 1, "locked": False, "num_format": "0"}),
            "number": fmt({**base, "border": 1, "locked": False, "num_format": "0.00"}),
            "pct": fmt({**base, "border": 1, "locked": False, "num_format": "0.00%"}),
        }

        _instructions(wb, rubric, cities, f_title, f_note, f_head, f_label)
        ws = wb.add_worksheet(DATA_SHEET)
        ws.set_column(0, 0, DATA_WIDTHS[0], f_key)
        for c, w in enumerate(DATA_WIDTHS[1:], start=1):
            ws.set_column(c, c, w)
        ws.set_column(FIRST_CITY_COL, FIRST_CITY_COL + len(cities) - 1, CITY_WIDTH)
        last_col = FIRST_CITY_COL + len(cities) - 1
        span = sum(DATA_WIDTHS[1:]) + CITY_WIDTH * len(cities)  # columns B.. under the merged title
        ws.write_string(0, 0, "", f_key)
        head_title = f"{rubric.title} 数据填报表（规则版本 {rubric.version}）"
        ws.merge_range(0, 1, 0, max(last_col, 4), head_title, f_title)
        ws.set_row(0, fit_height([(head_title, span)], pt=15, line_pt=20))
        head_note = ("请在白色单元格中填写（是/否与选项请从下拉列表选择，比率按百分比填写，如 96.9%）。"
                     "灰色 A 列为字段代码，请勿修改，也不要删除行。填写说明见“说明”工作表。")
        ws.merge_range(1, 1, 1, max(last_col, 4), head_note, f_note)
        ws.set_row(1, fit_height([(head_note, span)], pt=11, line_pt=15))
        row = 2
        ws.write_string(row, 0, "city", f_key)
        for c, h in enumerate(["工作分类", "填报项目", "单位", "计分项"], start=1):
            ws.write_string(row, c, h, f_head)
        for j, city in enumerate(cities):
            ws.write_string(row, FIRST_CITY_COL + j, city, f_city)
        row += 1
        ws.write_string(row, 0, "region", f_key)
        ws.write_string(row, 1, "基本信息", f_label)
        ws.write_string(row, 2, "区域（按设区市自动确定）", f_label)
        ws.write_string(row, 3, "", f_desc)
        ws.write_string(row, 4, "", f_desc)
        for j, city in enumerate(cities):
            ws.write_string(row, FIRST_CITY_COL + j, table.get(city, ""), f_region)
        ws.freeze_panes(3, FIRST_CITY_COL)
        row += 1
        rows_of: dict[str, int] = {}
        group = None
        for f in rubric.fields.values():
            if f.key in ("city", "region"):
                continue
            if f.group != group:
                group = f.group
                cat = next((c for c in rubric.categories if c.name == group), None)
                title = f"{group}（{fmt_num(cat.max)} 分）" if cat else group
                ws.write_string(row, 0, "", f_key)
                ws.merge_range(row, 1, row, max(4, last_col), title, f_group)
                row += 1
            rows_of[f.key] = row
            ws.write_string(row, 0, f.key, f_key)
            ws.write_string(row, 1, f.group, f_desc)
            ws.write_string(row, 2, f.label, f_label)
            ws.write_string(row, 3, _unit_text(f), f_desc)
            fed = "、".join(feeds.get(f.key, []))
            ws.write_string(row, 4, fed, f_desc)
            if len(fed) > 8 or len(f.label) > 20:  # two lines of text in the narrow columns
                ws.set_row(row, 30)
            cell_fmt = inputs.get(f.type, inputs["number"])
            for j in range(len(cities)):
                ws.write_blank(row, FIRST_CITY_COL + j, None, cell_fmt)
            dv = _validation(f, rubric, rows_of)
            if dv:
                ws.data_validation(row, FIRST_CITY_COL, row, last_col, dv)
            row += 1
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})
        # a few city columns fit a portrait page; the full table needs landscape (both one page wide)
        if sum(DATA_WIDTHS) + CITY_WIDTH * len(cities) <= PORTRAIT_MAX_WIDTH:
            ws.set_portrait()
        else:
            ws.set_landscape()
        ws.set_paper(9)
        ws.repeat_rows(2)
        ws.repeat_columns(1, 2)
        ws.fit_to_pages(1, 0)
        ws.activate()
        wb.close()


def _validation(f: Field, rubric: Rubric, rows_of: dict[str, int]) -> dict | None:
    msg = {"error_title": "填写有误", "input_title": f.label[:32]}
    if f.type == "bool":
        return {"validate": "list", "source": ["是", "否"], "error_message": "请选择“是”或“否”。", **msg}
    if f.type == "enum":
        return {"validate": "list", "source": list(f.choices), "error_message": "请从下拉列表中选择。", **msg}
    if f.type == "pct":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_message": "请填写 0%～100% 之间的百分比，如 96.9%。", **msg}
    if f.type in ("int", "number"):
        kind = "integer" if f.type == "int" else "decimal"
        lo = float(f.min) if f.min is not None else -1e15
        hi = f.max
        if f.max_param:
            hi = rubric.parameters[f.max_param].default
        if f.max_field and f.max_field in rows_of:
            # connected ≤ total: a formula against the total's row in the same column
            ref = f"F{rows_of[f.max_field] + 1}"
            return {"validate": "custom", "value": f"=AND(ISNUMBER(F{{r}}),F{{r}}>={int(lo)},F{{r}}<={ref})".replace(
                "{r}", str(rows_of[f.key] + 1)),
                "error_message": f"应为不小于 {int(lo)} 的整数，且不能超过“{rubric.fields[f.max_field].label}”。", **msg}
        crit = {"criteria": "between", "minimum": lo, "maximum": float(hi)} if hi is not None else \
            {"criteria": ">=", "value": lo}
        unit = f"（单位：{f.unit}）" if f.unit else ""
        text = f"请填写{'整数' if f.type == 'int' else '数字'}{unit}"
        if f.min is not None:
            text += f"，不小于 {fmt_num(f.min)}"
        if hi is not None:
            text += f"，不大于 {fmt_num(hi)}"
        return {"validate": kind, **crit, "error_message": text + "。", **msg}
    return None


def _instructions(wb, rubric: Rubric, cities, f_title, f_note, f_head, f_label) -> None:
    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, NOTE_WIDTH)
    heading = f"{rubric.title} — 填报说明"
    ws.write_string(0, 1, heading, f_title)
    ws.set_row(0, fit_height([(heading, NOTE_WIDTH)], pt=15, line_pt=20))
    lines = [
        "1. 本工作簿由 jsscore 生成，用于收集各设区市的考核数据。请在“填报表”工作表中，在本市所在列的白色单元格里逐项填写。",
        "2. 是/否类指标请从下拉列表选择“是”或“否”；选项类指标（如社会保险数据大集中）请从下拉列表选择。",
        "3. 数量类指标只填阿拉伯数字，不要写单位、约数或文字（如“约12”“十二”“60万人”都会被退回）。"
        "单位以“单位”列为准：人数按“人”、资金按“万元”。",
        "4. 上传率等比率按百分比填写（单元格已设为百分比格式，直接输入 96.9 即为 96.9%）。",
        "5. 已接入专网的网点数不能超过对应的网点总数；已建立机构的县（市、区）数不能超过所辖县（市、区）数。",
        "6. 网站、12333 考核得分按各自考核办法的得分填写（满分 100 分）。",
        "7. 灰色 A 列是字段代码，计分程序靠它识别每一行：请勿修改 A 列的字段代码，也不要删除行；"
        "行的先后顺序不影响读取，可以调整列宽。",
        "8. 所有项目均为必填；确实没有的数据请填 0 或“否”，不要留空。",
        "9. 填好后保存为 .xlsx 文件报送。省厅用 jsscore score 计分，用 jsscore validate 检查并生成退回修改清单。",
    ]
    for i, t in enumerate(lines):
        ws.write_string(2 + i, 1, t, f_note)
        ws.set_row(2 + i, fit_height([(t, NOTE_WIDTH)], pt=11, line_pt=15))
    r = 3 + len(lines)
    ws.write_string(r, 1, "评分构成", f_head)
    for c in rubric.categories:
        r += 1
        parts = "；".join(f"{w.name} {fmt_num(w.max)} 分" for w in c.work_items)
        text = f"{c.name}（{fmt_num(c.max)} 分）：{parts}"
        ws.write_string(r, 1, text, f_label)
        ws.set_row(r, fit_height([(text, NOTE_WIDTH)], pt=11, line_pt=15))
    r += 2
    text = f"本表包含 {len(cities)} 个设区市：{'、'.join(cities)}"
    ws.write_string(r, 1, text, f_note)
    ws.set_row(r, fit_height([(text, NOTE_WIDTH)], pt=11, line_pt=15))
    ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)  # never wider than the page, whatever the printer's margins
