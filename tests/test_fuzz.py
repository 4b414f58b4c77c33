"""Bounded, seeded fuzzing of ``jsscore score`` with damaged and odd input files.

Each case takes a valid input (a generated 3-city wide workbook, the shared WPS case C01 when present,
or a generated CSV), applies a few random mutations — cell values of every type (text, huge and
negative numbers, NaN-like text, dates, bools, formulas without cached values, very long or exotic
strings), deleted or inserted rows/columns/sheets, flipped or truncated bytes, damaged, missing or
garbage zip members — and runs the CLI in-process. Whatever the damage:

* the exit code is 0, 1 or 2 and no exception escapes ``cli.run``;
* the output has no Python traceback and no "internal error" (every failure is a diagnosed one);
* when the exit code is not 0, no output file (nor a temporary one) is left behind;
* when it is 0, the workbook and the JSON are complete.

A failure names the case number and its mutations; ``SEED`` and the case number reproduce it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import warnings
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from conftest import CASES, perfect_values

from jsscore import cli
from jsscore.rubric import load

SEED = 20260401
N_CASES = 150
RUBRIC = load()
KEYS = list(RUBRIC.fields)
CITIES = ["南京市", "南通市", "宿迁市"]
C01 = CASES / "C01_wps_dimension_a1.xlsx"

# Values a person, another program or a broken export might leave in a cell.
VALUES = [
    None, "", " ", "\u3000", "是", "否", "Y", "√", "有", "maybe", "不详", "约95%", "95%", "９５％", "120.5万元",
    "15人", "1,234", "1.2.3", "十二", "-", "—", "N/A", "NaN", "nan", "inf", "-Infinity", "1e400", "#DIV/0!",
    "#REF!", "=1/0", "=SUM(A1:A3)", "=A2*100", '=HYPERLINK("http://example.invalid","x")', "+1", "@SUM(1)",
    "全市", "市本级", " 省平台集中 ", "苏北", "南京", "南京市", "常州", "火星市", "\u200b95%",
    "😀", "x" * 40_000, "ＡＢＣ", 0, 1, -1, 2, 3, 7, 100, 101, -0.5, 0.5, 0.95, 0.949999, 1.0000001, 95,
    1e308, -1e308, 10**30, -(10**18), 3.14159, float("nan"), float("inf"), True, False,
    dt.datetime(2024, 1, 1), dt.date(1900, 1, 1), dt.time(12, 30),
]
MEMBERS = ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
           "[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "docProps/core.xml"]


@pytest.fixture(autouse=True)
def _rubric_loaded_once(monkeypatch):
    """Each ``cli.run`` reloads and re-checks the built-in rubric (~50 ms); it is immutable, so these
    tests hand the CLI the one loaded above (its loading is tested in test_rubric.py)."""
    import jsscore.rubric

    real = jsscore.rubric.load
    monkeypatch.setattr(jsscore.rubric, "load", lambda path=None: RUBRIC if path is None else real(path))


# ------------------------------------------------------------------------------------------ bases


def _cell(key: str, v):
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _generated_xlsx() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("原始数据")
    pct = wb.add_format({"num_format": "0.0%"})
    for c, k in enumerate(KEYS + ["备注"]):
        ws.write_string(0, c, k)
    region = RUBRIC.city_region()
    for r, city in enumerate(CITIES, 1):
        v = perfect_values()
        ws.write_string(r, 0, city)
        ws.write_string(r, 1, region[city])
        for c, k in enumerate(KEYS[2:], 2):
            x = _cell(k, v[k])
            if isinstance(x, str):
                ws.write_string(r, c, x)
            else:
                ws.write_number(r, c, x, pct if RUBRIC.fields[k].type == "pct" else None)
        ws.write_string(r, len(KEYS), "=cmd|' /C calc'!A0")
    wb.close()
    return buf.getvalue()


def _generated_csv() -> bytes:
    region = RUBRIC.city_region()
    lines = [",".join(KEYS)]
    for city in CITIES:
        v = perfect_values()
        cells = [city, region[city]]
        for k in KEYS[2:]:
            x = v[k]
            if isinstance(x, bool):
                cells.append("是" if x else "否")
            elif RUBRIC.fields[k].type == "pct":
                cells.append(f"{x * 100}%")
            else:
                cells.append(str(x))
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def bases() -> dict[str, bytes]:
    out = {"gen": _generated_xlsx(), "csv": _generated_csv()}
    if C01.exists():
        out["c01"] = C01.read_bytes()
    return out


# ------------------------------------------------------------------------------------------ mutations


def _mutate_cells(rng: random.Random, data: bytes, log: list[str]) -> bytes:
    """Random cell values and structural edits through openpyxl (formulas saved without a value)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data))
    for _ in range(rng.randint(1, 5)):
        ws = rng.choice(wb.worksheets)
        rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
        op = rng.choice(["set", "set", "set", "set", "header", "del_row", "del_col", "ins_row", "ins_col",
                         "dup_row", "new_sheet", "del_sheet", "hide_sheet", "rename", "clear_row"])
        try:
            if op in ("set", "header"):
                r = 1 if op == "header" else rng.randint(1, rows + 2)
                c = rng.randint(1, cols + 2)
                v = rng.choice(VALUES)
                ws.cell(r, c).value = v
                log.append(f"{ws.title}!{openpyxl.utils.get_column_letter(c)}{r}={str(v)[:30]!r}")
            elif op == "del_row":
                r = rng.randint(1, rows)
                ws.delete_rows(r, rng.randint(1, 2))
                log.append(f"del_row {r}")
            elif op == "del_col":
                c = rng.randint(1, cols)
                ws.delete_cols(c, rng.randint(1, 3))
                log.append(f"del_col {c}")
            elif op == "ins_row":
                r = rng.randint(1, rows)
                ws.insert_rows(r)
                log.append(f"ins_row {r}")
            elif op == "ins_col":
                c = rng.randint(1, cols)
                ws.insert_cols(c)
                log.append(f"ins_col {c}")
            elif op == "dup_row":
                r = rng.randint(2, max(rows, 2))
                ws.append([ws.cell(r, c).value for c in range(1, cols + 1)])
                log.append(f"dup_row {r}")
            elif op == "clear_row":
                r = rng.randint(1, rows)
                for c in range(1, cols + 1):
                    ws.cell(r, c).value = None
                log.append(f"clear_row {r}")
            elif op == "new_sheet":
                extra = wb.create_sheet(rng.choice(["Sheet2", "说明", "city", "原始数据 (2)"]))
                extra.append(rng.sample(KEYS, 5))
                log.append(f"new_sheet {extra.title}")
            elif op == "del_sheet" and len(wb.worksheets) > 1:
                log.append(f"del_sheet {ws.title}")
                wb.remove(ws)
            elif op == "del_sheet":
                wb.create_sheet("空白")
                wb.remove(ws)
                log.append("replace only sheet by an empty one")
            elif op == "hide_sheet" and len(wb.worksheets) > 1:
                ws.sheet_state = "hidden"
                log.append(f"hide {ws.title}")
            elif op == "rename":
                ws.title = rng.choice(["填报", "Sheet1", "数据 2024", "x" * 31])
                log.append(f"rename {ws.title}")
        except (ValueError, openpyxl.utils.exceptions.IllegalCharacterError) as e:
            log.append(f"{op} skipped ({type(e).__name__})")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, edit) -> bytes:
    """Rebuild the archive, letting ``edit(name, bytes)`` return new bytes or None to drop the member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            new = edit(info.filename, zin.read(info.filename))
            if new is not None:
                zout.writestr(info.filename, new)
    return out.getvalue()


def _mutate_zip(rng: random.Random, data: bytes, log: list[str]) -> bytes:
    """Damage at the archive level: bytes, members, XML text."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    op = rng.choice(["flip", "flip", "truncate", "drop", "drop_workbook", "trunc_member", "garbage_member",
                     "xml_flip", "xml_cut", "dtd", "empty_member", "dup_member"])
    target = rng.choice([n for n in MEMBERS if n in names] or names)
    log.append(f"{op} {target}")
    if op == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if op == "truncate":
        return data[:rng.randrange(1, len(data))]
    if op in ("drop", "drop_workbook"):
        gone = "xl/workbook.xml" if op == "drop_workbook" else target
        return _rezip(data, lambda n, b: None if n == gone else b)
    if op == "trunc_member":
        return _rezip(data, lambda n, b: b[:rng.randrange(len(b) or 1)] if n == target else b)
    if op == "garbage_member":
        return _rezip(data, lambda n, b: rng.randbytes(rng.randint(1, 2000)) if n == target else b)
    if op == "empty_member":
        return _rezip(data, lambda n, b: b"" if n == target else b)
    if op == "xml_flip":
        def flip(n, b):
            if n != target or not b:
                return b
            b = bytearray(b)
            for _ in range(rng.randint(1, 5)):
                b[rng.randrange(len(b))] = rng.choice(b"<>&\"'/=x\x00\xff")
            return bytes(b)
        return _rezip(data, flip)
    if op == "xml_cut":
        return _rezip(data, lambda n, b: b[:len(b) // 2] + b[len(b) // 2 + rng.randint(1, 200):] if n == target else b)
    if op == "dtd":
        dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'

        def add(n, b):
            if n != target:
                return b
            if b.startswith(b"<?xml"):
                end = b.index(b"?>") + 2
                return b[:end] + dtd + b[end:]
            return dtd + b
        return _rezip(data, add)
    # dup_member: a second, different copy of a member under the same name
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info.filename))
            zout.writestr(target, b"<x/>")
    return out.getvalue()


