"""The deploy recipes: one tested configuration per host, shipped in `deploy/` (`insigne_deploy`).

They live once, as plain files a maintainer can read and copy from the repository's `deploy/`
folder; the wheel ships the same files, from which `insigne init` writes the GitHub Pages
workflow and `netlify.toml`, the build writes `_headers`, and `insigne deploy HOST` prints any.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

# What the recipes install: the version pin a maintainer changes to upgrade (one line in each).
INSIGNE_REQUIREMENT = "insigne==0.1.0"
HEADERS_FILE = "_headers"  # the build copies it into every output (see pages.write_pages)


@dataclass(frozen=True)
class Recipe:
    host: str
    file: str  # under deploy/
    target: str  # where it goes in a content repository (or on the server)
    summary: str


RECIPES: dict[str, Recipe] = {
    r.host: r
    for r in (
        Recipe(
            "github", "github-pages.yml", ".github/workflows/badges.yml", "GitHub Pages workflow"
        ),
        Recipe("gitlab", "gitlab-ci.yml", ".gitlab-ci.yml", "GitLab Pages pipeline"),
        Recipe("netlify", "netlify.toml", "netlify.toml", "Netlify build settings"),
        Recipe(
            "cloudflare",
            HEADERS_FILE,
            "output/_headers",
            "headers for Cloudflare Pages and Netlify (the build writes it)",
        ),
        Recipe("nginx", "nginx.conf", "/etc/nginx/sites-available/badges", "nginx server block"),
        Recipe("caddy", "Caddyfile", "/etc/caddy/Caddyfile", "Caddy site block"),
    )
}


def _recipes_dir() -> Path:
    """The checkout's `deploy/` (editable install) or the wheel's copy (`insigne_deploy`)."""
    checkout = Path(__file__).resolve().parent.parent / "deploy"
    if (checkout / HEADERS_FILE).is_file():
        return checkout
    spec = importlib.util.find_spec("insigne_deploy")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


RECIPES_DIR = _recipes_dir()


def recipe_bytes(file: str) -> bytes:
    return (RECIPES_DIR / file).read_bytes()
