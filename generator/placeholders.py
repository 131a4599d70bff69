"""Template texts left as `insigne init` and `insigne new badge` wrote them.

A new project builds at once (so `insigne serve` shows it while the maintainer edits), but the
template texts must not go live: a badge whose description says "One or two sentences that say
what..." would be signed into every credential awarded with it. A build reports each one as a
notice; a deploy build (`--locked`, what every shipped deploy recipe runs) refuses them.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Problem
from generator.model import Badge, Site

# The texts generator/scaffold.py writes into a new project, which must be replaced.
PLACEHOLDER_BASE_URL = "https://badges.example.org/"
PLACEHOLDER_ISSUER_DESCRIPTION = (
    "Describe the association in one or two sentences: it appears in every badge."
)
PLACEHOLDER_BADGE_DESCRIPTION = (
    "One or two sentences that say what a holder of this badge did or can do."
)
PLACEHOLDER_CRITERIA = "Describe in Markdown what a person must do to earn this badge:"


def unedited_placeholders(site: Site, badges: Iterable[Badge]) -> list[Problem]:
    """One problem per template text still in the content, naming its file."""
    found: list[Problem] = []
    site_yaml = site.content_dir / "site.yaml"
    if (site.configured_base_url or site.base_url) == PLACEHOLDER_BASE_URL:
        found.append(
            Problem(
                site_yaml,
                f"base_url is still the placeholder {PLACEHOLDER_BASE_URL}",
                hint="set base_url to the address where the badges will be published",
            )
        )
    if (site.issuer.description or "").strip() == PLACEHOLDER_ISSUER_DESCRIPTION:
        found.append(
            Problem(
                site_yaml,
                "issuer.description is still the template text",
                hint="describe the association in one or two sentences",
            )
        )
    for badge in badges:
        parts = []
        if badge.description.strip() == PLACEHOLDER_BADGE_DESCRIPTION:
            parts.append("description")
        if PLACEHOLDER_CRITERIA in badge.criteria_md:
            parts.append("criteria")
        if parts:
            found.append(
                Problem(
                    badge.source,
                    f"badge '{badge.slug}' still has the template {' and '.join(parts)}",
                    hint="write what a holder did and how to earn the badge (and replace its "
                    "placeholder image), or delete the badge if it is not used",
                )
            )
    return found