def _mutate_csv(rng: random.Random, data: bytes, log: list[str]) -> bytes:
    text = data.decode("utf-8")
    op = rng.choice(["cell", "cell", "quote", "gbk", "bom", "bytes", "delim", "cut", "lines"])
    log.append(op)
    if op == "cell":
        lines = text.split("\r\n")
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        if cells and cells[0]:
            cells[rng.randrange(len(cells))] = str(rng.choice(VALUES))[:50].replace(",", "，")
        lines[i] = ",".join(cells)
        return "\r\n".join(lines).encode("utf-8")
    if op == "quote":
        i = rng.randrange(len(text))
        return (text[:i] + '"' + text[i:]).encode("utf-8")
    if op == "gbk":
        return text.encode("gb18030")
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "bytes":
        b = bytearray(data)
        for _ in range(rng.randint(1, 10)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == "delim":
        return text.replace(",", rng.choice([";", "\t", "，"])).encode("utf-8")
    if op == "cut":
        return data[:rng.randrange(1, len(data))]
    lines = text.split("\r\n")  # "lines": shuffle, drop and repeat rows
    rng.shuffle(lines)
    return "\n".join(lines[: rng.randint(1, len(lines))] + lines[:2]).encode("utf-8")


def make_case(i: int, bases: dict[str, bytes]) -> tuple[str, bytes, list[str]]:
    rng = random.Random(SEED * 1000 + i)
    log: list[str] = []
    if i % 5 == 4:
        base = "csv"
    elif i % 10 == 3 and "c01" in bases:
        base = "c01"
    else:
        base = "gen"
    log.append(base)
    data = bases[base]
    if base == "csv":
        return ".csv", _mutate_csv(rng, data, log), log
    kind = rng.random()
    if kind < 0.5:
        data = _mutate_cells(rng, data, log)
    elif kind < 0.85:
        data = _mutate_zip(rng, data, log)
    else:
        data = _mutate_zip(rng, _mutate_cells(rng, data, log), log)
    return ".xlsx", data, log


# ------------------------------------------------------------------------------------------ the test


@pytest.mark.parametrize("i", range(N_CASES))
def test_damaged_input_is_handled(i, bases, tmp_path, capsys):
    suffix, data, log = make_case(i, bases)
    src = tmp_path / f"填报{suffix}"
    src.write_bytes(data)
    out, js = tmp_path / "结果.xlsx", tmp_path / "结果.json"
    rc = cli.run(["score", str(src), "-o", str(out), "--json", str(js), "-q"])
    cap = capsys.readouterr()
    text = cap.out + cap.err
    why = f"case {i} (seed {SEED}): {log}\n{text[-1500:]}"
    assert rc in (0, 1, 2), why
    assert "Traceback" not in text, why
    assert "程序内部错误" not in text, why
    assert src.read_bytes() == data, why
    left = {p.name for p in tmp_path.iterdir()}
    if rc == 0:
        assert left == {src.name, out.name, js.name}, why
        assert zipfile.is_zipfile(out), why
        doc = json.loads(js.read_text(encoding="utf-8"))
        assert isinstance(doc["cities"], list), why
    else:
        assert left == {src.name}, why
        assert text.strip(), why  # a refusal always says why
