"""The sensitivity workbook: rank and total of every city for every parameter setting, and rank stability."""

from __future__ import annotations

from pathlib import Path

from jsscore.report.safe import atomic_path


def write(path: Path, scenarios, stability: dict, cities: list[str]) -> None:
    import xlsxwriter

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_custom_property("jsscore_output", "sensitivity")
        base = {"font_name": "宋体", "font_size": 10, "border": 1}
        head = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
        cell = wb.add_format(base)
        num = wb.add_format({**base, "num_format": "0.00"})
        for title, idx, fmt in (("名次", 0, cell), ("总分", 1, num)):
            ws = wb.add_worksheet(f"各取值{title}")
            ws.write_string(0, 0, "参数取值", head)
            ws.set_column(0, 0, 36)
            for j, c in enumerate(cities):
                ws.write_string(0, 1 + j, c, head)
            for i, s in enumerate(scenarios):
                ws.write_string(1 + i, 0, s.label, cell)
                for j, c in enumerate(cities):
                    ws.write_number(1 + i, 1 + j, float(s.results[c][idx]), fmt)
            ws.freeze_panes(1, 1)
        ws = wb.add_worksheet("名次稳定性")
        cols = ["设区市", "最好名次", "最差名次", "名次变动", "最低总分", "最高总分", "结论"]
        for j, h in enumerate(cols):
            ws.write_string(0, j, h, head)
        for i, c in enumerate(sorted(cities, key=lambda c: (stability[c]["best"], c))):
            d = stability[c]
            ws.write_string(1 + i, 0, c, cell)
            for j, k in enumerate(("best", "worst", "spread")):
                ws.write_number(1 + i, 1 + j, d[k], cell)
            ws.write_number(1 + i, 4, float(d["low"]), num)
            ws.write_number(1 + i, 5, float(d["high"]), num)
            ws.write_string(1 + i, 6, d["verdict"], cell)
        ws.set_column(0, 6, 12)
        wb.close()
