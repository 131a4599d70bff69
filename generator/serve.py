"""`insigne serve`: build for a local address, serve it, rebuild on change, reload the browser.

The preview is built into its own folder (`.insigne-serve/` beside `content/` unless --output
says otherwise) with the base URL rewritten to `http://BIND:PORT/`, so every link and every JSON
id works locally and `output/` (what gets deployed) is never touched. Rebuilds go through the
same writer as `insigne build`: only files whose bytes changed are rewritten.

Live reload lives in this server only: HTML responses get a small script appended, which listens
to `/__insigne__/events` (Server-Sent Events) and reloads the page when a new build is ready, or
shows the build error over the page. The files on disk never contain it.
"""

from __future__ import annotations

import html
import http.server
import json
import mimetypes
import queue
import re
import selectors
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from generator.build import BuildOptions, BuildResult, build
from generator.errors import InsigneError
from generator.ledger import LEDGER_NAME
from generator.outputdir import check_output_dir

SERVE_DIR_NAME = ".insigne-serve"
LIVE_PREFIX = "/__insigne__/"
# Editors save in bursts (write temp, rename, chmod): wait for quiet before rebuilding.
DEBOUNCE_SECONDS = 0.3
_KEEPALIVE_SECONDS = 15.0

# Connections are served by a fixed pool of threads, each connection for one request: a socket
# goes to a worker only once its request has started to arrive, and one idle for IDLE_SECONDS
# is closed. Event streams (one per open page) hold a worker each, up to MAX_EVENT_STREAMS,
# so that at least WORKERS - MAX_EVENT_STREAMS are always left for files.
WORKERS = 24
MAX_EVENT_STREAMS = 12
MAX_WAITING = 1024  # connections accepted and waiting for their request; past it, refused
IDLE_SECONDS = 10.0
# Longer request paths are refused (400): no file of a built site has one, and the file
# system would refuse a path segment past 255 bytes anyway.
MAX_PATH_CHARS = 2048

# Email addresses, written plainly or in the encodings a message may quote them in: "@" as
# is, percent-encoded, as an HTML entity, full-width or escaped.
_AT = r"(?:@|%40|&#0*64;|&#[xX]0*40;|&commat;|\uff20|\\x40|\\u0040)"
_EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+" + _AT + r"[\w-]+(?:\.[\w-]+)+")
REDACTED_EMAIL = "[email address]"


def redact(text: str) -> str:
    """`text` without email addresses: what the browser is shown of an error (never an email;
    the terminal shows the full message)."""
    return _EMAIL_RE.sub(REDACTED_EMAIL, text)


# The same headers as netlify.toml declares, so the preview behaves like the deployed site.
_CORS_SUFFIXES = (".json", ".svg", ".png")
_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def content_type(path: str) -> str:
    if path.endswith(".json"):
        return "application/ld+json; charset=utf-8"
    if path.endswith(".svg"):
        return "image/svg+xml"
    guessed, _ = mimetypes.guess_type(path)
    if guessed is None:
        return "application/octet-stream"
    if guessed.startswith("text/") or guessed == "application/javascript":
        return f"{guessed}; charset=utf-8"
    return guessed


def local_base_url(bind: str, port: int) -> str:
    host = "127.0.0.1" if bind in ("", "0.0.0.0") else bind
    if host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


@dataclass
class ServeState:
    """What the server knows about builds; guarded by `changed` (a Condition)."""

    output_dir: Path
    build_count: int = 0  # good builds so far; pages reload when it grows
    error: str | None = None  # the last build's error, None when it succeeded
    building: bool = False
    version: int = 0  # grows on every change of the above, for event streams
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def snapshot(self) -> dict[str, Any]:
        """What browsers are told (status, events, overlay): errors without email addresses."""
        return {"build": self.build_count, "error": redact(self.error) if self.error else None}


# The injected script: plain JS, no dependency. `__BUILD__` is the build the page came from.
_RELOAD_SCRIPT = """<script id="insigne-live-reload">
(function () {
  var loaded = __BUILD__;
  function overlay(text) {
    var box = document.getElementById("insigne-error-overlay");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "insigne-error-overlay";
      box.setAttribute("style", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,20,20,.92);color:#fff;font:14px/1.4 monospace;padding:2em");
      var title = document.createElement("h2");
      title.textContent = "insigne: the content has an error (the last good build is shown)";
      box.appendChild(title);
      box.appendChild(document.createElement("pre"));
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
  }
  var source = new EventSource("/__insigne__/events");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.build !== loaded && !state.error) { location.reload(); return; }
    overlay(state.error);
  };
})();
</script>
"""


