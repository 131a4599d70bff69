"""`insigne serve` under load and abuse (issue 15, item 15), with real sockets against the real
preview server started in this process on a free port: idle connections cost no thread, bad
requests give one short line each and no traceback, and no email address reaches a browser."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.serve import Preview, ServeOptions
from tests.harness import repo_root

WAIT_SECONDS = 15.0


class Running:
    def __init__(self, preview: Preview, lines: list[str]) -> None:
        self.preview = preview
        self.lines = lines
        self.host, self.port = "127.0.0.1", preview.server.port

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.preview.url}{path}", timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def raw(self, request: bytes) -> bytes:
        """Send raw bytes, read the whole answer (the server closes after one request)."""
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def wait_for(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Running]:
    root = tmp_path / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    lines: list[str] = []
    preview = Preview(
        ServeOptions(content_dir=root / "content", port=0), lambda _line: None, lines.append
    )
    preview.start()
    try:
        yield Running(preview, lines)
    finally:
        preview.stop()
    assert "Traceback" not in capsys.readouterr().err


def test_idle_connections_do_not_take_a_thread_each(running: Running) -> None:
    before = threading.active_count()
    idle = []
    try:
        for _ in range(400):
            idle.append(socket.create_connection((running.host, running.port), timeout=10))
        # Every one of them accepted and waiting: a request still gets its answer at once.
        assert running.get("index.html")[0] == 200
        assert threading.active_count() <= before + 5, threading.active_count()
    finally:
        for sock in idle:
            sock.close()
    assert running.get("issuer.json")[0] == 200
    assert running.lines == []  # idle sockets closed by their client: nothing to say


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /%00 HTTP/1.1", b"400"),
        (b"GET /index.html%00.png HTTP/1.1", b"400"),
        (b"GET /" + b"a" * 10_000 + b" HTTP/1.1", b"400"),
        (b"GET /" + b"a/" * 5_000 + b" HTTP/1.1", b"400"),
        (b"GET /" + b"b" * 1_000 + b".html HTTP/1.1", b"404"),  # one segment past 255 bytes
    ],
)
def test_bad_request_paths_get_an_answer_and_at_most_one_line(
    running: Running, request_line: bytes, status: bytes
) -> None:
    answer = running.raw(request_line + b"\r\nHost: x\r\n\r\n")
    assert answer.split(b" ", 2)[1] == status
    if status == b"400":
        wait_for(lambda: running.lines, "the log line")
    time.sleep(0.2)  # room for a second line, which must not come
    assert len(running.lines) == (1 if status == b"400" else 0), running.lines
    assert all(len(line) <= 200 and "Traceback" not in line for line in running.lines)
    assert running.get("index.html")[0] == 200  # still serving


def test_aborted_client_gives_one_line(running: Running) -> None:
    sock = socket.create_connection((running.host, running.port), timeout=10)
    sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-Half: ")
    # Close with a reset (SO_LINGER 0) in the middle of the headers.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    line = wait_for(lambda: running.lines, "the log line")[0]
    assert "closed the connection" in line
    time.sleep(0.2)
    assert len(running.lines) == 1, running.lines
    assert running.get("index.html")[0] == 200


def test_errors_shown_to_the_browser_hide_email_addresses(running: Running) -> None:
    secret = "camille.secret@example.org"
    award = running.preview.content_dir / "awards" / "broken.yaml"
    award.write_text(
        f"badge: echofablab\nissued_on: 2017-09-15\nrecipients:\n  - '{secret}>'\n", "utf-8"
    )
    running.preview.rebuilder.rebuild()
    state = json.loads(running.get("__insigne__/status")[1])
    assert "broken.yaml" in state["error"] and "[email address]" in state["error"]
    assert secret not in state["error"]
    assert any(secret in line for line in running.lines)  # the terminal has it all
    assert any("shown here only" in line for line in running.lines)
    status, page = running.get("index.html")
    assert status == 200 and b'id="insigne-error-overlay"' in page
    assert secret.encode() not in page
    with socket.create_connection((running.host, running.port), timeout=10) as sock:
        sock.sendall(b"GET /__insigne__/events HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"\n\n" not in received.split(b"\r\n\r\n", 1)[-1]:
            received += sock.recv(65536)
    assert b"[email address]" in received and secret.encode() not in received
    # An error page quoting the request shows no address either.
    answer = running.raw(f"GET /{secret}\0 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert answer.split(b" ", 2)[1] == b"400" and secret.encode() not in answer
    assert all(secret not in line for line in running.lines[-1:])
