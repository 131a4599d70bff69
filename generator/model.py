"""The typed model every later stage works from, once content is loaded and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Issuer:
    name: str
    url: str
    email: str
    description: str | None = None
    image: Path | None = None  # source file under content/
    image_type: str | None = None  # "png" or "svg"


@dataclass(frozen=True)
class SmtpSettings:
    """`smtp:` in site.yaml: how `insigne notify` reaches its mail server (no password here)."""

    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    from_address: str
    from_name: str
    user: str | None = None
    reply_to: str | None = None
    cafile: Path | None = None  # a CA bundle to trust instead of the system's


@dataclass(frozen=True)
class Site:
    base_url: str  # absolute, always ends with "/"
    title: str
    language: str
    languages: tuple[str, ...]  # the default language first
    theme: str
    timezone: tzinfo
    timezone_name: str
    issuer: Issuer
    content_dir: Path
    linkedin_organization_id: str | None = None
    verification: str = "hosted"  # OB 2.0 default for every badge: "hosted" or "signed"
    configured_base_url: str | None = None  # site.yaml's base_url when --base-url overrides it
    # Read by `insigne notify` only; kept out of repr, which keys the build's caches.
    smtp: SmtpSettings | None = field(default=None, repr=False)

    @property
    def is_preview(self) -> bool:
        """Built for another address than its own (serve, tests): never deployed as is."""
        return self.configured_base_url not in (None, self.base_url)


@dataclass(frozen=True)
class Alignment:
    name: str  # in the site's default language
    url: str
    description: str | None = None
    framework: str | None = None
    code: str | None = None
    version: str | None = None  # of the framework, e.g. "1.2.0" for ESCO v1.2.0
    target_type: str | None = None  # OB 3.0 targetType, e.g. "ext:ESCOSkill"
    # Per language, the default language first: every language the front matter gives.
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    line: int | None = field(default=None, compare=False)  # in the badge file, for messages

    def text(self, language: str) -> tuple[str, str | None, str | None]:
        """(name, description, language of the name) for a page in `language`."""
        if language in self.names:
            return self.names[language], self.descriptions.get(language), language
        return self.name, self.description, None


@dataclass(frozen=True)
class Duration:
    """An expiry rule such as "18 months", kept as written for display."""

    amount: int
    unit: str  # "days", "weeks", "months" or "years"

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class BadgeText:
    """The parts of a badge that are translated."""

    name: str
    description: str
    criteria_md: str
    # None: the translation gives no `tags:`, and the pages show the default language's.
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    description: str
    image: Path
    image_type: str  # "png" or "svg"
    criteria_md: str
    source: Path
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    expires_after: Duration | None = None
    translations: dict[str, BadgeText] = field(default_factory=dict)
    verification: str | None = None  # overrides Site.verification for this badge

    def text(self, language: str | None = None) -> BadgeText:
        if language and language in self.translations:
            return self.translations[language]
        return BadgeText(self.name, self.description, self.criteria_md, self.tags)

    def tags_in(self, language: str | None = None) -> tuple[str, ...]:
        """The tags a page in `language` shows: the translation's own, else the badge's."""
        text = self.text(language)
        return self.tags if text.tags is None else text.tags


@dataclass(frozen=True)
class Evidence:
    url: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None

    def fields(self) -> dict[str, str]:
        """The non-empty fields under their Open Badges names (2.0 and 3.0 agree on them)."""
        named = {
            "id": self.url,
            "name": self.name,
            "description": self.description,
            "narrative": self.narrative,
        }
        return {key: value for key, value in named.items() if value}


@dataclass(frozen=True)
class Recipient:
    """Who received an award: an email in the content, or an identity hashed beforehand."""

    email: str | None  # lowercased and stripped; never written to output
    identity: str | None = None  # "sha256$<hex>" when given pre-hashed
    salt: str | None = None  # only with identity
    name: str | None = None
    public: bool = False
    language: str | None = None  # the language of the letter `insigne notify` sends


@dataclass(frozen=True)
class AwardSpec:
    """An award as the content states it, before the ledger gives it an id and a salt."""

    badge: str
    recipient: Recipient
    issued_on: datetime
    expires: datetime | None
    evidence: tuple[Evidence, ...]
    narrative: str | None
    revoked: str | None  # revocation reason, None when valid
    source: Path
    line: int
    # The reason in the site's other languages, for the pages only: `revoked` (the default
    # language's text) is what the published documents carry. Sorted (language, text) pairs.
    revoked_translations: tuple[tuple[str, str], ...] = ()

    @cached_property  # asked for three times per award by every build (frozen: fields only)
    def key(self) -> str:
        """What makes two awards the same award: badge, recipient and issue date."""
        from generator.ledger import award_key

        return award_key(self)

    @cached_property  # kept with the spec in the build manifest's award file cache
    def fingerprint(self) -> str:
        """A digest of every field but where the spec sits in its file (see manifest)."""
        from generator.manifest import spec_fingerprint

        return spec_fingerprint(self)


@dataclass(frozen=True)
class Award:
    """An award as published: the spec plus what the ledger decided once and for all."""

    id: str
    salt: str
    spec: AwardSpec
    status_index: int = 0  # bit in the Open Badges 3.0 revocation status list

    @cached_property  # asked for by both build processes: computed once, before the fork
    def fingerprint(self) -> str:
        """The award as its documents see it (see `manifest.award_fingerprint`)."""
        from generator.manifest import award_fingerprint_of

        return award_fingerprint_of(self)

    @property
    def badge(self) -> str:
        return self.spec.badge

    @property
    def issued_on(self) -> datetime:
        return self.spec.issued_on

    @property
    def expires(self) -> datetime | None:
        return self.spec.expires

    @property
    def revoked(self) -> str | None:
        return self.spec.revoked

    @property
    def identity(self) -> str:
        from generator.recipients import hashed_identity

        return hashed_identity(self.spec.recipient, self.salt)


@dataclass
class SiteModel:
    """Everything loaded, validated and resolved: the shared context of every later stage."""

    site: Site
    badges: dict[str, Badge]  # by slug, sorted
    awards: list[Award]  # sorted by (badge, issued_on, id)
    held_back: list[AwardSpec] = field(default_factory=list)  # issued in the future
    credentials: bool = False  # Open Badges 3.0 credentials are published (an Ed25519 key exists)

    def awards_of(self, slug: str) -> list[Award]:
        return [a for a in self.awards if a.badge == slug]
