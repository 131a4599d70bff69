"""The deploy recipes in deploy/ (issue 16, item 6): their contract, and their commands run.

The CI files are parsed and checked as a contract (triggers, jobs, permissions, official
actions); then the shell commands they run are run in a real new project, with the install
step replaced by this checkout, so the commands are known to work. The `_headers` rules are
matched against a built tree as Cloudflare Pages matches them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import __version__
from generator.deployrecipes import INSIGNE_REQUIREMENT, RECIPES, RECIPES_DIR
from tests.conftest import run_cli
from tests.harness import repo_root
from tests.newproject import init_project, ready_project

INSTALL = 'python -m pip install "$INSIGNE_REQUIREMENT"'


def _yaml(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((RECIPES_DIR / name).read_text("utf-8"))
    return data


@pytest.fixture
def ci_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project ready to deploy, then a CI machine's view of it: no private key anywhere."""
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "maintainer-keys"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    root = tmp_path / "newassoc"
    ready_project(root)
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "ci-has-no-keys"))
    return root


def _run_steps(commands: list[str], cwd: Path, env_extra: dict[str, str]) -> None:
    """Run CI shell commands as the runner would (bash -e), `insigne` being this checkout."""
    env = {**os.environ, **env_extra}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for command in commands:
        if command == INSTALL:
            # The install step, replaced by the current checkout: check it is what runs.
            command = "insigne --version"
        done = subprocess.run(
            ["bash", "-e", "-c", command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        if command == "insigne --version":
            assert done.stdout.strip() == f"insigne {__version__}"


def _assert_published(site: Path) -> None:
    for rel in (".well-known/did.json", "_headers", "index.html", "404.html", "issuer.json"):
        assert (site / rel).is_file(), rel
    assert list((site / "credentials").glob("*.json")), "no credential published"


# -- the version every recipe installs -----------------------------------------------------
def test_every_recipe_installs_the_same_pinned_insigne() -> None:
    assert f"insigne=={__version__}" == INSIGNE_REQUIREMENT
    installers = ["github-pages.yml", "gitlab-ci.yml", "netlify.toml"]
    for name in installers:
        text = (RECIPES_DIR / name).read_text("utf-8")
        assert text.count(INSIGNE_REQUIREMENT) == 1, name  # the one line to change
    assert {r.file for r in RECIPES.values()} == {
        p.name for p in RECIPES_DIR.iterdir() if p.is_file() and not p.name.startswith(".")
    }


# -- GitHub Pages ---------------------------------------------------------------------------
def test_github_workflow_contract() -> None:
    flow = _yaml("github-pages.yml")
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"] == {"branches": ["main"]}
    assert "pull_request" in triggers and "workflow_dispatch" in triggers
    assert flow["permissions"] == {"contents": "read"}
    assert flow["env"]["INSIGNE_REQUIREMENT"] == INSIGNE_REQUIREMENT

    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    steps = build["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert steps[1]["with"]["python-version"] == "3.11"
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == [INSTALL, "insigne check", "insigne build --locked"]
    assert "--no-verify" not in " ".join(runs)  # the build's own self-check stays on
    # Publishing steps: official actions, never on a pull request.
    publish = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    not_on_pr = "github.event_name != 'pull_request'"
    for action in ("actions/configure-pages", "actions/upload-pages-artifact"):
        assert publish[action]["if"] == not_on_pr
    upload = publish["actions/upload-pages-artifact"]["with"]
    # v4+ drops hidden files unless told: .well-known/did.json would be lost.
    assert upload == {"path": "output", "include-hidden-files": True}
    assert deploy["if"] == not_on_pr and deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["environment"]["name"] == "github-pages"
    [step] = deploy["steps"]
    assert step["uses"].startswith("actions/deploy-pages@") and step["id"] == "deployment"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    for step in [*steps, *deploy["steps"]]:
        if "uses" in step:  # official actions at a major version, as GitHub's own starters
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]


def test_github_workflow_commands_build_a_new_project(ci_project: Path) -> None:
    flow = _yaml("github-pages.yml")
    runs = [s["run"] for s in flow["jobs"]["build"]["steps"] if "run" in s]
    _run_steps(runs, ci_project, {"INSIGNE_REQUIREMENT": INSIGNE_REQUIREMENT})
    _assert_published(ci_project / flow["jobs"]["build"]["steps"][-1]["with"]["path"])


# -- GitLab Pages ---------------------------------------------------------------------------
def test_gitlab_pipeline_contract() -> None:
    ci = _yaml("gitlab-ci.yml")
    assert ci["variables"]["INSIGNE_REQUIREMENT"] == INSIGNE_REQUIREMENT
    assert ci["default"]["before_script"] == [INSTALL]
    assert ci["default"]["image"].startswith("python:3.11")
    pages, check = ci["pages"], ci["check"]
    # GitLab Pages publishes the `public` artifact of the job named `pages` (every version).
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["script"][-1] == "insigne build --locked --output public"
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert check["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert "artifacts" not in check


def test_gitlab_pipeline_commands_build_a_new_project(ci_project: Path) -> None:
    ci = _yaml("gitlab-ci.yml")
    _run_steps(
        [*ci["default"]["before_script"], *ci["pages"]["script"]],
        ci_project,
        {"INSIGNE_REQUIREMENT": INSIGNE_REQUIREMENT},
    )
    _assert_published(ci_project / "public")


# -- Netlify --------------------------------------------------------------------------------
def test_netlify_recipe_and_the_repository_s_own_netlify_toml(ci_project: Path) -> None:
    shipped = tomllib.loads((RECIPES_DIR / "netlify.toml").read_text("utf-8"))
    own = tomllib.loads((repo_root() / "netlify.toml").read_text("utf-8"))
    for config in (shipped, own):
        assert config["build"]["publish"] == "output"
        assert config["build"]["command"].endswith("&& insigne build --locked")
        assert config["build"]["environment"]["PYTHON_VERSION"] == "3.11"
        # Headers come from output/_headers alone: Netlify joins a header set twice.
        assert "headers" not in config
    install, build = shipped["build"]["command"].split(" && ")
    assert shlex.split(install) == ["python", "-m", "pip", "install", INSIGNE_REQUIREMENT]
    _run_steps([build], ci_project, {})
    _assert_published(ci_project / "output")


# -- insigne init and insigne recipe --------------------------------------------------------
def test_init_writes_the_github_workflow_and_netlify_toml(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root)
    for host in ("github", "netlify"):
        recipe = RECIPES[host]
        assert (root / recipe.target).read_bytes() == (RECIPES_DIR / recipe.file).read_bytes()


def test_recipe_command_prints_each_recipe() -> None:
    listing = run_cli("recipe")
    assert listing.code == 0
    for recipe in RECIPES.values():
        assert recipe.host in listing.out and recipe.target in listing.out
        printed = run_cli("recipe", recipe.host)
        assert printed.code == 0
        assert printed.out == (RECIPES_DIR / recipe.file).read_text("utf-8")
    unknown = run_cli("recipe", "geocities")
    assert unknown.code == 2 and "invalid choice" in unknown.err


# -- _headers (Cloudflare Pages, Netlify) ---------------------------------------------------
def _parse_headers(text: str) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """Cloudflare Pages' `_headers`: a URL pattern, then indented `Name: value` lines."""
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"not a path pattern: {line!r}"
            # A splat matches any characters (slashes too); `:name` one path segment.
            pattern = re.escape(line.strip()).replace(r"\*", ".*")
            pattern = re.sub(r":[A-Za-z]\w*", "[^/]+", pattern)
            rules.append((re.compile(pattern), []))
        else:
            name, sep, value = line.strip().partition(":")
            assert sep and rules, f"a header line outside a rule: {line!r}"
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def _headers_for(rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]], url: str) -> dict:
    """Every matching rule applies; a header set by two rules has its values joined."""
    found: dict[str, list[str]] = {}
    for pattern, headers in rules:
        if pattern.fullmatch(url):
            for name, value in headers:
                found.setdefault(name.lower(), []).append(value)
    return {name: ", ".join(values) for name, values in found.items()}


def test_headers_file_covers_every_json_and_image_of_a_built_site(ci_project: Path) -> None:
    site = ci_project / "output"
    text = (site / "_headers").read_text("utf-8")
    # The same fixed rules for every site: nothing of the site (let alone private) is in it.
    assert text == (RECIPES_DIR / "_headers").read_text("utf-8")
    rules = _parse_headers(text)
    files = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    kinds = {Path(f).suffix for f in files}
    assert {".json", ".png", ".html"} <= kinds and ".well-known/did.json" in files
    for rel in files:
        headers = _headers_for(rules, "/" + rel)
        assert headers.get("access-control-allow-origin") == "*", rel
        if rel.endswith(".json"):
            assert headers["content-type"] == "application/ld+json; charset=utf-8", rel
            assert headers["cache-control"] == "no-cache", rel
        elif rel.endswith((".png", ".svg")):
            assert headers["cache-control"] == "public, max-age=604800", rel
        else:
            assert "cache-control" not in headers and "content-type" not in headers, rel
