"""``python -m reliability``: the long reliability and security campaign; prints every part's figures.

Exit status 0 when every invariant held, 1 otherwise. A full run takes several minutes on 2 cores; use
``--quick`` for the sizes the CI tests use, or ``--parts`` to run some parts only.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reliability import campaign, crashes, fuzz, load, security
from reliability.figures import Figures


@dataclass(frozen=True)
class Sizes:
    lifecycles: int
    workers: int
    provider_kills: int
    emulator_kills: int
    stacks: int
    check_examples: int
    emulator_examples: int


FULL = Sizes(lifecycles=200, workers=2, provider_kills=12, emulator_kills=6, stacks=8, check_examples=10_000,
             emulator_examples=10_000)
QUICK = Sizes(lifecycles=6, workers=2, provider_kills=3, emulator_kills=1, stacks=8, check_examples=300,
              emulator_examples=300)


def parts(seed: int, sizes: Sizes) -> dict[str, Callable[[], Figures]]:
    return {
        "campaign": lambda: campaign.run_campaign(seed=seed, lifecycles=sizes.lifecycles,
                                                  workers=sizes.workers),
        "provider-kills": lambda: crashes.provider_kills(seed=seed, rounds=sizes.provider_kills),
        "emulator-kills": lambda: crashes.emulator_kills(seed=seed, rounds=sizes.emulator_kills),
        "load": lambda: load.run_load(stacks=sizes.stacks),
        "fuzz-check": lambda: fuzz.fuzz_check(examples=sizes.check_examples, seed=seed),
        "fuzz-emulator": lambda: fuzz.fuzz_emulator(examples=sizes.emulator_examples, seed=seed),
        "secrets": lambda: security.scan_secrets(seed=seed),
        "auth": security.check_route_auth,
        "transport": security.check_transport,
        "audit": security.audit_dependencies,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--quick", action="store_true", help="the CI sizes instead of the full campaign")
    parser.add_argument("--lifecycles", type=int, help="fault-campaign lifecycles (200)")
    parser.add_argument("--workers", type=int, help="emulator + provider pairs running lifecycles (2)")
    parser.add_argument("--parts", help="comma-separated subset of: " + ", ".join(parts(0, FULL)))
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    sizes = Sizes(**{**base.__dict__, **{k: v for k, v in (("lifecycles", args.lifecycles),
                                                               ("workers", args.workers)) if v}})
    available = parts(args.seed, sizes)
    chosen = args.parts.split(",") if args.parts else list(available)
    unknown = [p for p in chosen if p not in available]
    if unknown:
        parser.error(f"unknown part(s) {unknown}")
    print(f"reliability campaign: seed {args.seed}, sizes {sizes}", flush=True)
    held = True
    for name in chosen:
        started = time.monotonic()
        figures = available[name]()
        print(figures.render(), flush=True)
        print(f"  ({name}: {time.monotonic() - started:.0f} s)", flush=True)
        held = held and figures.held
    print("ALL INVARIANTS HELD" if held else "SOME INVARIANTS WERE VIOLATED", flush=True)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