def overlay_html(error: str) -> str:
    """The error overlay as markup (the server adds it too, so it shows without JavaScript)."""
    return (
        '<div id="insigne-error-overlay" style="position:fixed;inset:0;z-index:2147483647;'
        "overflow:auto;background:rgba(20,20,20,.92);color:#fff;font:14px/1.4 monospace;"
        'padding:2em"><h2>insigne: the content has an error (the last good build is shown)</h2>'
        f"<pre>{html.escape(error)}</pre></div>\n"
    )


def inject(page: bytes, state: dict[str, Any]) -> bytes:
    """The page with the live-reload script (and the error overlay) before `</body>`."""
    extra = _RELOAD_SCRIPT.replace("__BUILD__", str(int(state["build"])))
    if state["error"]:
        extra = overlay_html(state["error"]) + extra
    text = page.decode("utf-8", errors="replace")
    index = text.lower().rfind("</body>")
    if index < 0:
        text += extra
    else:
        text = text[:index] + extra + text[index:]
    return text.encode("utf-8")


_NO_BUILD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>insigne serve</title></head>
<body><p>No build yet: fix the error below and save; this page reloads by itself.</p>
</body></html>
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS  # a client that stops sending (or reading) frees its worker
    # One request per connection: a kept-alive connection would hold a worker while idle.
    close_connection = True

    def do_GET(self) -> None:
        self._handle(with_body=True)

    def do_HEAD(self) -> None:
        self._handle(with_body=False)

    def _handle(self, with_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if "\0" in path or len(path) > MAX_PATH_CHARS:
            what = "a NUL byte" if "\0" in path else f"{len(path)} characters"
            self.send_error(400, f"bad request path ({what})")
            return
        if path.startswith(LIVE_PREFIX):
            self._live(path[len(LIVE_PREFIX) :], with_body)
            return
        state = self.server.state
        for attempt in range(2):
            found = self._resolve(path)
            if found is not None:
                try:
                    self._send_file(200, found, with_body)
                    return
                except OSError:
                    pass  # swapped away by a build between resolve and read
            if attempt == 0 and not self._wait_for_build(state):
                break
        not_found = state.output_dir / "404.html"
        if state.build_count == 0 and not not_found.is_file():
            self._send(503, _NO_BUILD_PAGE.encode("utf-8"), "text/html; charset=utf-8", with_body)
            return
        try:
            self._send_file(404, not_found, with_body)
        except OSError:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", with_body)

    def _wait_for_build(self, state: ServeState) -> bool:
        """If a build is swapping the output in, wait for it; True if one was running."""
        with state.changed:
            if not state.building:
                return False
            state.changed.wait_for(lambda: not state.building or state.stopping, timeout=30)
        return True

    def _resolve(self, path: str) -> Path | None:
        try:
            return self._find(path)
        except (OSError, ValueError):  # a name too long for the file system, ...: not found
            return None

    def _find(self, path: str) -> Path | None:
        root = self.server.state.output_dir.resolve()
        relative = path.lstrip("/")
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            if relative and not path.endswith("/"):
                return None  # like a static host, "dir" is not "dir/"; keep it simple
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _send_file(self, status: int, path: Path, with_body: bool) -> None:
        body = path.read_bytes()
        kind = content_type(path.name)
        if kind.startswith("text/html"):
            with self.server.state.changed:
                snapshot = self.server.state.snapshot()
            body = inject(body, snapshot)
        extra: dict[str, str] = {}
        if path.name.endswith(_CORS_SUFFIXES):
            extra["Access-Control-Allow-Origin"] = "*"
        if path.name.endswith(".svg"):
            extra["Content-Security-Policy"] = _SVG_CSP
        self._send(status, body, kind, with_body, extra)

    def _send(
        self,
        status: int,
        body: bytes,
        kind: str,
        with_body: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        if status == 503 and kind.startswith("text/html"):
            with self.server.state.changed:
                body = inject(body, self.server.state.snapshot())
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.close_connection = True
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The default page quotes the request line, which may hold anything: never an email.
        self.close_connection = True
        super().send_error(
            code,
            redact(message) if message else message,
            redact(explain) if explain else explain,
        )

    def _live(self, name: str, with_body: bool) -> None:
        state = self.server.state
        if name == "status":
            with state.changed:
                data = json.dumps(state.snapshot()).encode("utf-8")
            self._send(200, data, "application/json; charset=utf-8", with_body)
        elif name == "events" and with_body:
            if not self.server.event_streams.acquire(blocking=False):
                # Every slot is taken (many open pages): the page's EventSource retries.
                self._send(503, b"too many live pages\n", "text/plain; charset=utf-8", True)
                return
            try:
                self._events(state)
            finally:
                self.server.event_streams.release()
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", with_body)

    def _events(self, state: ServeState) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = [-1]  # a cell, so the wait predicate reads the current value
        try:
            while True:
                with state.changed:
                    state.changed.wait_for(
                        lambda: state.version != seen[0] or state.stopping,
                        timeout=_KEEPALIVE_SECONDS,
                    )
                    if state.stopping:
                        return
                    changed = state.version != seen[0]
                    seen[0] = state.version
                    message = json.dumps(state.snapshot())
                if changed:
                    self.wfile.write(f"data: {message}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            return  # the page was closed or reloaded

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            self.server.log(redact(f"{self.address_string()}: {format % args}"))

    def log_error(self, format: str, *args: Any) -> None:
        # A bad or timed-out request: one short line, whatever --verbose says.
        self.server.log(_short(f"{self.address_string()}: {format % args}"))


def _short(line: str, limit: int = 200) -> str:
    line = redact(line.replace("\n", " "))
    return line if len(line) <= limit else line[: limit - 3] + "..."


class PreviewServer(socketserver.TCPServer):
    """The preview's HTTP server: a fixed pool of workers, idle connections closed.

    The accepting thread (`serve_forever`) also waits for each connection's first bytes, in
    one selector: idle sockets, however many, cost no thread. A connection whose request has
    begun goes to a worker, which serves that one request (see `_Handler`).
    """

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        bind: str,
        port: int,
        state: ServeState,
        log_requests: bool,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if ":" in bind:
            self.address_family = socket.AF_INET6
        self.state = state
        self.log_requests = log_requests
        self.log = log or _print_error
        self.event_streams = threading.BoundedSemaphore(MAX_EVENT_STREAMS)
        self._ready: queue.Queue[tuple[socket.socket, Any] | None] = queue.Queue()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        super().__init__((bind, port), _Handler)
        self._workers = [
            threading.Thread(target=self._work, name=f"insigne-http-{i}", daemon=True)
            for i in range(WORKERS)
        ]
        for worker in self._workers:
            worker.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        waiting: dict[socket.socket, float] = {}  # connection -> when it is given up
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ, None)
                while not self._stop.is_set():
                    for key, _events in selector.select(timeout=poll_interval):
                        if key.data is None:
                            self._accept(selector, waiting)
                        else:
                            connection = key.fileobj
                            selector.unregister(connection)
                            del waiting[connection]  # type: ignore[arg-type]
                            self._ready.put((connection, key.data))  # type: ignore[arg-type]
                    now = time.monotonic()
                    for connection in [c for c, until in waiting.items() if until < now]:
                        selector.unregister(connection)
                        del waiting[connection]
                        self.shutdown_request(connection)  # idle: closed without a word
                for connection in waiting:
                    self.shutdown_request(connection)
        finally:
            self._stopped.set()

    def _accept(
        self, selector: selectors.BaseSelector, waiting: dict[socket.socket, float]
    ) -> None:
        try:
            connection, address = self.socket.accept()
        except OSError:
            return  # the client gave up before it was accepted
        if len(waiting) >= MAX_WAITING:
            self.shutdown_request(connection)
            return
        waiting[connection] = time.monotonic() + IDLE_SECONDS
        selector.register(connection, selectors.EVENT_READ, address)

    def _work(self) -> None:
        while True:
            item = self._ready.get()
            if item is None:
                return
            connection, address = item
            try:
                self.finish_request(connection, address)
            except Exception as exc:  # noqa: BLE001 - one line per failed request, no traceback
                self.handle_failure(address, exc)
            finally:
                self.shutdown_request(connection)

    def handle_failure(self, address: Any, exc: BaseException) -> None:
        host = address[0] if isinstance(address, tuple) and address else address
        if isinstance(exc, (ConnectionError, TimeoutError)):
            self.log(_short(f"{host}: the client closed the connection ({type(exc).__name__})"))
        else:
            self.log(_short(f"{host}: request failed: {type(exc).__name__}: {exc}"))

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        for _worker in self._workers:
            self._ready.put(None)
        for worker in self._workers:
            worker.join(timeout=5)


def _print_error(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Rebuilder:
    """Runs builds one at a time and records their outcome in the shared state."""

    def __init__(
        self,
        options: BuildOptions,
        state: ServeState,
        report: Callable[[str], None],
        report_error: Callable[[str], None],
    ) -> None:
        self.options = options
        self.state = state
        self.report = report
        self.report_error = report_error
        self._lock = threading.Lock()

    def rebuild(self) -> BuildResult | None:
        with self._lock:
            with self.state.changed:
                self.state.building = True
            result: BuildResult | None = None
            error: str | None = None
            try:
                result = build(self.options)
            except InsigneError as exc:
                error = exc.format(self.options.content_dir.resolve())
            except Exception as exc:  # a template error, a bug: keep serving, show it
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            with self.state.changed:
                self.state.building = False
                if result is not None:
                    self.state.build_count += 1
                self.state.error = error
                self.state.version += 1
                self.state.changed.notify_all()
            if result is not None:
                for notice in result.notices:
                    self.report(f"note: {notice}")
                self.report(f"rebuilt: {result.summary()}")
            else:
                assert error is not None
                self.report_error(
                    f"build failed (still serving the last good build):\n{error}\n"
                    "(this full message is shown here only: the page and /__insigne__/status "
                    "show it with email addresses hidden)"
                )
            return result


class _Changes(FileSystemEventHandler):
    """Marks that something relevant changed; ignores the noise editors and builds make."""

    def __init__(self, changed: threading.Event, ignored_dirs: list[Path]) -> None:
        self.changed = changed
        self.ignored_dirs = [d.resolve() for d in ignored_dirs]

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if any(self._relevant(p) for p in paths if p):
            self.changed.set()

    def _relevant(self, raw: str | bytes) -> bool:
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        name = path.name
        # The ledger is written by our own builds: rebuilding for it would loop.
        if name in (LEDGER_NAME, f".{LEDGER_NAME}.tmp"):
            return False
        if name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")):
            return False
        resolved = path.resolve()
        return not any(d == resolved or d in resolved.parents for d in self.ignored_dirs)


@dataclass
class ServeOptions:
    content_dir: Path
    output_dir: Path | None = None  # default: .insigne-serve/ beside content/
    bind: str = "127.0.0.1"
    port: int = 8000
    log_requests: bool = False


def default_output(content_dir: Path) -> Path:
    return content_dir.resolve().parent / SERVE_DIR_NAME


class Preview:
    """The whole of `insigne serve`: server, watcher and rebuild loop; `stop()` ends all three."""

    def __init__(
        self,
        options: ServeOptions,
        report: Callable[[str], None],
        report_error: Callable[[str], None],
    ) -> None:
        self.content_dir = options.content_dir.resolve()
        self.output_dir = (options.output_dir or default_output(self.content_dir)).resolve()
        # Refused before the server starts: nothing runs for an output that is the project.
        check_output_dir(options.output_dir or self.output_dir, self.content_dir)
        self.state = ServeState(self.output_dir)
        self.server = PreviewServer(
            options.bind, options.port, self.state, options.log_requests, report_error
        )
        self.url = local_base_url(options.bind, self.server.port)
        build_options = BuildOptions(
            content_dir=self.content_dir,
            output_dir=self.output_dir,
            base_url=self.url,
            waiting=lambda message: report(f"note: {message}"),
        )
        self.rebuilder = Rebuilder(build_options, self.state, report, report_error)
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer: Any = None

    def watched_dirs(self) -> list[Path]:
        themes = self.content_dir.parent / "themes"
        return [d for d in (self.content_dir, themes) if d.is_dir()]

    def start(self) -> None:
        self.rebuilder.rebuild()
        ignored = [
            self.output_dir,
            self.output_dir.with_name(f".{self.output_dir.name}.insigne-staging"),
            self.output_dir.with_name(f".{self.output_dir.name}.insigne-previous"),
        ]
        handler = _Changes(self._changed, ignored)
        self._observer = Observer()
        for folder in self.watched_dirs():
            self._observer.schedule(handler, str(folder), recursive=True)
        self._observer.start()
        for target, name in ((self._rebuild_loop, "rebuild"), (self.server.serve_forever, "http")):
            thread = threading.Thread(target=target, name=f"insigne-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _rebuild_loop(self) -> None:
        while not self._stop.is_set():
            if not self._changed.wait(0.2):
                continue
            while True:  # debounce: rebuild once the burst of events is over
                self._changed.clear()
                if self._stop.wait(DEBOUNCE_SECONDS):
                    return
                if not self._changed.is_set():
                    break
            self.rebuilder.rebuild()

    def wait(self) -> None:
        """Block until `stop()` (or Ctrl-C, which raises KeyboardInterrupt here)."""
        while not self._stop.wait(0.5):
            pass

    def stop(self) -> None:
        self._stop.set()
        with self.state.changed:
            self.state.stopping = True
            self.state.changed.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._threads:  # shutdown() waits for serve_forever, so only if it was started
            self.server.shutdown()
        self.server.server_close()
        deadline = time.monotonic() + 10
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
