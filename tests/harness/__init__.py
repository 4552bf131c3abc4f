"""Tests of the engine harness (the top-level `harness` package) and what holds it to the real engine.

- `recorded.py` and `recorded_engine_calls.json`: one scenario and the calls the real Pulumi engine made to
  the provider through it (tests/e2e/test_engine_calls.py records them, `IOTHUB_RECORD_ENGINE_CALLS=1` anew);
  `test_recorded_calls.py` requires the simulator to make the same calls.
- `sample_provider.py` and `test_engine.py`: the simulator's step sequences, checked with a tiny provider of
  its own (importable from the project root, as the engine requires).
"""
