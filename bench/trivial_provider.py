"""The floor for provider benchmarks: a dynamic provider that does nothing.

Its Check echoes the inputs and its Diff reports no change, so timing it measures only the
engine protocol, dill and the interpreter: what any dynamic provider in this interpreter costs.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider


class TrivialProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props.get("name", "trivial")), dict(props))
