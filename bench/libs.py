#!/usr/bin/env python3
"""Which library reads and which writes: the candidates timed on the same input, side by side (issue 6).

Usage (from the repository root, with the venv that has jsscore installed; pandas is a declared
dependency, so every candidate is there):

    /work/venv/bin/python bench/libs.py               # N = 10000, 3 runs of each, table into bench/RESULTS.md
    /work/venv/bin/python bench/libs.py --n 1000 --runs 5 --no-results

Each candidate is a whole process (the import of its library included, as a user pays it), timed and
measured like bench/run.py (wall time, peak RSS from ``os.wait4``, CPU time), the candidates interleaved
round-robin after one warm-up round. The input is bench/run.py's cached synthetic wide workbook.

* read: every row of the input sheet into Python values with openpyxl (read-only, ``values_only``),
  pandas ``read_excel`` with its default openpyxl engine, pandas with the calamine engine, and
  python-calamine directly;
* write: the same N × 104 cells (the 分项得分 and 填报数据 shapes: 41 numbers per unit on one sheet,
  the 63 values read on another, one shared cell format) with openpyxl write-only, pandas ``to_excel``
  (openpyxl engine) and XlsxWriter ``constant_memory``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as bench  # noqa: E402  (bench/run.py: input generator and process measurement)

READ = {
    "openpyxl read-only": """
import openpyxl
wb = openpyxl.load_workbook(SRC, read_only=True, data_only=True)
rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
""",
    "pandas read_excel (openpyxl)": """
import pandas as pd
rows = pd.read_excel(SRC, sheet_name=0, header=None).values.tolist()
""",
    "pandas read_excel (calamine)": """
import pandas as pd
rows = pd.read_excel(SRC, sheet_name=0, header=None, engine="calamine").values.tolist()
""",
    "python-calamine": """
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(SRC).get_sheet_by_index(0).to_python()
""",
}

# every writer gets the rows read by calamine (the read is the same in all three and is timed above)
WRITE_PRELUDE = """
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(SRC).get_sheet_by_index(0).to_python()
header, rows = rows[0], rows[1:]
scores = [[i, 80.5, 19.5] + [1.5] * 38 for i in range(len(rows))]
"""

WRITE = {
    "openpyxl write-only": """
import openpyxl
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("分项得分")
for r in scores:
    ws.append(r)
ws = wb.create_sheet("填报数据")
ws.append(header)
for r in rows:
    ws.append(r)
wb.save(DST)
""",
    "pandas to_excel (openpyxl)": """
import pandas as pd
with pd.ExcelWriter(DST, engine="openpyxl") as xw:
    pd.DataFrame(scores).to_excel(xw, sheet_name="分项得分", index=False)
    pd.DataFrame(rows, columns=header).to_excel(xw, sheet_name="填报数据", index=False)
""",
    "XlsxWriter constant_memory": """
import xlsxwriter
wb = xlsxwriter.Workbook(DST, {"constant_memory": True, "strings_to_numbers": False,
                               "strings_to_formulas": False, "strings_to_urls": False})
f = wb.add_format({"border": 1})
ws = wb.add_worksheet("分项得分")
for i, r in enumerate(scores):
    for c, v in enumerate(r):
        ws.write_number(i, c, v, f)
ws = wb.add_worksheet("填报数据")
ws.write_row(0, 0, header)
for i, r in enumerate(rows, 1):
    for c, v in enumerate(r):
        if isinstance(v, str):
            ws.write_string(i, c, v, f)
        else:
            ws.write_number(i, c, v, f)
wb.close()
""",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="units in the input (default 10000)")
    ap.add_argument("--runs", type=int, default=3, help="measured runs of each candidate (default 3)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "jsscore-bench")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-results", action="store_true", help="print only, do not write RESULTS.md")
    a = ap.parse_args(argv)
    a.cache.mkdir(parents=True, exist_ok=True)
    src = bench.make_input(a.n, a.cache)
    work = Path(tempfile.mkdtemp(prefix="jsscore-libs-"))
    py = sys.executable
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731

    def program(name: str, body: str, prelude: str = "") -> list[str]:
        path = work / (name.replace(" ", "_").replace("(", "").replace(")", "") + ".py")
        dst = work / (path.stem + ".xlsx")
        path.write_text(f"SRC = {str(src)!r}\nDST = {str(dst)!r}\n{prelude}{body}", encoding="utf-8")
        return [py, str(path)]

    tables = []
    for title, progs, prelude in (("read", READ, ""), ("write", WRITE, WRITE_PRELUDE)):
        log(f"{title}: {a.n} units, {a.runs} runs each, interleaved")
        st = bench.interleaved({k: (program(k, v, prelude), work) for k, v in progs.items()}, a.runs, 3600, log=log)
        warn = bench.guard_rss(st.values())
        if warn:
            log("  WARNING: " + warn)
        fastest = min(s.wall for s in st.values())
        rows = [f"| {k} | {s.wall:.2f} ({s.spread()}) | {s.cpu:.2f} | {s.mem:.0f} | {s.wall / fastest:.1f}× |"
                for k, s in st.items()]
        if warn:
            rows.append(f"\n**Warning:** {warn}; the RSS column is not the candidates' own.")
        tables.append((title, rows))

    L = ["## Library candidates", "",
         f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {bench.revision()}, N = {a.n:,} units "
         f"({src.name}), median of {a.runs} runs, each a whole process including its imports. Reproduce with:",
         "", f"    /work/venv/bin/python bench/libs.py --n {a.n} --runs {a.runs}", ""]
    for title, rows in tables:
        what = ("every row of the input sheet into Python values" if title == "read" else
                f"{a.n:,} × 104 cells on two sheets (the rows read by calamine first, in every candidate)")
        L += [f"**{title}** — {what}", "",
              "| candidate | wall s (range) | CPU s | peak RSS MiB | vs fastest |", "|---|---:|---:|---:|---:|", *rows, ""]
    text = "\n".join(L)
    print(text)
    if not a.no_results:
        old = a.results.read_text(encoding="utf-8") if a.results.exists() else ""
        begin, end = "<!-- libs:begin (written by bench/libs.py) -->", "<!-- libs:end -->"
        block = f"{begin}\n{text}\n{end}"
        if begin in old and end in old:
            new = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
        else:
            new = old.rstrip("\n") + "\n\n" + block + "\n"
        a.results.write_text(new, encoding="utf-8")
        log(f"written {a.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
