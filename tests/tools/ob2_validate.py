"""Run the 1EdTech Open Badges 2.0 validator (openbadges 1.1.2) fully offline.

Runs inside `.venv-validator/` (see setup_validator.sh), never in the project's environment:
it uses only the standard library and that venv's packages, not the `generator` package.

    ob2_validate.py --email EMAIL [--json] INPUT...

INPUT is an http://127.0.0.1 (or localhost) URL, a baked PNG/SVG file, or `-` for a JSON or JWS
string on stdin. One JSON report per input goes to stdout; exit status 0 if all are valid.

Offline guard: openbadges fetches everything with `requests` (plain sessions, and
requests-cache sessions that delegate to the same adapter), and pyld's own default loader uses
urllib. We answer the Open Badges v2 context from the copy shipped inside openbadges, pass
loopback requests through, and refuse every other host at the adapter and at name resolution,
so nothing can reach the internet even through a path we did not foresee.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openbadges
import requests
import requests.adapters
import urllib3
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT
from openbadges.verifier.utils import CachableDocumentLoader
from openbadges_bakery import unbake
from pyld import jsonld

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CONTEXT_URLS = frozenset(
    f"{scheme}://w3id.org/openbadges/v2{slash}"
    for scheme in ("https", "http")
    for slash in ("", "/")
)
REFUSAL_NAME = "OFFLINE_REFUSAL"

# Every refused URL, in order, so the report can name it even when openbadges swallows the
# exception text (its JSON-LD loader rewraps errors without the cause).
refused_urls: list[str] = []


class OfflineRefusal(requests.ConnectionError):
    """A request to a host other than the loopback, refused instead of sent."""


def refusal_text(url: str) -> str:
    return f"offline validator refused request to {url} (only 127.0.0.1/localhost may be fetched)"


def install_offline_hooks() -> None:
    original_send = requests.adapters.HTTPAdapter.send
    context_body = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode("utf-8")

    def offline_send(
        self: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        if url in CONTEXT_URLS:
            raw = urllib3.HTTPResponse(
                body=io.BytesIO(context_body),
                headers={
                    "Content-Type": "application/ld+json",
                    "Content-Length": str(len(context_body)),
                },
                status=200,
                reason="OK",
                preload_content=False,
                decode_content=False,
            )
            return self.build_response(request, raw)
        if urlsplit(url).hostname in LOOPBACK_HOSTS:
            return original_send(self, request, **kwargs)
        refused_urls.append(url)
        raise OfflineRefusal(refusal_text(url), request=request)

    requests.adapters.HTTPAdapter.send = offline_send  # type: ignore[method-assign]

    original_getaddrinfo = socket.getaddrinfo

    def loopback_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK_HOSTS:
            refused_urls.append(f"(name lookup) {name}")
            raise socket.gaierror(f"offline validator refused to resolve {name}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = loopback_getaddrinfo  # type: ignore[assignment]

    # pyld's default loader uses urllib directly; route it through requests so the context
    # is served locally and the same refusal applies.
    jsonld.set_document_loader(CachableDocumentLoader(use_cache=False))


def read_input(spec: str) -> tuple[Any, str | None]:
    """What to hand to verify(), or an error message if the input cannot be read."""
    if spec == "-":
        return sys.stdin.read().strip(), None
    if spec.startswith(("http://", "https://")):
        return spec, None
    path = Path(spec)
    if not path.is_file():
        return None, f"input is neither a URL nor a readable file: {spec}"
    data = path.read_bytes()
    # openbadges 1.1.2 crashes (AttributeError on e.message) on an image without badge data,
    # so look for the payload first and report its absence ourselves.
    try:
        payload = unbake(io.BytesIO(data))
    except Exception as error:  # the bakery raises assorted errors on malformed images
        return None, f"could not read baked badge data from {spec}: {error}"
    if not payload:
        return None, f"no Open Badges data baked into {spec}"
    handle = io.BytesIO(data)
    handle.name = str(path)  # openbadges reports the file by name
    return handle, None


def error_message(text: str, name: str = "INPUT") -> dict[str, Any]:
    return {"name": name, "success": False, "result": text, "messageLevel": "ERROR"}


def failed_messages_containing(messages: list[dict[str, Any]], word: str) -> bool:
    return any(
        not message.get("success", False) and word in str(message.get("result", "")).lower()
        for message in messages
    )


def validate(spec: str, email: str) -> dict[str, Any]:
    refused_urls.clear()
    badge_input, problem = read_input(spec)
    valid = False
    if problem is not None:
        messages = [error_message(problem)]
    else:
        try:
            result = openbadges.verify(
                badge_input,
                recipient_profile={"email": email},
                use_cache=False,
                cache_backend=None,
            )
            messages = list(result["report"]["messages"])
            valid = bool(result["report"]["valid"])
        except Exception as error:
            messages = [error_message(f"openbadges.verify crashed: {error!r}", "VERIFY_CRASH")]
            valid = False
        else:
            if not valid and not messages:
                messages = [error_message("validator produced no graph and no message")]
        # Name each refusal once, even where openbadges lost the exception text.
        already_said = " ".join(str(m.get("result", "")) for m in messages)
        messages += [
            error_message(refusal_text(url), REFUSAL_NAME)
            for url in dict.fromkeys(refused_urls)
            if refusal_text(url) not in already_said
        ]
    is_error = [m for m in messages if m.get("messageLevel") == "ERROR"]
    is_warning = [m for m in messages if m.get("messageLevel") == "WARNING"]
    return {
        "input": spec,
        "valid": problem is None and valid and not is_error and not refused_urls,
        "errorCount": len(is_error),
        "warningCount": len(is_warning),
        "messages": messages,
        "revoked": failed_messages_containing(messages, "revoked"),
        "expired": failed_messages_containing(messages, "expired"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--email", required=True, help="recipient email the badge must match")
    parser.add_argument(
        "--json", action="store_true", help="only JSON on stdout (no summary on stderr)"
    )
    parser.add_argument("--verbose", action="store_true", help="show the validator's log")
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    args = parser.parse_args(argv)

    if not args.verbose:
        # openbadges logs a traceback for every failed task; the report already says why.
        logging.getLogger("openbadges.verifier").setLevel(logging.CRITICAL)
    install_offline_hooks()

    all_valid = True
    for spec in args.inputs:
        report = validate(spec, args.email)
        all_valid = all_valid and report["valid"]
        print(json.dumps(report, default=str), flush=True)
        if not args.json:
            verdict = "valid" if report["valid"] else "INVALID"
            print(f"{spec}: {verdict} ({report['errorCount']} errors)", file=sys.stderr)
            for message in report["messages"]:
                if message.get("messageLevel") == "ERROR":
                    print(f"  - {message.get('result')}", file=sys.stderr)
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main())
