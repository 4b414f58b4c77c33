"""Consumers of engine results: the ranked workbook, the template, the console summary, JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsscore.engine import CityResult
from jsscore.problems import Problem
from jsscore.rubric import Rubric


@dataclass
class Report:
    """Everything one scoring run produced, as the writers need it."""

    results: list[CityResult]
    rubric: Rubric
    params: dict[str, Any]
    inputs: list[tuple[str, str]]
    problems: list[Problem]
    generated_at: str
    version: str
    previous: Any = None  # year-over-year comparison, when --previous is given
    extras: dict = field(default_factory=dict)


def band(total, full) -> str:
    """Colour band name of a total (share of the full marks)."""
    share = total / full if full else 0
    if share >= 0.9:
        return "优秀"
    if share >= 0.8:
        return "良好"
    if share >= 0.6:
        return "合格"
    return "待改进"
