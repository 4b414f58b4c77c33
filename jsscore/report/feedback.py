"""The correction workbook (退回修改清单): per city, its problems with the cell to fix and what is expected.

The province sends it back to the cities. One summary sheet, then one sheet per city that has
problems (plus one for problems that belong to no city, such as a missing column). Every sheet prints
one page wide with its header row repeated, and wrapped cells get row heights that show all their lines
(Excel and WPS do not grow a row for wrapped text written by a program).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jsscore.problems import Problem
from jsscore.report.safe import atomic_path
from jsscore.report.textfit import a4_one_page_wide, fit_height
from jsscore.rubric import Rubric

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    base = (name.translate(_BAD_SHEET_CHARS).strip("'") or "其他")[:28]
    cand, n = base, 2
    while cand in used:
        cand, n = f"{base[:25]}({n})", n + 1
    used.add(cand)
    return cand


def _number(text: str) -> Decimal | None:
    try:
        d = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return d if d.is_finite() else None


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
        note = wb.add_format({**base, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        head = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                              "text_wrap": True})
        cell = wb.add_format({**base, "border": 1, "text_wrap": True})
        numf = wb.add_format({**base, "border": 1})
        errf = wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True})
        warnf = wb.add_format({**base, "border": 1, "font_color": "#9C5700"})

        ws = wb.add_worksheet("汇总")
        widths = [14, 8, 8, 56]
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        last = len(widths) - 1
        ws.merge_range(0, 0, 0, last, "数据校验退回清单", title)
        ws.set_row(0, 24)
        info = f"{rubric.title}（规则版本 {rubric.version}）\n生成时间 {generated_at}\n" \
               f"输入文件：{'、'.join(Path(p).name for p, _ in inputs)}"
        ws.merge_range(1, 0, 1, last, info, note)
        ws.set_row(1, fit_height([(info, sum(widths))], line_pt=13.5))
        for c, h in enumerate(["设区市", "错误", "提醒", "说明"]):
            ws.write_string(3, c, h, head)
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
        a4_one_page_wide(ws, 3, landscape=False)

        used = {"汇总"}
        cols = ["级别", "文件", "单元格", "字段代码", "填报项目", "填写值", "问题", "请如何修改", "涉及评分项", "涉及分值"]
        widths = [6, 16, 13, 17, 22, 12, 36, 30, 10, 7]
        for c in cities:
            sh = wb.add_worksheet(_sheet_name(c, used))
            sh.write_string(0, 0, f"{c} — 需要修改的数据", title)
            sh.set_row(0, 24)
            sh.merge_range(1, 0, 1, len(cols) - 1, "请按“单元格”列找到对应位置，按“请如何修改”一列改正后重新报送。", note)
            for j, h in enumerate(cols):
                sh.write_string(3, j, h, head)
                sh.set_column(j, j, widths[j])
            sh.freeze_panes(4, 0)
            for i, p in enumerate(groups[c]):
                f = rubric.fields.get(p.field)
                vals = ["错误" if p.severity == "error" else "提醒", p.file, p.where, p.field, f.label if f else "",
                        "" if p.value is None else str(p.value), p.message, p.hint, "、".join(p.items), p.points]
                for j, v in enumerate(vals):
                    pts = _number(v) if j == len(vals) - 1 else None
                    if pts is not None:  # points at stake: a number, so it sums and sorts
                        sh.write_number(4 + i, j, float(pts), numf)
                    else:
                        sh.write_string(4 + i, j, v, (errf if p.severity == "error" else warnf) if j == 0 else cell)
                sh.set_row(4 + i, fit_height(list(zip(vals, widths, strict=True))))
            a4_one_page_wide(sh, 3, landscape=True)
        wb.close()
