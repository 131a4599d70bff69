"""The nginx and Caddy recipes, for real (issue 16, item 6).

Debian's nginx and Caddy (tests/tools/install_web_servers.sh) run as plain foreground processes
with the shipped deploy/nginx.conf server block and deploy/Caddyfile site block, only their
address and root folder changed, serving a new association's site built for that address on
127.0.0.1. Then, by URL through them: the 1EdTech validator, the npm Data Integrity verifier,
and every header the recipes promise (content types, CORS, caching, the 404 page, did.json).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.deployrecipes import RECIPES_DIR
from tests.conftest import run_cli
from tests.harness import error_texts, validate_ob2, verify_ob3
from tests.newproject import ready_project

pytestmark = pytest.mark.slow

EMAIL = "ada@example.org"
START_SECONDS = 20.0


def _program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise AssertionError(f"{name} is missing: run `make test-deps` (install_web_servers.sh)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the shipped recipe no longer has {old!r}"
    return text.replace(old, new)


@dataclass
class Served:
    url: str
    port: int
    output: Path


class _Process:
    def __init__(self, command: list[str], port: int, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as sink:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + START_SECONDS
        while True:  # started once it accepts connections (or it has died: say why)
            if self.proc.poll() is not None:
                raise AssertionError(f"{command[0]} exited:\n{log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"{command[0]} never listened on {port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=START_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _build_for(tmp: Path, port: int) -> Path:
    """A new association's site (OB 2.0 and 3.0), built for http://127.0.0.1:PORT/."""
    root = tmp / "newassoc"
    content = ready_project(root, EMAIL)
    output = tmp / "site"
    built = run_cli(
        "-q", "build", "--content", content, "--output", output, "--base-url", _url(port)
    )
    assert built.code == 0, built.err
    return output


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)


# What GitHub Pages and GitLab Pages do, where no header can be set: .json as application/json
# (mime.types), the 404 page, nothing else.
BARE_BLOCK = """server {
    listen 80;
    root /var/www/badges;
    error_page 404 /404.html;
}
"""


def _nginx(tmp_path: Path, block: str) -> Iterator[Served]:
    port = _free_port()
    output = _build_for(tmp_path, port)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    block = _replace_once(block, "listen 80;", f"listen 127.0.0.1:{port};")
    block = _replace_once(block, "root /var/www/badges;", f"root {output};")
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Workers drop to `nobody` when started as root, who cannot read a private temp folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    config = prefix / "nginx.conf"
    config.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {prefix / 'access.log'};\n{temp_paths}\n{block}\n}}\n",
        "utf-8",
    )
    command = [_program("nginx"), "-p", str(prefix), "-c", str(config)]
    command += ["-e", str(prefix / "error.log")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stderr
    server = _Process(command, port, dict(os.environ), prefix / "stdout.log")
    try:
        yield Served(_url(port), port, output)
    finally:
        server.stop()


@pytest.fixture
def nginx(tmp_path: Path, key_dir: None) -> Iterator[Served]:
    yield from _nginx(tmp_path, (RECIPES_DIR / "nginx.conf").read_text("utf-8"))


@pytest.fixture
def bare_nginx(tmp_path: Path, key_dir: None) -> Iterator[Served]:
    yield from _nginx(tmp_path, BARE_BLOCK)


@pytest.fixture
def caddy(tmp_path: Path, key_dir: None) -> Iterator[Served]:
    port = _free_port()
    output = _build_for(tmp_path, port)
    home = tmp_path / "caddy"
    home.mkdir()
    block = (RECIPES_DIR / "Caddyfile").read_text("utf-8")
    block = _replace_once(block, "badges.example.org {", f"http://127.0.0.1:{port} {{")
    block = _replace_once(block, "root * /var/www/badges", f"root * {output}")
    config = home / "Caddyfile"
    # Global options for a test: no admin endpoint, no certificates, state in the temp folder.
    config.write_text("{\n\tadmin off\n\tauto_https off\n}\n\n" + block, "utf-8")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    program = _program("caddy")
    adapted = subprocess.run(
        [program, "adapt", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert adapted.returncode == 0, adapted.stderr
    command = [program, "run", "--config", str(config), "--adapter", "caddyfile"]
    server = _Process(command, port, env, home / "caddy.log")
    try:
        yield Served(_url(port), port, output)
    finally:
        server.stop()


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Origin": "https://verifier.example"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _check_site(served: Served) -> None:
    site = served.output
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    json_files = [f for f in files if f.endswith(".json")]
    images = [f for f in files if f.endswith((".png", ".svg"))]
    pages = [f for f in files if f.endswith(".html") and f != "404.html"]
    assert ".well-known/did.json" in json_files and images and pages
    for rel in json_files:
        status, headers, body = _get(served.url + rel)
        assert status == 200, rel
        assert headers["content-type"] == "application/ld+json; charset=utf-8", rel
        assert headers["access-control-allow-origin"] == "*", rel
        assert headers["cache-control"] == "no-cache", rel
        assert body == (site / rel).read_bytes(), rel
    for rel in images:
        status, headers, body = _get(served.url + rel)
        assert status == 200 and body == (site / rel).read_bytes(), rel
        assert headers["content-type"] == ("image/png" if rel.endswith(".png") else "image/svg+xml")
        assert headers["access-control-allow-origin"] == "*", rel
        assert headers["cache-control"] == "public, max-age=604800", rel
    for rel in ["", *pages]:
        status, headers, _body = _get(served.url + rel)
        assert status == 200 and headers["content-type"].startswith("text/html"), rel
        assert headers["cache-control"] == "no-cache", rel
    status, headers, body = _get(served.url + "badges/no-such-badge.html")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert body == (site / "404.html").read_bytes()
    did = json.loads(_get(served.url + ".well-known/did.json")[2])
    assert did["id"] == f"did:web:127.0.0.1%3A{served.port}"

    _check_verifiers(served)


def _check_verifiers(served: Served) -> None:
    """The real verifiers, by URL through the server."""
    [credential] = sorted((served.output / "credentials").glob("*.json"))
    award_id = credential.stem
    [report] = validate_ob2([f"{served.url}assertions/{award_id}.json"], EMAIL)
    assert report["valid"] and report["errorCount"] == 0, error_texts(report)
    [ob3] = verify_ob3([f"{served.url}credentials/{award_id}.json"], served.port)
    assert ob3["verified"] and ob3["statusVerified"] and ob3["revoked"] is False, ob3


def test_nginx_recipe_serves_a_site_verifiers_accept(nginx: Served) -> None:
    _check_site(nginx)


def test_caddy_recipe_serves_a_site_verifiers_accept(caddy: Served) -> None:
    _check_site(caddy)


def test_hosts_that_set_no_headers_still_pass_the_verifiers(bare_nginx: Served) -> None:
    """GitHub Pages and GitLab Pages serve JSON as application/json: the verifiers accept it."""
    status, headers, _ = _get(bare_nginx.url + ".well-known/did.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert "access-control-allow-origin" not in headers
    _check_verifiers(bare_nginx)
