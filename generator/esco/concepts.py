"""What an ESCO concept URI is, and the alignment a badge gets for a concept (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

FRAMEWORK = "ESCO"
URI_PREFIX = "http://data.europa.eu/esco/"
KINDS = ("skill", "occupation")
# ESCO concept URIs are http (not https) and end in a lowercase UUID; anything else is refused.
URI_RE = re.compile(
    r"^http://data\.europa\.eu/esco/(skill|occupation)/"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
# OB 3.0's AlignmentTargetType has no term for ESCO; its extension form is "ext:" + a name
# (1EdTech achievementcredential.json: pattern "(ext:)[a-z|A-Z|0-9|.|-|_]+").
TARGET_TYPES = {"skill": "ext:ESCOSkill", "occupation": "ext:ESCOOccupation"}
# The line the ESCO licence asks every service using the classification to show.
ATTRIBUTION_KEY = "esco_attribution"


@dataclass(frozen=True)
class Concept:
    """One ESCO concept in one language, as the index keeps it."""

    uri: str
    kind: str  # "skill" or "occupation"
    language: str
    label: str
    description: str
    status: str  # "released", or e.g. "obsolete"
    alt_labels: tuple[str, ...] = ()

    @property
    def obsolete(self) -> bool:
        return self.status != "released"


def parse_uri(uri: str) -> tuple[str, str] | None:
    """(kind, uuid) of an ESCO skill or occupation URI, or None when it is not one."""
    match = URI_RE.match(uri)
    return (match.group(1), match.group(2)) if match else None


def is_esco(framework: str | None) -> bool:
    return framework is not None and framework.strip().casefold() == FRAMEWORK.casefold()


def form_problem(url: str, code: str | None) -> tuple[str, str] | None:
    """(message, hint) when an alignment that says `framework: ESCO` is not well formed."""
    parsed = parse_uri(url)
    if parsed is None:
        hint = "copy the concept URI from 'insigne esco search', e.g. " + URI_PREFIX
        hint += "skill/7111b95d-0ce3-441a-9d92-4c75d05c4388"
        if url.startswith("https://data.europa.eu/esco/"):
            hint = "ESCO URIs start with http://, not https://: " + "http://" + url[8:]
        return (f"{url!r} is not an ESCO skill or occupation URI", hint)
    uuid = parsed[1]
    if code != uuid:
        return (
            f"the code of an ESCO alignment must be the UUID of its URI ({uuid}), got {code!r}",
            f"write 'code: {uuid}'",
        )
    return None


def target_type(url: str) -> str | None:
    parsed = parse_uri(url)
    return TARGET_TYPES[parsed[0]] if parsed else None


def alignment_fields(
    by_language: dict[str, Concept], languages: tuple[str, ...], version: str
) -> dict[str, str | dict[str, str]]:
    """The front-matter fields of the alignment to `by_language`'s concept.

    `by_language` holds the concept in each of the site's `languages` (default first). A site
    with one language gets plain strings; more languages get `{lang: text}` mappings.
    """
    first = by_language[languages[0]]
    parsed = parse_uri(first.uri)
    if parsed is None:
        raise ValueError(f"not an ESCO concept URI: {first.uri}")
    names = {lang: by_language[lang].label for lang in languages}
    descriptions = {
        lang: by_language[lang].description for lang in languages if by_language[lang].description
    }
    fields: dict[str, str | dict[str, str]] = {}
    fields["name"] = names[languages[0]] if len(languages) == 1 else names
    fields["url"] = first.uri
    if descriptions:
        fields["description"] = (
            descriptions.get(languages[0], "") if len(languages) == 1 else descriptions
        )
    fields["framework"] = FRAMEWORK
    fields["version"] = version
    fields["code"] = parsed[1]
    return fields
