"""The correction workbook (退回修改清单): per city, its problems with the cell to fix and what is expected.

The province sends it back to the cities. One summary sheet, then one sheet per city that has
problems (plus one for problems that belong to no city, such as a missing column).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from jsscore.problems import Problem
from jsscore.report.safe import atomic_path
from jsscore.rubric import Rubric

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    base = (name.translate(_BAD_SHEET_CHARS).strip("'") or "其他")[:28]
    cand, n = base, 2
    while cand in used:
        cand, n = f"{base[:25]}({n})", n + 1
    used.add(cand)
    return cand


def write(problems: list[Problem], rubric: Rubric, path: Path, inputs: list[tuple[str, str]], generated_at: str) -> None:
    import xlsxwriter

    groups: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        groups[p.city or "（全表）"].append(p)
    order = {c: i for i, c in enumerate(rubric.city_order)}
    cities = sorted(groups, key=lambda c: (order.get(c, len(order)), c))
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_custom_property("jsscore_output", "feedback")
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        title = wb.add_format({**base, "bold": True, "font_size": 14})
        note = wb.add_format({**base, "font_color": "#595959"})
        head = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                              "text_wrap": True})
        cell = wb.add_format({**base, "border": 1, "text_wrap": True})
        errf = wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True})
        warnf = wb.add_format({**base, "border": 1, "font_color": "#9C5700"})
        ws = wb.add_worksheet("汇总")
        ws.write_string(0, 0, f"{rubric.title} — 数据校验退回清单", title)
        ws.write_string(1, 0, f"生成时间 {generated_at}；输入文件：{'、'.join(Path(p).name for p, _ in inputs)}", note)
        for c, h in enumerate(["设区市", "错误", "提醒", "说明"]):
            ws.write_string(3, c, h, head)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 2, 8)
        ws.set_column(3, 3, 60)
        if not cities:
            ws.write_string(4, 0, "没有发现任何问题。", note)
        for i, c in enumerate(cities):
            ps = groups[c]
            e = sum(p.severity == "error" for p in ps)
            ws.write_string(4 + i, 0, c, cell)
            ws.write_number(4 + i, 1, e, errf if e else cell)
            ws.write_number(4 + i, 2, len(ps) - e, cell)
            ws.write_string(4 + i, 3, "请修改标红的错误后重新报送" if e else "仅有提醒，请核对", cell)
        ws.freeze_panes(4, 0)
        used = {"汇总"}
        cols = ["级别", "文件", "单元格", "字段代码", "填报项目", "填写值", "问题", "请如何修改", "涉及评分项", "涉及分值"]
        widths = [6, 20, 12, 18, 28, 14, 48, 34, 12, 8]
        for c in cities:
            sh = wb.add_worksheet(_sheet_name(c, used))
            sh.write_string(0, 0, f"{c} — 需要修改的数据", title)
            sh.write_string(1, 0, "请按“单元格”列找到对应位置，按“请如何修改”一列改正后重新报送。", note)
            for j, h in enumerate(cols):
                sh.write_string(3, j, h, head)
                sh.set_column(j, j, widths[j])
            sh.freeze_panes(4, 0)
            for i, p in enumerate(groups[c]):
                f = rubric.fields.get(p.field)
                vals = ["错误" if p.severity == "error" else "提醒", p.file, p.where, p.field, f.label if f else "",
                        "" if p.value is None else str(p.value), p.message, p.hint, "、".join(p.items), p.points]
                for j, v in enumerate(vals):
                    sh.write_string(4 + i, j, v, (errf if p.severity == "error" else warnf) if j == 0 else cell)
            sh.set_landscape()
            sh.fit_to_pages(1, 0)
            sh.repeat_rows(3)
        wb.close()
