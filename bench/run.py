#!/usr/bin/env python3
"""Benchmark of the installed ``jsscore`` against the floor, measured side by side in one run (issue 6).

Usage (from the repository root, with the venv that has jsscore installed):

    /work/venv/bin/python bench/run.py                      # full: N = 13, 1000, 10000, 100000
    /work/venv/bin/python bench/run.py --quick              # N = 13, 1000; fewer runs; for development
    /work/venv/bin/python bench/run.py --sizes 13,10000     # chosen sizes
    options: --runs-small 5 --runs-large 3 --cache DIR --jsscore PATH --results FILE --no-results

What it measures, every figure a whole process (wall time from spawn to reaping, peak RSS of that child
from ``os.wait4`` rusage ``ru_maxrss``, as shared/cases/run_cases.py does), median of the runs:

* start-up floors: ``python -c pass``; ``--help`` of a one-command typer app; a process that only
  imports pandas, openpyxl, typer and rich;
* ``jsscore --help``, ``jsscore --version`` and ``jsscore template -o X`` against those floors;
* for each N: ``jsscore score IN.xlsx -o OUT.xlsx --json OUT.json --quiet --force`` on a synthetic
  valid wide input of N units (first row = the RUBRIC.md field keys, one row per unit, explicit region
  for synthetic names; percentages are percent-formatted cells, yes/no are 是/否 text, enums are the
  Chinese labels), and the read+write floor for the same N: one process that reads the same input with
  python-calamine (all rows into Python lists, held: the echo sheet needs them after ranking) and writes
  the same result sheets' cells (including 扣分明细, as many rows as jsscore writes) with XlsxWriter ``constant_memory`` (排名汇总 N×12, 分项得分
  36 scores + 5 descriptors per unit, 派生指标 N×14, 填报数据 N×63 echoing the values read).
  The floor writes 分项得分 one row per unit (N×41): the same number of cells as jsscore's one-column-
  per-unit layout, but in a shape Excel can hold beyond 16 384 units.

Runs of jsscore and of its floor are interleaved (jsscore, floor, jsscore, floor, …) so that a noisy
neighbour hits both. Generated inputs are cached (``--cache``, default $TMPDIR/jsscore-bench) keyed by
N and the generator version. The table is printed and written to bench/RESULTS.md with the date, the
machine and the command to reproduce.

Targets (issue 6), ratios taken from the table, reported met / not met, never asserted:
  --help, --version ≤ 1.2× typer floor; 13 units ≤ 1.3× import-only floor; 10 000 and 100 000 units
  ≤ 2× read+write floor (time); peak RSS at 100 000 ≤ 2× the floor's; time(100 000)/time(10 000) ≤ 12.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GEN_VERSION = 2  # bump when the generated input changes (invalidates the cache)
HERE = Path(__file__).resolve().parent

CITIES = {  # RUBRIC.md: 13 cities and their regions
    "南京市": "苏南", "无锡市": "苏南", "常州市": "苏南", "苏州市": "苏南", "镇江市": "苏南",
    "南通市": "苏中", "扬州市": "苏中", "泰州市": "苏中",
    "徐州市": "苏北", "连云港市": "苏北", "淮安市": "苏北", "盐城市": "苏北", "宿迁市": "苏北",
}
REGIONS = ("苏南", "苏中", "苏北")

# Field keys of RUBRIC.md's data dictionary (the stable contract), in dictionary order, with their kind.
BOOL = ("leading_group it_mgmt_measures requirements_mgmt om_db om_network om_security std_network "
        "std_core_platform std_security dc_city_si dc_city_hr dc_city_lr dc_county_si dc_county_hr dc_county_lr "
        "dr_center security_level_protection digital_cert hr_market_platform lr_inspection lr_arbitration "
        "lr_employment_filing xr_pension_transfer xr_eligibility_cert xr_medical_settlement card_standard "
        "card_use_si card_use_hr card_use_lr data_monitoring fund_supervision grassroots_platform "
        "grassroots_services one_window").split()
FIELDS = [
    "city", "region", "leading_group", "city_it_staff", "city_om_funding", "urban_insured", "county_total",
    "county_with_it_body", "county_staffed_3plus", "it_mgmt_measures", "requirements_mgmt", "om_db",
    "om_network", "om_security", "std_network", "std_core_platform", "std_security", "dc_city_si", "dc_city_hr",
    "dc_city_lr", "dc_county_si", "dc_county_hr", "dc_county_lr", "net_total_city", "net_conn_city",
    "net_total_county", "net_conn_county", "net_total_street", "net_conn_street", "net_total_community",
    "net_conn_community", "dr_center", "security_level_protection", "digital_cert", "si_centralization",
    "rural_urban_si_deploy", "hr_market_platform", "lr_inspection", "lr_arbitration", "lr_employment_filing",
    "integration_count", "xr_pension_transfer", "xr_eligibility_cert", "xr_medical_settlement", "card_holders",
    "card_target", "card_standard", "card_use_si", "card_use_hr", "card_use_lr", "upload_rate_pension",
    "upload_rate_medical", "upload_rate_unemployment", "upload_rate_injury", "upload_rate_maternity",
    "data_monitoring", "fund_supervision", "website_score", "hotline_score", "grassroots_platform",
    "grassroots_services", "one_window",
]
PCT = [k for k in FIELDS if k.startswith("upload_rate_")]
ENUMS = {"si_centralization": ("全市", "全市", "全市", "市本级", "未实现"),
         "rural_urban_si_deploy": ("省平台集中", "省平台集中", "市平台集中并向省交换", "未部署")}
N_CATEGORIES, N_ITEMS, N_DERIVED = 6, 36, 12  # output shapes (RUBRIC.md)

TARGETS = {"help": 1.2, "small": 1.3, "large": 2.0, "rss": 2.0, "growth": 12.0}


# ------------------------------------------------------------------------------------------ inputs


def unit_row(rng: random.Random, name: str, region: str) -> list:
    """One valid unit: figures in plausible ranges, each rule sometimes met and sometimes not."""
    yes = lambda p=0.85: "是" if rng.random() < p else "否"  # noqa: E731
    v: dict = {k: yes() for k in BOOL}
    v["city"], v["region"] = name, region
    v["city_it_staff"] = rng.randint(5, 30)
    insured = rng.randint(300_000, 3_000_000)
    v["urban_insured"] = insured
    v["city_om_funding"] = round(insured * 3 / 10_000 * rng.uniform(0.7, 1.6), 2)
    ct = rng.randint(3, 12)
    v["county_total"] = ct
    v["county_with_it_body"] = rng.randint(ct // 2, ct)
    v["county_staffed_3plus"] = rng.randint(0, ct)
    for lvl, lo, hi in (("city", 20, 80), ("county", 50, 300), ("street", 100, 800), ("community", 500, 3000)):
        t = rng.randint(lo, hi)
        v[f"net_total_{lvl}"] = t
        v[f"net_conn_{lvl}"] = t if rng.random() < 0.6 else rng.randint(int(t * 0.8), t)
    for k, choices in ENUMS.items():
        v[k] = rng.choice(choices)
    v["integration_count"] = rng.choice((3, 3, 2, 1, 0))
    target = rng.randint(200_000, 3_000_000)
    v["card_target"] = target
    v["card_holders"] = int(target * rng.uniform(0.85, 1.1))
    for k in PCT:
        v[k] = 1.0 if rng.random() < 0.3 else round(rng.uniform(0.9, 1.0), 4)
    v["website_score"] = round(rng.uniform(60, 100), 1)
    v["hotline_score"] = round(rng.uniform(60, 100), 1)
    return [v[k] for k in FIELDS]


def unit_names(n: int) -> list[tuple[str, str]]:
    if n <= len(CITIES):
        return list(CITIES.items())[:n]
    return [(f"测试市{i:06d}", REGIONS[i % 3]) for i in range(1, n + 1)]


def make_input(n: int, cache: Path) -> Path:
    """A synthetic valid wide xlsx of n units (cached), generated in a child process.

    Never in this process: Linux carries a process's peak RSS across fork and exec (the child starts
    as a copy of this process's memory), so after building a 1.5 GB workbook here every child measured
    later would report at least 1.5 GB of peak RSS (seen: jsscore and its floor both "1556.7 MiB" at
    100 000 units). ``guard_rss`` checks for that."""
    path = cache / f"wide_{n}_v{GEN_VERSION}.xlsx"
    if not path.exists():
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import run; run._generate({n}, {str(cache)!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
    return path


def _generate(n: int, cache: Path | str) -> None:
    cache = Path(cache)
    path = cache / f"wide_{n}_v{GEN_VERSION}.xlsx"
    import xlsxwriter

    tmp = path.with_suffix(".part.xlsx")
    rng = random.Random(20240600 + n)
    # Not constant_memory: that mode writes every string inline (<is>), which Excel and WPS never do and
    # which openpyxl parses several times slower than shared strings; a shared-string table is what real
    # inputs carry. Generation is cached, so its speed matters little.
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": False, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("原始数据")
    pct = wb.add_format({"num_format": "0.00%"})
    pct_cols = {FIELDS.index(k) for k in PCT}
    ws.write_row(0, 0, FIELDS)
    write_string, write_number = ws.write_string, ws.write_number
    for r, (name, region) in enumerate(unit_names(n), start=1):
        for c, x in enumerate(unit_row(rng, name, region)):
            if isinstance(x, str):
                write_string(r, c, x)
            else:
                write_number(r, c, x, pct if c in pct_cols else None)
    wb.close()
    tmp.replace(path)


# ------------------------------------------------------------------------------------------ floor programs

TYPER_APP = '''\
import typer

app = typer.Typer()


@app.command()
def main(name: str = typer.Argument("world", help="Who to greet."),
         loud: bool = typer.Option(False, "--loud", help="Shout.")) -> None:
    """Say hello."""
    print(f"hello {name}".upper() if loud else f"hello {name}")


if __name__ == "__main__":
    app()
'''

IMPORT_ONLY = "import pandas, openpyxl, typer, rich"

READ_WRITE_FLOOR = '''\
"""The read+write floor: read the input with python-calamine, write the result sheets' cells
with XlsxWriter constant_memory. argv: INPUT OUTPUT NC NI ND NL (NL = rows of 扣分明细)"""
import sys
from python_calamine import CalamineWorkbook
import xlsxwriter

src, dst = sys.argv[1], sys.argv[2]
wb_in = CalamineWorkbook.from_path(src)
rows = wb_in.get_sheet_by_index(0).to_python()
header, rows = rows[0], rows[1:]
n = len(rows)
NC, NI, ND, NL = map(int, sys.argv[3:7])  # categories, items, derived ratios, deduction rows

wb = xlsxwriter.Workbook(dst, {"constant_memory": True, "strings_to_numbers": False,
                               "strings_to_formulas": False, "strings_to_urls": False})
f = wb.add_format({"num_format": "0.00", "border": 1})
p = wb.add_format({"num_format": "0.00%", "border": 1})
t = wb.add_format({"border": 1})

ws = wb.add_worksheet("排名汇总")  # rank, name, region, total, categories, lost, band
ws.write_row(0, 0, ["名次", "设区市", "区域", "总分"] + ["分类%d" % j for j in range(NC)] + ["失分", "等级"])
for i, row in enumerate(rows, 1):
    ws.write_number(i, 0, i, t)
    ws.write_string(i, 1, str(row[0]), t)
    ws.write_string(i, 2, str(row[1]), t)
    ws.write_number(i, 3, 80.5, f)
    for j in range(NC):
        ws.write_number(i, 4 + j, 12.25, f)
    ws.write_number(i, 4 + NC, 19.5, f)
    ws.write_string(i, 5 + NC, "良好", t)

ws = wb.add_worksheet("分项得分")  # same cell count as N columns x 36 items, one row per unit
ws.write_row(0, 0, ["设区市", "区域", "名次", "总分", "失分"] + ["item%d" % j for j in range(NI)])
for i, row in enumerate(rows, 1):
    ws.write_string(i, 0, str(row[0]), t)
    ws.write_string(i, 1, str(row[1]), t)
    ws.write_number(i, 2, i, t)
    ws.write_number(i, 3, 80.5, f)
    ws.write_number(i, 4, 19.5, f)
    for j in range(NI):
        ws.write_number(i, 5 + j, 1.5, f)

ws = wb.add_worksheet("扣分明细")  # one row per lost item: as many rows as jsscore writes for this input
ws.write_row(0, 0, ["名次", "设区市", "编号", "评分项", "满分", "得分", "失分", "原因"])
for i in range(1, NL + 1):
    ws.write_number(i, 0, i, t)
    ws.write_string(i, 1, str(rows[i % n][0]), t)
    ws.write_string(i, 2, "2.2.1", t)
    ws.write_string(i, 3, "网络覆盖率达标", t)
    ws.write_number(i, 4, 6, f)
    ws.write_number(i, 5, 0, f)
    ws.write_number(i, 6, 6, f)
    ws.write_string(i, 7, "网络覆盖率 94.90% 低于达标线 95%（合计 949，达标需 950）", t)

ws = wb.add_worksheet("派生指标")
ws.write_row(0, 0, ["设区市", "区域"] + ["d%d" % j for j in range(ND)])
for i, row in enumerate(rows, 1):
    ws.write_string(i, 0, str(row[0]), t)
    ws.write_string(i, 1, str(row[1]), t)
    for j in range(ND):
        ws.write_number(i, 2 + j, 0.9731, p)

ws = wb.add_worksheet("填报数据")  # echo of every value read, plus the source file
ws.write_row(0, 0, header)
ws.write_row(1, 0, header)
for i, row in enumerate(rows, 2):
    for c, v in enumerate(row):
        if isinstance(v, str):
            ws.write_string(i, c, v, t)
        else:
            ws.write_number(i, c, v, t)
    ws.write_string(i, len(row), "input.xlsx", t)
wb.close()
'''


# ------------------------------------------------------------------------------------------ measuring


class Failed(RuntimeError):
    pass


def measure(argv: list[str], cwd: Path, timeout: float, env: dict | None = None) -> tuple[float, float, float]:
    """Run argv to completion; (wall seconds, peak RSS MiB, CPU seconds user+system) of that child.
    Raises Failed on a non-zero exit."""
    so = tempfile.TemporaryFile()
    se = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=so, stderr=se, env=env,
                         start_new_session=True)
    timer = threading.Timer(timeout, lambda: _kill(p.pid))
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from reaping again
    if p.returncode != 0:
        se.seek(0)
        so.seek(0)
        tail = (so.read()[-1500:] + b"\n" + se.read()[-1500:]).decode("utf-8", "replace")
        raise Failed(f"exit {p.returncode} after {wall:.1f}s: {' '.join(map(str, argv))}\n{tail}")
    return wall, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime


COUNT_JSON = """import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
print(len(doc["cities"]), sum(len(c["reasons"]) for c in doc["cities"]))
"""


def count_json(py: str, path: Path) -> tuple[int, int]:
    """(units, lost items) in a jsscore JSON result, parsed in a child: at 100 000 units the parsed
    document is over a GB, which this process must not hold (see ``make_input``)."""
    out = subprocess.run([py, "-c", COUNT_JSON, str(path)], capture_output=True, text=True, check=True).stdout
    units, lost = out.split()
    return int(units), int(lost)


def guard_rss(stats) -> str:
    """A warning if this process's own peak RSS reaches a child's measured peak: the child's figure may
    then be this process's, inherited at fork (see ``make_input``), not its own."""
    import resource

    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    low = min((min(st.rss) for st in stats if st.rss), default=None)
    if low is not None and mine >= low * 0.95:
        return f"peak RSS not measurable: the benchmark process itself peaked at {mine:.0f} MiB"
    return ""


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Stat:
    def __init__(self) -> None:
        self.walls: list[float] = []
        self.rss: list[float] = []
        self.cpus: list[float] = []

    def add(self, m: tuple[float, float, float]) -> None:
        self.walls.append(m[0])
        self.rss.append(m[1])
        self.cpus.append(m[2])

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def mem(self) -> float:
        return statistics.median(self.rss)

    def spread(self) -> str:
        return f"{min(self.walls):.3f}–{max(self.walls):.3f}"


