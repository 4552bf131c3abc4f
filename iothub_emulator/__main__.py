"""``python -m iothub_emulator`` / ``iothub-emulator``: run the emulator in the foreground.

Prints exactly one line, ``iothub-emulator ready at http://HOST:PORT``, once it accepts requests
(preceded by a ``token: ...`` line only when the token was generated). SIGTERM or Ctrl-C shut it down
cleanly; every accepted change is already committed to the data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Sequence

from iothub_emulator.app import EmulatorApp
from iothub_emulator.faults import parse_rule
from iothub_emulator.server import bind, make_server, url_of
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import DB_FILE_NAME, Store

TOKEN_ENV = "IOTHUB_EMULATOR_TOKEN"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="iothub-emulator",
        description="Local emulator of the Azure IoT Hub resource provider (Microsoft.Devices ARM API). "
        "Prints 'iothub-emulator ready at <url>' once it accepts requests; SIGTERM or Ctrl-C stop it. "
        "Point an ARM client at the printed URL and send 'Authorization: Bearer <token>'.",
        epilog="Control API (same token): POST /_emulator/reset, /_emulator/resource-groups, "
        "PUT /_emulator/provisioning, /_emulator/settings, POST|GET|DELETE /_emulator/faults, "
        "GET|DELETE /_emulator/requests. See the README.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=8910, help="port to listen on; 0 picks a free port (default: 8910)"
    )
    store = p.add_mutually_exclusive_group()
    store.add_argument(
        "--data-dir",
        default=".emulator",
        help=f"directory for persistent state ({DB_FILE_NAME}); created if missing (default: ./.emulator)",
    )
    store.add_argument("--in-memory", action="store_true", help="keep state in memory only (lost on exit)")
    p.add_argument(
        "--token",
        default=None,
        help=f"bearer token clients must send (default: ${TOKEN_ENV}; if unset, a random token is "
        "generated and printed)",
    )
    prov = p.add_mutually_exclusive_group()
    prov.add_argument(
        "--provisioning-delay",
        type=float,
        metavar="SECONDS",
        default=None,
        help="async operations (hub create/update/delete, resource group delete) finish this many "
        "seconds after they are accepted (default: immediately)",
    )
    prov.add_argument(
        "--provisioning-polls",
        type=int,
        metavar="N",
        default=None,
        help="async operations answer Running to the first N polls (status-URL or hub GETs, writes refused "
        "with 409002), then finish",
    )
    p.add_argument(
        "--retry-after",
        type=int,
        metavar="SECONDS",
        default=None,
        help="send Retry-After (>= 1) on DELETE 202 and Location 202 responses (default: not sent)",
    )
    p.add_argument(
        "--page-size", type=int, default=100, help="items per page of list responses (default: 100)"
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help="a fault rule active from the start and after every reset (repeatable), e.g. "
        '\'{"kind": "throttle", "count": 3, "retry_after": 1}\'; kinds: throttle, error, not_active, delay, '
        "drop, fail_operation, get_404_after_put; fields: kind, method, path, path_regex, count, after, "
        "status, code, message, retry_after, delay",
    )
    p.add_argument(
        "--skip-api-version-check",
        action="store_true",
        help="accept any api-version on Microsoft.Devices routes",
    )
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: warning)",
    )
    return p


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    settings = EmulatorSettings(
        retry_after=args.retry_after,
        page_size=args.page_size,
        skip_api_version_check=args.skip_api_version_check,
    )
    if args.provisioning_delay is not None and args.provisioning_delay > 0:
        settings.provisioning_mode, settings.provisioning_value = "seconds", args.provisioning_delay
    elif args.provisioning_polls is not None and args.provisioning_polls > 0:
        settings.provisioning_mode, settings.provisioning_value = "polls", args.provisioning_polls
    settings.validate()
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        parser().error(str(exc))
    faults = []
    for text in args.fault:
        try:
            rule = json.loads(text)
            parse_rule(rule)
        except (ValueError, TypeError) as exc:
            parser().error(f"--fault {text!r}: {exc}")
        faults.append(rule)
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"token: {token}", flush=True)
    store = Store(":memory:") if args.in_memory else Store.in_data_dir(args.data_dir)
    sock = bind(args.host, args.port)
    server = make_server(EmulatorApp(store, token, settings, faults), log_level=args.log_level)
    url = url_of(sock)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.started:
            print(f"iothub-emulator ready at {url}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
