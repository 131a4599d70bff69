"""What the built site publishes for an award: the baked image a letter attaches.

A letter must carry the very bytes the site serves, so they are read from the built output,
which must be the current build of this content for the site's own address: not missing, not
stale (an award not built yet, or built with another id or salt), not a preview build (for
`insigne serve` or another `--base-url`), whose links would lead nowhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from generator import urls
from generator.baking import BakingError, unbake
from generator.errors import InsigneError, Problem, Problems
from generator.model import Award, Badge, Site

_REBUILD = "run 'insigne build' (with the same --content and --output), then notify again"


@dataclass(frozen=True)
class BakedImage:
    data: bytes
    kind: str  # "png" or "svg"
    filename: str  # the attachment's name


def check_output(output_dir: Path, site: Site) -> None:
    """Refuse an output folder that is missing or was built for another address."""
    issuer = output_dir / urls.ISSUER_JSON
    if not issuer.is_file():
        raise InsigneError(
            Problem(output_dir, "no built site here (issuer.json is missing)", hint=_REBUILD)
        )
    try:
        built_for = json.loads(issuer.read_bytes()).get("id", "")
    except (OSError, ValueError, AttributeError):
        built_for = ""
    expected = urls.absolute(site.base_url, urls.ISSUER_JSON)
    if built_for != expected:
        raise InsigneError(
            Problem(
                issuer,
                f"this output was built for another address ({built_for or 'unknown'}), not "
                f"for site.yaml's base_url ({site.base_url}): a preview build, whose links "
                "would lead nowhere",
                hint="run 'insigne build' without --base-url, then notify again",
            )
        )


def baked_image(
    output_dir: Path, site: Site, award: Award, badge: Badge, problems: Problems
) -> BakedImage | None:
    """The award's baked image as published, or None with the reason added to `problems`."""
    json_path = output_dir / urls.assertion_json(award.id)
    image_path = output_dir / urls.baked_image(award.id, badge.image_type)
    expected_id = urls.absolute(site.base_url, urls.assertion_json(award.id))
    try:
        assertion = json.loads(json_path.read_bytes())
    except FileNotFoundError:
        problems.add(json_path, f"award {award.id} is not in the built site", hint=_REBUILD)
        return None
    except (OSError, ValueError) as exc:
        problems.add(json_path, f"cannot read the built assertion ({exc})", hint=_REBUILD)
        return None
    recipient = assertion.get("recipient") if isinstance(assertion, dict) else None
    identity = recipient.get("identity") if isinstance(recipient, dict) else None
    if assertion.get("id") != expected_id or identity != award.identity:
        problems.add(
            json_path,
            f"the built assertion is stale: it is not award {award.id} as the ledger records it",
            hint=_REBUILD,
        )
        return None
    if assertion.get("revoked"):
        problems.add(json_path, f"award {award.id} is revoked in the built site", hint=_REBUILD)
        return None
    try:
        data = image_path.read_bytes()
    except FileNotFoundError:
        problems.add(image_path, f"the baked image of award {award.id} is missing", hint=_REBUILD)
        return None
    try:
        baked = unbake(data)
    except BakingError:
        baked = None
    if baked is None or (baked.startswith("{") and _id_of(baked) != expected_id):
        problems.add(
            image_path, f"the baked image is not award {award.id}'s current one", hint=_REBUILD
        )
        return None
    return BakedImage(data, badge.image_type, f"{badge.slug}-{award.id}.{badge.image_type}")


def _id_of(baked: str) -> object:
    try:
        document = json.loads(baked)
    except ValueError:
        return None
    return document.get("id") if isinstance(document, dict) else None
