"""The numbers each part of the campaign reports, and how they are printed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Figures:
    """Counters of one part; ``problems`` holds one line per invariant violation (empty when all held)."""

    name: str
    counts: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, amount: int = 1) -> None:
        self.counts[key] += amount

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def merge(self, other: Figures) -> None:
        self.counts.update(other.counts)
        self.faults.update(other.faults)
        self.problems.extend(other.problems)
        self.notes.extend(other.notes)

    @property
    def held(self) -> bool:
        return not self.problems

    def render(self) -> str:
        lines = [f"== {self.name}: {'all invariants held' if self.held else 'INVARIANTS VIOLATED'}"]
        lines += [f"  {key:<38} {value}" for key, value in sorted(self.counts.items())]
        if self.faults:
            lines.append(f"  {'faults injected (total)':<38} {sum(self.faults.values())}")
            lines += [f"    {kind:<36} {n}" for kind, n in sorted(self.faults.items())]
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  PROBLEM: {problem}" for problem in self.problems]
        return "\n".join(lines)
