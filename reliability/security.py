"""Security checks: secrets stay out of everything that is not a secret; the emulator refuses strangers; the
transport never speaks plain http to a remote host nor skips TLS verification; known-vulnerable dependencies.

Secret scan: a stack deploys, updates, refreshes and fails in several ways (a stale etag, an operation that
fails, a refused token); then every key, connection string and the access token is looked for in the pickled
providers, in the outputs the engine stores in plain text, in everything the provider processes printed, and
in every error message. The scan also checks it is not vacuous: the keys are in the secret outputs.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import requests

from harness.errors import EngineError, ProviderError
from harness.process import PROJECT_ROOT, ProviderProcess
from harness.wire import PROVIDER_KEY
from iothub_emulator import routes
from iothub_emulator.server import EmulatorServer
from iothub_provider.client.settings import Settings
from iothub_provider.errors import ConfigurationError
from reliability.figures import Figures
from reliability.lab import LOCATION, PROJECT, TOKEN, DeclaredStack, HubSpec, provider_config, subscription
from reliability.operator import Operator

SAMPLE_PARAMS: Final = {"sub": subscription(4), "rg": "rg-sec", "hub": "sec-hub", "ep": "events",
                        "cg": "readers", "key": "iothubowner", "job": "job-1", "op": "op-1",
                        "region": LOCATION}
CONTROL_ROUTES: Final = (("GET", "/_emulator/health"), ("POST", "/_emulator/reset"),
                         ("POST", "/_emulator/resource-groups"), ("GET", "/_emulator/provisioning"),
                         ("PUT", "/_emulator/provisioning"), ("GET", "/_emulator/settings"),
                         ("PUT", "/_emulator/settings"), ("GET", "/_emulator/faults"),
                         ("POST", "/_emulator/faults"), ("DELETE", "/_emulator/faults"),
                         ("DELETE", "/_emulator/faults/abc"), ("GET", "/_emulator/requests"),
                         ("DELETE", "/_emulator/requests"), ("GET", "/no/such/route"))
BAD_AUTHORIZATIONS: Final = (None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", f"Bearer {TOKEN}x",
                             f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN.upper()}", f"Bearer {TOKEN} extra",
                             f"Token {TOKEN}")
UNSAFE_ENDPOINTS: Final = ("http://management.azure.com", "http://10.0.0.5:8910", "http://localhost.evil.example",
                           "http://127.0.0.1.nip.io", "http://localhost@evil.example", "http://[::ffff:10.0.0.1]",
                           "http://0.0.0.0:8910", "HTTP://Management.Azure.Com", "ftp://127.0.0.1",
                           "https://", "management.azure.com")
SAFE_ENDPOINTS: Final = ("http://127.0.0.1:8910", "http://localhost:8910", "http://[::1]:8910",
                         "https://management.azure.com")
VERIFY_SWITCHES: Final[tuple[dict[str, str], ...]] = (
    {}, {"CURL_CA_BUNDLE": ""}, {"REQUESTS_CA_BUNDLE": ""}, {"PYTHONHTTPSVERIFY": "0"},
    {"SSL_CERT_FILE": "/dev/null"})


# -- secrets -------------------------------------------------------------------------------------------------

def _secrets_in_state(stack: DeclaredStack) -> list[str]:
    secret = []
    for res in stack.engine.state.values():
        for key in res.secret_outputs:
            if key != PROVIDER_KEY:
                secret.append(json.dumps(res.outputs.get(key)))
    return secret


def scan_secrets(*, seed: int) -> Figures:
    figures = Figures("security: secrets")
    figures.counts.update({"secrets found in plain places": 0})
    sub, group = subscription(4), f"rg-secrets-{seed}"
    errors: list[str] = []
    with EmulatorServer(token=TOKEN) as emulator, ProviderProcess(project=PROJECT) as provider:
        emulator.control.create_resource_group(sub, group, LOCATION)
        operator = Operator(emulator.url, TOKEN, sub)
        stack = DeclaredStack(provider, stack="secrets", config=provider_config(emulator.url, TOKEN, sub))
        spec = HubSpec(resource_group=group, name=f"sec-hub-{seed}", groups=("analytics",))
        stack.up(spec)
        stack.up(spec.with_changes(tags={"env": "reliability", "rev": "2"}))
        stack.refresh()
        operator.add_tag(group, str(spec.name), "ops", "x")  # stale etag: the next update is refused
        errors += _failures(lambda: stack.up(spec.with_changes(capacity=2)))
        stack.refresh()
        emulator.control.add_fault(kind="fail_operation", method="PUT")
        errors += _failures(lambda: stack.up(spec.with_changes(capacity=3)))
        keys = [k for k in _keys(emulator.url, sub, group, str(spec.name))]
        hub_state = stack.hub_state() or {}
        plain = [json.dumps({k: v for k, v in res.outputs.items() if k not in res.secret_outputs})
                 for res in stack.engine.state.values()]
        plain += [json.dumps(res.inputs) for res in stack.engine.state.values()]
        pickles = [base64.b64decode(str(res.outputs[PROVIDER_KEY])).decode("latin-1")
                   for res in stack.engine.state.values()]
        secret_blobs = _secrets_in_state(stack)
        with ProviderProcess(project=PROJECT) as refused:  # a refused token: the error must not echo it
            wrong = DeclaredStack(refused, stack="wrong-token",
                                  config=provider_config(emulator.url, "wrong-" + TOKEN, sub))
            errors += _failures(lambda: wrong.up(spec.with_changes(name=f"sec-other-{seed}")))
            refused_output = refused.output()
        stack.destroy()
        output = provider.output() + "\n" + refused_output
    secrets = [TOKEN, "wrong-" + TOKEN, *keys, *[f"SharedAccessKey={k}" for k in keys]]
    places = {"pickled provider": pickles, "plain outputs and inputs": plain,
              "provider output (logs)": [output], "error messages": errors}
    for place, texts in places.items():
        figures.add(f"{place}: texts scanned", len(texts))
        leaked = sorted({s[:6] + "..." for s in secrets for text in texts if s in text})
        if leaked:
            figures.add("secrets found in plain places", len(leaked))
            figures.problem(f"secrets in {place}: {leaked}")
    figures.add("distinct secrets looked for", len(set(secrets)))
    figures.add("error messages scanned", len(errors))
    if not keys or not any(k in blob for k in keys for blob in secret_blobs):
        figures.problem("the scan is vacuous: no key material in the secret outputs")
    if "owner_connection_string" not in hub_state:
        figures.problem("the hub has no owner_connection_string output to protect")
    return figures


def _failures(action: Callable[..., object], *args: Any) -> list[str]:
    """The error text of a failed step (the provider's traceback), or nothing when it succeeded."""
    try:
        action(*args)
    except ProviderError as exc:
        return [exc.details]
    except EngineError as exc:
        return [str(exc)]
    return []


def _keys(url: str, sub: str, group: str, hub: str) -> list[str]:
    response = requests.post(f"{url}/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Devices/"
                             f"IotHubs/{hub}/listkeys", params={"api-version": "2023-06-30"},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    response.raise_for_status()
    return [p[k] for p in response.json()["value"] for k in ("primaryKey", "secondaryKey") if p.get(k)]


# -- authentication of every emulator route ------------------------------------------------------------------

def concrete_path(route: routes.Route) -> str:
    """A path the route matches, with sample values for its parameters."""
    pattern = route.pattern.pattern
    path = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", lambda m: SAMPLE_PARAMS[m[1]], pattern)
    return path.removeprefix("^").removesuffix("/?$").replace("\\", "")


def check_route_auth() -> Figures:
    figures = Figures("security: emulator authentication")
    figures.counts.update({"requests accepted without a valid token": 0})
    with EmulatorServer(token=TOKEN) as emulator:
        emulator.control.create_resource_group(SAMPLE_PARAMS["sub"], SAMPLE_PARAMS["rg"], LOCATION)
        targets = [(r.method, concrete_path(r)) for r in routes.ROUTES] + list(CONTROL_ROUTES)
        for method, path in targets[: len(routes.ROUTES)]:
            if routes.match(method, path) is None:
                figures.problem(f"sample path {method} {path} does not reach its route")
        for method, path in targets:
            for authorization in BAD_AUTHORIZATIONS:
                headers = {} if authorization is None else {"Authorization": authorization}
                response = requests.request(method, emulator.url + path, params={"api-version": "2023-06-30"},
                                            headers=headers, json={"location": LOCATION}, timeout=30)
                figures.add("unauthenticated requests sent")
                body = response.json() if response.content else None
                enveloped = method == "HEAD" or isinstance(body, dict) and "error" in body  # HEAD has no body
                if response.status_code != 401 or not enveloped:
                    figures.add("requests accepted without a valid token")
                    figures.problem(f"{method} {path} with {authorization!r:.20} -> {response.status_code}")
        figures.add("routes checked", len(targets))
        if any(entry["status"] != 401 for entry in emulator.control.requests()):
            figures.problem("a request without a valid token was answered with something other than 401")
        if Operator(emulator.url, TOKEN, SAMPLE_PARAMS["sub"]).hub_names(SAMPLE_PARAMS["rg"]) != []:
            figures.problem("a refused request created a hub")
    return figures


# -- transport -----------------------------------------------------------------------------------------------

def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Recorder(BaseHTTPRequestHandler):
    """Answers like ARM would, and counts requests that got through TLS (none may)."""

    served: list[str] = []

    def do_GET(self) -> None:
        _Recorder.served.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_PUT = do_GET

    def log_message(self, *args: Any) -> None:
        return


@contextmanager
def untrusted_tls_server() -> Iterator[str]:
    """An https server on loopback with a self-signed certificate nobody trusts."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = _self_signed(Path(tmp))
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"https://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def check_transport() -> Figures:
    figures = Figures("security: transport")
    figures.counts.update({"unsafe endpoints accepted": 0, "requests past an untrusted certificate": 0})
    for endpoint in UNSAFE_ENDPOINTS:
        try:
            Settings(endpoint=endpoint)
        except ConfigurationError:
            figures.add("unsafe endpoints refused")
        else:
            figures.add("unsafe endpoints accepted")
            figures.problem(f"endpoint {endpoint} accepted")
    for endpoint in SAFE_ENDPOINTS:
        Settings(endpoint=endpoint)
    spec = HubSpec(resource_group="rg-tls", name="tls-hub")
    remote = provider_config("http://iothub-unreachable.example", TOKEN, subscription(4))
    with ProviderProcess(project=PROJECT) as provider:  # refused before any connection: no such host exists
        details = _failures(DeclaredStack(provider, stack="plain-http", config=remote).up, spec)
        if not details or "ConfigurationError" not in details[0] or "plain http" not in details[0]:
            figures.problem(f"plain http to a remote host was not refused as a ConfigurationError: {details}")
        else:
            figures.add("provider refused plain http to a remote host")
    _Recorder.served.clear()
    with untrusted_tls_server() as url:
        for env in VERIFY_SWITCHES:
            with ProviderProcess(project=PROJECT, env=env) as provider:
                stack = DeclaredStack(provider, stack="tls", config={
                    **provider_config(url, TOKEN, subscription(4)), "iothub:operationTimeout": "5"})
                details = _failures(stack.up, spec)
                if not details or "TLS verification failed" not in details[0]:
                    figures.problem(f"with {env or 'no switch'}: not refused as a TLS failure: {details[:1]}")
                else:
                    figures.add("TLS verification held (environment switches tried)")
    if _Recorder.served:
        figures.counts["requests past an untrusted certificate"] = len(_Recorder.served)
        figures.problem(f"{len(_Recorder.served)} requests reached a server with an untrusted certificate")
    return figures


# -- dependencies --------------------------------------------------------------------------------------------

def audit_dependencies(timeout: float = 300) -> Figures:
    """pip-audit over the virtualenv; when its vulnerability database is unreachable, say so and why."""
    figures = Figures("security: dependency audit")
    for service in ("pypi", "osv"):
        try:
            run = subprocess.run([sys.executable, "-m", "pip_audit", "--format", "json", "-s", service,
                                  "--progress-spinner", "off"], cwd=PROJECT_ROOT, capture_output=True,
                                 text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            figures.notes.append(f"pip-audit ({service}) could not run: {exc}")
            continue
        try:
            report = json.loads(run.stdout)
        except ValueError:
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            figures.notes.append(f"pip-audit ({service}) could not audit: {last[:300]}")
            continue
        dependencies = report.get("dependencies", [])
        audited = [d for d in dependencies if "skip_reason" not in d]
        vulnerable = [d for d in audited if d.get("vulns")]
        figures.add(f"{service}: dependencies", len(dependencies))
        figures.add(f"{service}: dependencies audited", len(audited))
        figures.add(f"{service}: dependencies with known vulnerabilities", len(vulnerable))
        for dep in vulnerable:
            ids = ", ".join(v.get("id", "?") for v in dep["vulns"])
            figures.problem(f"{dep['name']} {dep['version']}: {ids}")
        if dependencies and not audited:
            reason = dependencies[0].get("skip_reason", "")
            figures.notes.append(f"pip-audit ({service}) audited nothing: every package was skipped "
                                 f"({reason[:120]})")
    if not any(v for k, v in figures.counts.items() if k.endswith("dependencies audited")):
        figures.name += " (NOT DONE: no vulnerability service reachable, see notes)"
    return figures
