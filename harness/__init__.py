"""The one engine harness of this repository, used by the tests, the benchmarks (bench/) and the reliability
campaign (reliability/); not part of the wheel.

The Pulumi engine's side of the dynamic-provider protocol, without the Pulumi CLI:

- `process.ProviderProcess`: `python -m pulumi.dynamic` started as the engine starts it.
- `rpc`: single Check/Diff/Create/Delete calls built and sent as the engine does (the benchmarks time these).
- `engine.EngineSimulator`: the engine's state and step sequences (preview, up, refresh, destroy);
  `errors` holds what a failed step raises.
- `mocks.run_program`: a real program under `pulumi.runtime.set_mocks`, its resources sent to the simulator.
- `stack.SimulatedStack`: the commands users run, for tests; `stack.load_stack_config` reads a stack file.
- `wire`: property values as they travel (floats, dropped nulls, unknowns, secrets).

And the real thing: `cli.PulumiProject` runs the real Pulumi CLI (through scripts/pulumi) on a throw-away
project with its own state backend, for the end-to-end tests and the benchmark of the CLI.

Usage::

    with ProviderProcess(project="iothub-provider") as provider:
        stack = SimulatedStack(provider, project="iothub-provider", stack="test", config={
            "iothub:armEndpoint": emulator.url, "iothub:accessToken": Secret(emulator.token), ...})
        stack.preview(program)              # Check (and Diff) only; run.deployment.methods() lists the RPCs
        run = stack.up(program)             # run.deployment.ops(), run.exports (Secret-wrapped when secret)
        stack.resource("hub").outputs       # state; .secret_outputs says what the engine would encrypt
        stack.refresh(); stack.destroy()

A program is any function that creates resources (or runs `__main__.py` with `runpy`). Provider errors come
back as `errors.ProviderError` (with the provider's traceback), Check failures as `errors.CheckFailed`.

The simulator is held to the real engine by tests/harness (the recording of the real engine's calls,
tests/harness/recorded_engine_calls.json, and the tests of the harness itself).
"""
