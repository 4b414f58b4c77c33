"""The README stays in step with the code: the problem-code table is the catalogue's, and every command
and every option of `score` is documented (introspected from the typer app, so a new option without a
line in the README fails here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from jsscore.cli import app
from jsscore.problems import CATALOGUE, markdown_table

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _command():
    return typer.main.get_command(app)


def _commands() -> dict:
    root = _command()
    return dict(root.commands)


def test_codes_table_is_generated_from_the_catalogue():
    m = re.search(r"<!-- codes:start -->\n(.*?)\n?<!-- codes:end -->", README, re.S)
    assert m, "README lacks the codes markers"
    assert m.group(1).strip("\n") == markdown_table()


def test_codes_table_has_one_row_per_code():
    table = markdown_table().splitlines()
    assert len(table) == 2 + len(CATALOGUE)
    for code in CATALOGUE:
        assert sum(f"`{code}`" in row for row in table) == 1


def test_every_command_is_in_the_readme():
    cmds = _commands()
    assert {"template", "score", "validate", "explain", "sensitivity", "rubric"} <= set(cmds)
    for name, cmd in cmds.items():
        assert f"jsscore {name}" in README, name
        if hasattr(cmd, "commands"):  # a group (typer vendors click, so no isinstance)
            subs = list(cmd.commands)
            assert subs
            lines = [ln for ln in README.splitlines() if f"jsscore {name}" in ln]
            for sub in subs:
                assert any(re.search(rf"\b{re.escape(sub)}\b", ln) for ln in lines), f"{name} {sub}"


def _options(cmd) -> list:
    return [p for p in cmd.params if p.param_type_name == "option"]


def test_every_option_of_score_is_in_the_readme():
    score = _commands()["score"]
    opts = _options(score)
    assert len(opts) >= 10
    for p in opts:
        longs = [o for o in p.opts if o.startswith("--")]
        shorts = [o for o in p.opts if not o.startswith("--")]
        assert longs, p.opts
        for lo in longs:
            assert re.search(rf"`{re.escape(lo)}\b", README) or re.search(rf"`-\w, {re.escape(lo)}\b", README), lo
        for sh in shorts:  # documented together with the long form, e.g. `-o, --output 路径`
            assert any(f"{sh}, {lo}" in README for lo in longs), sh


@pytest.mark.parametrize("name", ["template", "validate", "explain", "sensitivity"])
def test_options_of_other_commands_are_mentioned(name):
    cmd = _commands()[name]
    for p in _options(cmd):
        if p.name in ("help",):
            continue
        longs = [o for o in p.opts if o.startswith("--")]
        assert any(lo in README for lo in longs), (name, p.opts)


def test_global_options_are_in_the_readme():
    root = _command()
    for p in _options(root):
        for o in p.opts:
            if o.startswith("--"):
                assert o in README, o
