"""Why a deployment step failed, as the engine reports it (a failed step stops the deployment; what was done
before it stays in state).

    EngineError          a step of the deployment failed
    ├── CheckFailed      the provider's Check returned failures (property and reason each)
    ├── ProviderError    the provider answered an RPC with a gRPC error (its traceback is in `details`)
    └── StepRefused      the engine itself refuses the step (empty id from Create, replacing an import)

A module of its own so that the single calls (`harness.rpc`) and the engine simulator (`harness.engine`) raise
the same errors.
"""

from __future__ import annotations


class EngineError(Exception):
    """A step of the deployment failed."""


class CheckFailed(EngineError):
    """The provider's Check returned failures."""

    def __init__(self, name: str, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        listed = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        super().__init__(f"{name}: check failed: {listed}")


class ProviderError(EngineError):
    """The provider answered an RPC with a gRPC error status."""

    def __init__(self, method: str, name: str, code: str, details: str) -> None:
        self.method, self.code, self.details = method, code, details
        super().__init__(f"{name}: {method} failed ({code}): {details}")


class StepRefused(EngineError):
    """The engine refuses the step, whatever the provider says."""
