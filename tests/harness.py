"""Test harness: a real local HTTP server for built sites, and the Open Badges 2.0 validator.

The server binds its port before a site is built, so tests can build with
`--base-url http://127.0.0.1:PORT/` and serve the result at exactly the URLs it names.
The validator runs in its own venv (tests/tools/setup_validator.sh) as a subprocess.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


VALIDATOR_PYTHON: Path = repo_root() / ".venv-validator" / "bin" / "python"
OB2_VALIDATE_SCRIPT: Path = repo_root() / "tests" / "tools" / "ob2_validate.py"
SETUP_SCRIPT: Path = repo_root() / "tests" / "tools" / "setup_validator.sh"

CONTENT_TYPES: dict[str, str] = {
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
}


class ValidatorMissing(RuntimeError):
    """The validator venv has not been created."""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _SiteServer

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        path = self._resolve()
        if path is None:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", with_body)
            return
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        self._send(200, path.read_bytes(), content_type, with_body)

    def _resolve(self) -> Path | None:
        """The file a request names, or None: never outside the root, never a listing."""
        root = self.server.root
        if root is None:
            return None
        root = root.resolve()
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        elif relative.endswith("/"):
            # Like a real static host: "file.json/" is not "file.json".
            return None
        return candidate if candidate.is_file() else None

    def _send(self, status: int, body: bytes, content_type: str, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: a test run would otherwise print one line per request.
        pass


class _SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    root: Path | None = None


class StaticServer:
    """Serves files from `root` (settable at any time) on 127.0.0.1 at an OS-chosen port."""

    def __init__(self, root: str | Path | None = None) -> None:
        self._server = _SiteServer(("127.0.0.1", 0), _Handler)
        self.root = root
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"StaticServer:{self.port}", daemon=True
        )
        self._thread.start()

    @property
    def root(self) -> Path | None:
        return self._server.root

    @root.setter
    def root(self, value: str | Path | None) -> None:
        self._server.root = Path(value) if value is not None else None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StaticServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def validator_available() -> bool:
    return VALIDATOR_PYTHON.is_file() and os.access(VALIDATOR_PYTHON, os.X_OK)


def validate_ob2(
    inputs: list[str | Path], email: str, timeout: float = 120.0
) -> list[dict[str, Any]]:
    """Validate each input (an http://127.0.0.1 URL or a baked PNG/SVG path) with openbadges.

    Returns one report per input, in order: {"input", "valid", "errorCount", "warningCount",
    "messages", "revoked", "expired"}.
    """
    if not validator_available():
        raise ValidatorMissing(
            f"Open Badges validator venv missing at {VALIDATOR_PYTHON.parent.parent}: "
            f"run `make test-deps` or `bash {SETUP_SCRIPT.relative_to(repo_root())}`"
        )
    if not inputs:
        return []
    command = [
        str(VALIDATOR_PYTHON),
        str(OB2_VALIDATE_SCRIPT),
        "--email",
        email,
        "--json",
        *(str(item) for item in inputs),
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=repo_root(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    reports = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    if completed.returncode not in (0, 1) or len(reports) != len(inputs):
        raise RuntimeError(
            f"ob2_validate.py failed (exit {completed.returncode}, "
            f"{len(reports)} reports for {len(inputs)} inputs):\n{completed.stderr}"
        )
    return reports


def validate_ob2_document(document: str, email: str, timeout: float = 120.0) -> dict[str, Any]:
    """Validate a JSON assertion or a JWS string given as text (fed to the validator's stdin)."""
    if not validator_available():
        raise ValidatorMissing(
            f"Open Badges validator venv missing: run `make test-deps` or `bash {SETUP_SCRIPT}`"
        )
    completed = subprocess.run(
        [str(VALIDATOR_PYTHON), str(OB2_VALIDATE_SCRIPT), "--email", email, "--json", "-"],
        input=document,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=repo_root(),
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    if completed.returncode not in (0, 1) or len(lines) != 1:
        raise RuntimeError(
            f"ob2_validate.py failed (exit {completed.returncode}):\n{completed.stderr}"
        )
    report: dict[str, Any] = json.loads(lines[0])
    return report


def error_texts(report: dict[str, Any]) -> list[str]:
    """The text of every ERROR message in a report, for readable assertion failures."""
    return [
        str(message.get("result", ""))
        for message in report["messages"]
        if message.get("messageLevel") == "ERROR"
    ]


JS_DIR = Path(__file__).resolve().parent / "js"
OB3_VERIFIER = JS_DIR / "verify-ob3.mjs"


def verify_ob3(inputs: list[str | Path], port: int, timeout: float = 180.0) -> list[dict[str, Any]]:
    """Run the independent npm verifier (Digital Bazaar) on credentials served on `port`.

    did:web always resolves over https; the site is served over http on 127.0.0.1, so the https
    origin of the DID is mapped onto the local server (nothing leaves the machine).
    """
    if not (JS_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise ValidatorMissing(
            "tests/js/node_modules is missing: run `npm ci --prefix tests/js` (make test-deps)"
        )
    command = [
        "node",
        str(OB3_VERIFIER),
        "--map",
        f"https://127.0.0.1:{port}=http://127.0.0.1:{port}",
    ]
    command += [str(i) for i in inputs]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(reports) != len(inputs):
        raise RuntimeError(
            f"verify-ob3 gave {len(reports)} reports for {len(inputs)} inputs:\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return reports


OB3_CORE_VERIFIER = JS_DIR / "verify-ob3-core.mjs"


def verify_ob3_core(
    inputs: list[str | Path], port: int, timeout: float = 180.0
) -> list[dict[str, Any]]:
    """Run @digitalcredentials/verifier-core (the Learner Credential Wallet's and VerifierPlus's
    verifier) on credentials served on `port`, with its JSON Schema check on.

    One report per input: {"input", "errors" (fatal), "checks" ({step: True, False or
    "error: ..."}), "schemas" ([{"schema", "valid", "errors"}])}. Contexts and the official
    schemas come from local copies; did:web's https origin is mapped to the local server.
    """
    if not (JS_DIR / "node_modules" / "@digitalcredentials" / "verifier-core").is_dir():
        raise ValidatorMissing(
            "tests/js/node_modules is missing: run `npm ci --prefix tests/js` (make test-deps)"
        )
    command = [
        "node",
        str(OB3_CORE_VERIFIER),
        "--map",
        f"https://127.0.0.1:{port}=http://127.0.0.1:{port}",
        *(str(i) for i in inputs),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(reports) != len(inputs):
        raise RuntimeError(
            f"verify-ob3-core gave {len(reports)} reports for {len(inputs)} inputs:\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return reports
