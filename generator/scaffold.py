"""Templates for `insigne init` and `insigne new badge`: text and a placeholder image, as bytes.

Everything here is a pure function returning file contents; `write_new_files` is the only
writer, and it refuses to overwrite anything, so scaffolding never destroys a maintainer's work.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from generator.atomic import write_atomic
from generator.deployrecipes import RECIPES, recipe_bytes
from generator.errors import InsigneError, Problem
from generator.gitmerge import merge_attributes
from generator.placeholders import (
    PLACEHOLDER_BADGE_DESCRIPTION,
    PLACEHOLDER_BASE_URL,
    PLACEHOLDER_CRITERIA,
    PLACEHOLDER_ISSUER_DESCRIPTION,
)

PLACEHOLDER_SIZE = 256


@dataclass(frozen=True)
class ProjectAnswers:
    name: str = "My association"
    url: str = "https://example.org/"
    email: str = "badges@example.org"
    base_url: str = PLACEHOLDER_BASE_URL
    language: str = "en"


def yaml_string(value: str) -> str:
    """A YAML scalar for any text: JSON strings are valid YAML double-quoted scalars."""
    return json.dumps(value, ensure_ascii=False)


def placeholder_png(label: str) -> bytes:
    """A real PNG badge placeholder: a coloured disc with the label's initials."""
    # The colour comes from the label, so two placeholders side by side are told apart.
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    colour = (64 + digest[0] % 128, 64 + digest[1] % 128, 64 + digest[2] % 128, 255)
    image = Image.new("RGBA", (PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = 8
    draw.ellipse(
        (margin, margin, PLACEHOLDER_SIZE - margin, PLACEHOLDER_SIZE - margin),
        fill=colour,
        outline=(255, 255, 255, 255),
        width=6,
    )
    initials = "".join(word[0] for word in label.replace("-", " ").split()[:2]).upper() or "?"
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(size=96)
    except TypeError:  # Pillow < 10.1 has only the small bitmap font
        font = ImageFont.load_default()
    centre = PLACEHOLDER_SIZE // 2
    draw.text((centre, centre), initials, fill=(255, 255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def site_yaml(answers: ProjectAnswers) -> str:
    return f"""# The site and the issuer (the association that awards the badges).
# See the Insigne README, "Content format", for every field.
base_url: {yaml_string(answers.base_url)}
title: {yaml_string(answers.name + " – Open Badges")}
language: {yaml_string(answers.language)}
timezone: UTC
issuer:
  name: {yaml_string(answers.name)}
  url: {yaml_string(answers.url)}
  email: {yaml_string(answers.email)}
  description: >-
    {PLACEHOLDER_ISSUER_DESCRIPTION}
"""


def badge_md(name: str, image_rel: str) -> str:
    return f"""---
name: {yaml_string(name)}
description: >-
  {PLACEHOLDER_BADGE_DESCRIPTION}
image: {image_rel}
tags: []
# expires_after: 2 years
---
{PLACEHOLDER_CRITERIA}

1. the activity or the project;
2. what they produce or show (the evidence);
3. who checks it.
"""


def example_awards(slug: str) -> str:
    lines = [
        "# An award file lists who received a badge. Remove the '#' to try it, or run:",
        f"#   insigne award {slug} alice@example.org bob@example.org",
        "#",
        f"# badge: {slug}",
        "# issued_on: 2025-01-31",
        "# recipients:",
        "#   - alice@example.org",
        "#   - email: bob@example.org",
        "#     name: Bob Martin",
        "#     public: true",
        "#     evidence: https://example.org/projects/bob",
        "",
    ]
    return "\n".join(lines)


GITIGNORE = """# The built site is rebuilt from content/ at every deploy.
/output/
# insigne notify's messages for review: they hold recipients' emails.
/outbox/
# insigne serve's preview build (base URL rewritten to the local address).
/.insigne-serve/
# Build bookkeeping beside the output (staging, previous tree, manifest with parsed awards).
.*.insigne-*
# Issuer private keys never belong in git.
*.key
*.seed
*.pem
/keys/
__pycache__/
"""

FIRST_BADGE = "first-badge"


def badge_files(slug: str, name: str) -> dict[str, bytes]:
    """The files of a new badge, relative to the content folder."""
    image_rel = f"images/{slug}.png"
    return {
        f"badges/{slug}.md": badge_md(name, image_rel).encode("utf-8"),
        image_rel: placeholder_png(name),
    }


def project_files(answers: ProjectAnswers) -> dict[str, bytes]:
    """Every file of a new project, relative to the project folder."""
    files = {
        "content/site.yaml": site_yaml(answers).encode("utf-8"),
        # A YAML file of comments only: it awards nothing, yet it sits where the real award
        # files go and shows their shape.
        "content/awards/example.yaml": example_awards(FIRST_BADGE).encode("utf-8"),
        ".gitignore": GITIGNORE.encode("utf-8"),
        # The ledger and the signature cache merge line by line (see generator/gitmerge.py).
        "content/.gitattributes": merge_attributes().encode("utf-8"),
    }
    # Deploy recipes that work as they are: GitHub Pages (a workflow) and Netlify; the others
    # are one `insigne deploy HOST` away (docs/deploying.md).
    for host in ("github", "netlify"):
        files[RECIPES[host].target] = recipe_bytes(RECIPES[host].file)
    for rel, data in badge_files(FIRST_BADGE, "First badge").items():
        files[f"content/{rel}"] = data
    return files


def write_new_files(root: Path, files: dict[str, bytes]) -> list[Path]:
    """Create `files` under `root`; refuse (writing nothing) if any of them already exists."""
    existing = [root / rel for rel in files if (root / rel).exists()]
    if existing:
        raise InsigneError(
            [
                Problem(path, "already exists", hint="choose another name, or move it away first")
                for path in existing
            ]
        )
    written = []
    for rel, data in files.items():
        path = root / rel
        write_atomic(path, data)
        written.append(path)
    return written
