"""Test harness: the Pulumi engine's side of the dynamic-provider protocol, without the Pulumi CLI.

- `process.ProviderProcess`: `python -m pulumi.dynamic` started as the engine starts it.
- `engine.EngineSimulator`: the engine's state and step sequences (preview, up, refresh, destroy).
- `mocks.run_program`: a real program under `pulumi.runtime.set_mocks`, its resources sent to the simulator.
- `stack.SimulatedStack`: the commands users run, for tests; `stack.load_stack_config` reads a stack file.
- `wire`: property values as they travel (floats, dropped nulls, unknowns, secrets).

Usage::

    with ProviderProcess(project="iothub-provider") as provider:
        stack = SimulatedStack(provider, project="iothub-provider", stack="test", config={
            "iothub:armEndpoint": emulator.url, "iothub:accessToken": Secret(emulator.token), ...})
        stack.preview(program)              # Check (and Diff) only; run.deployment.methods() lists the RPCs
        run = stack.up(program)             # run.deployment.ops(), run.exports (Secret-wrapped when secret)
        stack.resource("hub").outputs       # state; .secret_outputs says what the engine would encrypt
        stack.refresh(); stack.destroy()

A program is any function that creates resources (or runs `__main__.py` with `runpy`). Provider errors come
back as `engine.ProviderError` (with the provider's traceback), Check failures as `engine.CheckFailed`.
"""
