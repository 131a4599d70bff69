"""`insigne serve` driven for real: a subprocess, HTTP over 127.0.0.1, edits on disk, SIGINT."""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import repo_root

WAIT_SECONDS = 15.0


class ServeProcess:
    def __init__(self, project: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(repo_root())}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0"],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        line = self.wait_for(lambda: next((x for x in self.out if "serving on" in x), None))
        self.url = line.split("serving on ", 1)[1].split()[0]

    @staticmethod
    def _pump(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)

    def wait_for(self, probe: Callable[[], Any], what: str = "condition") -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(
            f"timed out waiting for {what}\nstdout:\n{''.join(self.out)}\n"
            f"stderr:\n{''.join(self.err)}"
        )

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def status(self) -> dict[str, Any]:
        return json.loads(self.get("__insigne__/status")[2])

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    return root


@pytest.fixture
def served(project: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(project)
    try:
        yield server
    finally:
        server.stop()


def _awards_by_badge(site: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((site / "assertions").glob("*.json")):
        badge_url = json.loads(path.read_text("utf-8"))["badge"]
        found.setdefault(badge_url.rsplit("/", 1)[1].removesuffix(".json"), []).append(path.stem)
    return found


def _mtimes(site: Path, award_ids: list[str]) -> dict[str, int]:
    files = [p for i in award_ids for p in site.rglob(f"{i}.*")]
    assert files, "expected files for these awards"
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in files}


@pytest.mark.slow
def test_serve_lifecycle(project: Path, served: ServeProcess) -> None:
    site = project / ".insigne-serve"
    assert site.is_dir(), "".join(served.err)
    assert not (project / "output").exists()

    # Pages and JSON over HTTP, with the headers netlify.toml declares and local ids.
    status, headers, body = served.get("issuer.json")
    assert status == 200
    assert headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(body)["id"] == served.url + "issuer.json"
    by_badge = _awards_by_badge(site)
    award_id = by_badge["echofablab"][0]
    status, headers, body = served.get(f"assertions/{award_id}.json")
    assert status == 200 and json.loads(body)["id"] == f"{served.url}assertions/{award_id}.json"
    status, headers, page = served.get("index.html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'id="insigne-live-reload"' in page and b"/__insigne__/events" in page
    assert b"__insigne__" not in (site / "index.html").read_bytes()  # injected, never on disk
    assert served.get("no-such-page.html")[0] == 404
    assert served.status() == {"build": 1, "error": None}

    # Edit one badge: its page is rebuilt, the other badge's awards are not rewritten.
    others = _mtimes(site, by_badge["gestion-de-projet"])
    badge_file = project / "content" / "badges" / "echofablab.md"
    badge_file.write_text(
        badge_file.read_text("utf-8").replace(
            "name: Expérience echofablab", "name: Expérience echofablab (édition 2017)"
        ),
        "utf-8",
    )
    served.wait_for(lambda: served.status()["build"] == 2, "the rebuild after an edit")
    assert "(édition 2017)" in served.get("badges/echofablab.html")[2].decode("utf-8")
    assert _mtimes(site, by_badge["gestion-de-projet"]) == others

    # Break a file: the error is in the terminal and over the page; the last build stays.
    broken = project / "content" / "awards" / "broken.yaml"
    broken.write_text("badge: echofablab\nrecipients: [oops <b>\n", "utf-8")
    state = served.wait_for(lambda: (s := served.status())["error"] and s, "the error")
    assert "broken.yaml" in state["error"] and "invalid YAML" in state["error"]
    served.wait_for(lambda: "broken.yaml" in "".join(served.err), "the error on stderr")
    status, _headers, page = served.get("badges/echofablab.html")
    text = page.decode("utf-8")
    assert status == 200 and "(édition 2017)" in text
    assert 'id="insigne-error-overlay"' in text and html.escape(state["error"]) in text

    # Fix it: the next good build clears the error.
    broken.unlink()
    served.wait_for(lambda: served.status() == {"build": 3, "error": None}, "the recovery")
    assert b"insigne-error-overlay" not in served.get("index.html")[2].split(b"<script")[0]

    assert served.stop() == 0
    assert "Traceback" not in "".join(served.err)


def test_build_output_has_no_live_reload(project: Path) -> None:
    from generator.cli import main

    output = project / "output"
    content = str(project / "content")
    assert main(["-q", "build", "--content", content, "--output", str(output)]) == 0
    pages = list(output.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        assert "__insigne__" not in text and "insigne-live-reload" not in text, page