def interleaved(cmds: dict[str, tuple[list[str], Path]], runs: int, timeout: float, warmup: bool = True,
                log=None) -> dict[str, Stat]:
    """Run each command `runs` times, round-robin, after one unmeasured warm-up round (page cache, pyc)."""
    stats = {k: Stat() for k in cmds}
    for i in range(-1 if warmup else 0, runs):
        for k, (argv, cwd) in cmds.items():
            m = measure(argv, cwd, timeout)
            if i >= 0:
                stats[k].add(m)
            if log:
                log(f"    {k:<22} run {i + 1 if i >= 0 else 'warm-up'}: {m[0]:8.3f} s {m[1]:8.1f} MiB "
                    f"(CPU {m[2]:.3f} s)")
    return stats


# ------------------------------------------------------------------------------------------ main


def find_jsscore(given: str | None) -> str:
    if given:
        return given
    cand = Path(sys.executable).parent / "jsscore"
    if cand.exists():
        return str(cand)
    found = shutil.which("jsscore")
    if not found:
        sys.exit("jsscore is not installed next to this python nor on PATH; pass --jsscore PATH")
    return found


def ok(cond: bool) -> str:
    return "met" if cond else "**NOT MET**"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=None, help="comma-separated N (default 13,1000,10000,100000)")
    ap.add_argument("--quick", action="store_true", help="N = 13,1000 with 3 runs each (development)")
    ap.add_argument("--runs-small", type=int, default=5, help="runs for start-up and N ≤ 1000 (default 5)")
    ap.add_argument("--runs-large", type=int, default=3, help="runs for N > 1000 (default 3)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "jsscore-bench")
    ap.add_argument("--jsscore", default=None, help="jsscore executable (default: next to this python)")
    ap.add_argument("--snapshot", metavar="REV", default=None,
                    help="measure the jsscore package of git revision REV (exported once into the cache and run "
                         "with this python), not the editable working tree, which others may change mid-run")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-results", action="store_true", help="print only, do not write RESULTS.md")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process (default 1800)")
    a = ap.parse_args(argv)

    sizes = [int(s) for s in (a.sizes or ("13,1000" if a.quick else "13,1000,10000,100000")).split(",")]
    runs_small = 3 if a.quick and a.runs_small == 5 else a.runs_small
    runs_large = a.runs_large
    py = sys.executable
    cache = a.cache
    cache.mkdir(parents=True, exist_ok=True)
    global SNAPSHOT
    if a.snapshot:
        js, SNAPSHOT = snapshot(a.snapshot, cache, py)
    else:
        js = find_jsscore(a.jsscore)
    work = Path(tempfile.mkdtemp(prefix="jsscore-bench-run-"))
    (cache / "typer_app.py").write_text(TYPER_APP, encoding="utf-8")
    (cache / "rw_floor.py").write_text(READ_WRITE_FLOOR, encoding="utf-8")
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    started = time.time()

    machine = f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, " \
              f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    args = " ".join(sys.argv[1:] if argv is None else argv)
    global REV_AT_START
    REV_AT_START = revision()
    log(f"jsscore: {js}\npython:  {py}\ncache:   {cache}\nwork:    {work}")
    log(f"start-up ({runs_small} runs each, interleaved)")
    start = interleaved({
        "python -c pass": ([py, "-c", "pass"], work),
        "typer app --help": ([py, str(cache / "typer_app.py"), "--help"], work),
        "import-only": ([py, "-c", IMPORT_ONLY], work),
        "jsscore --help": ([js, "--help"], work),
        "jsscore --version": ([js, "--version"], work),
        "jsscore template": ([js, "template", "-o", str(work / "template.xlsx"), "--force"], work),
    }, runs_small, a.timeout, log=log)

    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        inp = make_input(n, cache)
        log(f"N={n}: input {inp.name} ({inp.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f}s to get)")
        out_x, out_j, floor_x = work / f"out_{n}.xlsx", work / f"out_{n}.json", work / f"floor_{n}.xlsx"
        runs = runs_small if n <= 1000 else runs_large
        # the floor writes as many 扣分明细 rows as jsscore does for this input: count them once from an
        # untimed jsscore run (its JSON has one reason per lost item)
        subprocess.run([js, "score", str(inp), "-o", str(out_x), "--json", str(out_j), "--quiet", "--force"],
                       cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=a.timeout)
        n_units, n_lost = count_json(py, out_j)
        log(f"N={n}: {n_lost} deduction rows ({n_lost / n:.1f} per unit)")
        st = interleaved({
            "jsscore score": ([js, "score", str(inp), "-o", str(out_x), "--json", str(out_j), "--quiet", "--force"],
                              work),
            "read+write floor": ([py, str(cache / "rw_floor.py"), str(inp), str(floor_x),
                                  str(N_CATEGORIES), str(N_ITEMS), str(N_DERIVED), str(n_lost)], work),
        }, runs, a.timeout, warmup=n <= 10000, log=log)
        # sanity: every unit scored (the measured runs write the same output as the counting run)
        check = "" if n_units == n else f"only {n_units} of {n} units in the JSON"
        check = "; ".join(x for x in (check, guard_rss(st.values())) if x)
        if check:
            log("  WARNING: " + check)
        rows.append((n, st["jsscore score"], st["read+write floor"], runs, check))
        if not a.no_results and n != sizes[-1]:  # a partial table survives an interrupted long run
            write_results(a.results, render(start, rows, machine, runs_small, runs_large, args,
                                            time.time() - started, partial=True))

    text = render(start, rows, machine, runs_small, runs_large, args, time.time() - started)
    print(text)
    if not a.no_results:
        write_results(a.results, text)
        log(f"written {a.results}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


REV_AT_START = ""
SNAPSHOT = ""


def snapshot(rev: str, cache: Path, py: str) -> tuple[str, str]:
    """Export the jsscore package at git revision `rev` into the cache; return (wrapper script, commit).

    The wrapper puts the export first on sys.path, ahead of the editable install's finder, and runs the
    same entry point as the installed `jsscore` script."""
    root = HERE.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    dest = cache / f"snap-{commit[:12]}"
    if not (dest / "jsscore" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        arch = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", commit, "jsscore"],
                              capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)
    wrapper = dest / "jsscore-snapshot"
    wrapper.write_text(f"#!{py}\nimport sys\nsys.path.insert(0, {str(dest)!r})\n"
                       "from jsscore.cli import entry\nentry()\n", encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper), commit
BEGIN, END = "<!-- bench:begin (written by bench/run.py) -->", "<!-- bench:end -->"


def write_results(path: Path, text: str) -> None:
    """Replace the measured block of RESULTS.md, keeping the notes written around it."""
    block = f"{BEGIN}\n{text}\n{END}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = block + "\n" + old
    path.write_text(new, encoding="utf-8")


def revision() -> str:
    try:
        import jsscore  # only for its location and version

        root = Path(jsscore.__file__).resolve().parent.parent
        rev = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        return f"jsscore {getattr(jsscore, '__version__', '?')} at {rev or 'unknown revision'}"
    except Exception:  # noqa: BLE001 - informational only
        return "jsscore (revision unknown)"


def rev_note() -> str:
    """The revision measured; jsscore is usually an editable install, so say if it changed during the run."""
    if SNAPSHOT:
        return f"jsscore snapshot of commit {SNAPSHOT[:12]} (--snapshot)"
    now = revision()
    if REV_AT_START and now != REV_AT_START:
        return f"{REV_AT_START} at the start and {now} at the end (the tree changed during the run)"
    return now


def render(start: dict[str, Stat], rows: list, machine: str, runs_small: int, runs_large: int, args: str,
           took: float, partial: bool = False) -> str:
    typer_floor = start["typer app --help"]
    imp = start["import-only"]
    L = [
        "## Latest run",
        "",
        f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {rev_note()}, on {machine}; the whole run took "
        f"{took / 60:.1f} min{' so far (PARTIAL: the run was still going or was interrupted)' if partial else ''}. "
        "Reproduce from the repository root with:",
        "",
        "    /work/venv/bin/python bench/run.py" + (f" {args}" if args else ""),
        "",
        "Whole-process wall time (median) and peak RSS (median of `ru_maxrss`), jsscore and its floor",
        f"interleaved; {runs_small} runs for start-up and N ≤ 1000, {runs_large} for larger N. See the docstring",
        "of `bench/run.py` for what each floor is. CPU s is the child's user+system time (less sensitive than",
        "wall time to other load on the machine); the targets are judged on wall time, as the issue asks.",
        "",
        "### Start-up",
        "",
        "| process | wall s (median) | range s | CPU s | peak RSS MiB | vs typer `--help` | vs import-only | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for k, s in start.items():
        r_t = s.wall / typer_floor.wall
        r_i = s.wall / imp.wall
        target = ""
        if k in ("jsscore --help", "jsscore --version"):
            target = f"≤ {TARGETS['help']}× typer: {ok(r_t <= TARGETS['help'])}"
        L.append(f"| `{k}` | {s.wall:.3f} | {s.spread()} | {s.cpu:.3f} | {s.mem:.1f} | {r_t:.2f}× | {r_i:.2f}× "
                 f"| {target} |")
    L += [
        "",
        "### Scoring N units (`jsscore score IN.xlsx -o OUT.xlsx --json OUT.json --quiet`)",
        "",
        "Floor for N = 13 is the import-only process (pandas, openpyxl, typer, rich); for every N the",
        "read+write floor (python-calamine read + XlsxWriter constant_memory write of the same sheets, 扣分明细 included) is shown too.",
        "",
        "| N | jsscore wall s (range) | CPU s | RSS MiB | read+write floor wall s (range) | CPU s | RSS MiB "
        "| time ratio | CPU ratio | RSS ratio | vs import-only | targets |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    by_n = {}
    for n, js, fl, _runs, check in rows:
        by_n[n] = js
        t_ratio, m_ratio, i_ratio = js.wall / fl.wall, js.mem / fl.mem, js.wall / imp.wall
        targets = []
        if n <= 13:
            targets.append(f"≤ {TARGETS['small']}× import-only: {ok(i_ratio <= TARGETS['small'])}")
        if n >= 10000:
            targets.append(f"time ≤ {TARGETS['large']}× floor: {ok(t_ratio <= TARGETS['large'])}")
        if n >= 100000:
            targets.append(f"RSS ≤ {TARGETS['rss']}× floor: {ok(m_ratio <= TARGETS['rss'])}")
        if check:
            targets.append(check)
        L.append(f"| {n:,} | {js.wall:.2f} ({js.spread()}) | {js.cpu:.2f} | {js.mem:.0f} | {fl.wall:.2f} ({fl.spread()}) "
                 f"| {fl.cpu:.2f} | {fl.mem:.0f} | {t_ratio:.2f}× | {js.cpu / fl.cpu:.2f}× | {m_ratio:.2f}× "
                 f"| {i_ratio:.2f}× | {'; '.join(targets)} |")
    if 10000 in by_n and 100000 in by_n:
        g = by_n[100000].wall / by_n[10000].wall
        L += ["", f"Growth 10 000 → 100 000 units: {g:.2f}× in time (target ≤ {TARGETS['growth']:g}×: "
                  f"{ok(g <= TARGETS['growth'])}), {by_n[100000].cpu / by_n[10000].cpu:.2f}× in CPU time, "
                  f"{by_n[100000].mem / by_n[10000].mem:.2f}× in peak RSS."]
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
