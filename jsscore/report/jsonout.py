"""The machine-readable result (RUBRIC.md "Machine-readable result"), as a plain dict.

Scores are 2-place Decimals written as JSON numbers (``float(Decimal("79.01"))`` prints 79.01:
the shortest repr of a 2-place decimal is that decimal). Derived ratios are rounded to 6 places.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from jsscore.engine import CityResult
from jsscore.problems import Problem
from jsscore.rubric import Rubric

RATIO_PLACES = Decimal("0.000001")


def num(x: Decimal | Fraction | None) -> float | int | None:
    if x is None:
        return None
    if isinstance(x, Fraction):
        x = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(RATIO_PLACES)
    return float(x)


def param_json(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def build(results: list[CityResult], rubric: Rubric, params: dict[str, Any], inputs: list[tuple[str, str]],
          problems: list[Problem], meta: dict | None = None) -> dict:
    return {
        "rubric": {
            "id": rubric.id, "version": rubric.version, "sha256": rubric.sha256,
            "parameters": {k: param_json(v) for k, v in params.items()},
        },
        "inputs": [{"path": p, "sha256": h} for p, h in inputs],
        "cities": [
            {
                "city": r.city, "region": r.region, "rank": r.rank, "total": num(r.total),
                "categories": {k: num(v) for k, v in r.categories.items()},
                "items": {k: num(v.score) for k, v in r.items.items()},
                "derived": {k: num(v) for k, v in r.derived.items()},
                "reasons": {k: v.reason for k, v in r.items.items() if v.reason},
            }
            for r in results
        ],
        "issues": [p.as_dict() for p in problems],
        **({"generated": meta} if meta else {}),
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write(doc: dict, path: Path) -> None:
    from jsscore.report.safe import atomic_write_text

    atomic_write_text(path, dumps(doc))
