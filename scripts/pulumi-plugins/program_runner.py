"""Runs a Pulumi Python program for language_host.py, inside the program's virtualenv.

The engine's contract for the program process: configuration from `PULUMI_CONFIG` (a JSON object) and
`PULUMI_CONFIG_SECRET_KEYS` (a JSON list); the runtime settings from the flags; the program run as `__main__`
inside `pulumi.runtime.run_in_stack` on an event loop whose default executor has four workers per unit of
`--parallel`. Exit 0 on success; on a `pulumi.RunError` or any other exception the error is reported to the
engine with `pulumi.log.error` and the process exits 32, which tells the host the user has seen the message.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

import pulumi
import pulumi.runtime

REPORTED_EXIT_CODE = 32


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="run a Pulumi Python program")
    for flag in ("monitor", "engine", "project", "root_directory", "stack", "pwd", "organization", "tracing"):
        parser.add_argument(f"--{flag}")
    parser.add_argument("--dry_run", default="false")
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("program")
    parser.add_argument("args", nargs="*")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> None:
    runtime = pulumi.runtime
    runtime.set_all_config(runtime.get_config_env(), runtime.get_config_secret_keys_env())
    pulumi.runtime.configure(pulumi.runtime.Settings(
        project=args.project, stack=args.stack, monitor=args.monitor, engine=args.engine,
        parallel=args.parallel, dry_run=args.dry_run == "true", organization=args.organization,
        root_directory=args.root_directory))


def run(args: argparse.Namespace) -> int:
    configure(args)
    sys.argv = [args.program, *args.args]
    if args.pwd:
        os.chdir(args.pwd)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(ThreadPoolExecutor(max_workers=max(args.parallel, 1) * 4))
    # A failed resource leaves parts of the program's output graph unobserved on purpose; asyncio's complaints
    # about them would only bury the real error.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    program = args.program

    def main() -> None:
        runpy.run_path(program, run_name="__main__")

    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(main))
    except pulumi.RunError as error:
        pulumi.log.error(str(error))
        return REPORTED_EXIT_CODE
    except Exception:
        pulumi.log.error(f"Program failed with an unhandled exception:\n{traceback.format_exc()}")
        return REPORTED_EXIT_CODE
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(run(parse(sys.argv[1:])))
