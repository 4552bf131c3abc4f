"""Figures, medians, ratios and the printed table.

A benchmark returns :class:`Figure` rows; the runner prints them as one table and, when asked,
writes the same table as Markdown for ``bench/RESULTS.md``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def median(values: Sequence[float]) -> float:
    """The median of repeated runs; NaN when there were none so a missing figure stays visible."""
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is zero or not a number."""
    if denominator == 0 or denominator != denominator:
        return float("nan")
    return numerator / denominator


@dataclass(frozen=True)
class Target:
    """A target from the issue; ``met`` is None in quick mode or when it does not apply."""

    text: str
    met: bool | None

    def mark(self) -> str:
        if self.met is None:
            return "-"
        return "met" if self.met else "MISSED"


@dataclass
class Figure:
    """One row of the results table."""

    bench: str
    case: str
    metrics: dict[str, str] = field(default_factory=dict)
    target: Target | None = None

    def cells(self) -> list[str]:
        shown = "  ".join(f"{k}={v}" for k, v in self.metrics.items())
        target = "" if self.target is None else f"{self.target.mark()}: {self.target.text}"
        return [self.bench, self.case, shown, target]


def fmt_s(seconds: float) -> str:
    """Seconds, with milliseconds when they matter."""
    if seconds != seconds:
        return "n/a"
    if seconds < 1:
        return f"{seconds * 1000:.1f}ms"
    return f"{seconds:.2f}s"


def fmt_ratio(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}x"


def fmt_num(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


_HEADERS = ["bench", "case", "figures (medians)", "target"]


def text_table(figures: Iterable[Figure]) -> str:
    """A plain table for the terminal; long figure cells are left unpadded so lines stay readable."""
    rows = [f.cells() for f in figures]
    widths = [max([len(_HEADERS[i])] + [len(r[i]) for r in rows]) for i in range(2)]
    lines = [f"{_HEADERS[0]:<{widths[0]}}  {_HEADERS[1]:<{widths[1]}}  {_HEADERS[2]}  | {_HEADERS[3]}"]
    lines.append("-" * len(lines[0]))
    for r in rows:
        target = f"  | {r[3]}" if r[3] else ""
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}{target}")
    return "\n".join(lines)


def markdown_table(figures: Iterable[Figure]) -> str:
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    for f in figures:
        cells = [c.replace("|", "\\|") for c in f.cells()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
