"""Build program for the HTML pages people read: home, issuer, criteria, award and 404 pages.

Every page is written once per site language: the default language at the root, the others
under `<lang>/`. Links between pages are relative (the site works under any base path); only
what must be absolute is (Open Graph image, canonical and `hreflang` URLs, and the 404 page,
which a host serves at any depth). What depends only on a badge (its rendered criteria, its
earners) is prepared once per language; each award page then costs one template render, plus
Markdown only when the award has a narrative.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import markdown

from generator import urls
from generator.deployrecipes import HEADERS_FILE, recipe_bytes
from generator.errors import InsigneError, Problem
from generator.esco.concepts import is_esco
from generator.i18n import Catalogue
from generator.manifest import award_fingerprint, code_digest, digest_text, tree_digest
from generator.markdown_render import render_markdown, safe_url
from generator.model import Alignment, Award, Badge, Evidence, Site, SiteModel
from generator.previews import PreviewError, preview_png, renderer_version, theme_background
from generator.stencil import StencilSet
from generator.theme import Theme
from generator.verifypage import VERIFY_PAGE, script_strings, verify_query
from generator.writer import OutputWriter

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"
# What the shipped award page (award.html, base.html) shows of its badge's view; a test reads
# the templates to hold this list to them.
AWARD_PAGE_BADGE_FIELDS = (
    "slug",
    "name",
    "description",
    "text_lang",
    "image",
    "image_url",
    "preview_url",
    "page",
    "tags",
    "alignments",
    "criteria_summary",
)
# How long the criteria summary on an award page may be, in characters.
SUMMARY_LENGTH = 220
_FIRST_BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Language:
    code: str
    prefix: str  # "" for the default language, else "<code>/"
    catalogue: Catalogue


def _root(path: str) -> str:
    """The relative prefix from a page back to the output root, so pages work at any base path."""
    return "../" * path.count("/")


def _local(site: Site, moment: datetime) -> datetime:
    return moment.astimezone(site.timezone)


def issuer_view(site: Site) -> dict[str, Any]:
    issuer = site.issuer
    return {
        "name": issuer.name,
        "url": safe_url(issuer.url),
        "email": issuer.email,
        "description": issuer.description,
        "image": urls.issuer_image(issuer.image_type)
        if issuer.image and issuer.image_type
        else None,
        "page": urls.issuer_page(),
        # The home and issuer pages' og:image (see write_previews).
        "preview_url": urls.absolute(site.base_url, urls.ISSUER_PREVIEW)
        if issuer.image and issuer.image_type
        else None,
        "json": urls.ISSUER_JSON,
        "revocations": urls.REVOCATIONS_JSON,
    }


def earners(site: Site, awards: Iterable[Award]) -> list[dict[str, str]]:
    """Recipients who asked to be listed (`public: true` and a name), on valid awards only."""
    return [
        {"name": a.spec.recipient.name, "page": urls.award_page(a.id)}
        for a in awards
        if a.revoked is None and a.spec.recipient.public and a.spec.recipient.name
    ]


def badge_view(
    site: Site,
    badge: Badge,
    awards: list[Award],
    language: Language,
    criteria_html: str,
) -> dict[str, Any]:
    cat = language.catalogue
    text = badge.text(language.code)
    translated = language.code == site.language or language.code in badge.translations
    valid = [a for a in awards if a.revoked is None]
    return {
        "slug": badge.slug,
        "name": text.name,
        "description": text.description,
        "text_lang": language.code if translated else site.language,
        "translated": translated,
        "image": urls.badge_image(badge.slug, badge.image_type),
        "image_url": urls.absolute(site.base_url, urls.badge_image(badge.slug, badge.image_type)),
        "preview_url": urls.absolute(site.base_url, urls.badge_preview(badge.slug)),
        "json": urls.badge_json(badge.slug),
        "page": urls.criteria_page(badge.slug),
        "criteria_html": criteria_html,
        "criteria_summary": criteria_summary(criteria_html),
        "tags": list(badge.tags_in(language.code)),
        "alignments": [_alignment_view(a, site, language.code) for a in badge.alignments],
        # The ESCO licence asks every service showing its concepts to say so.
        "esco": any(is_esco(a.framework) for a in badge.alignments),
        "expires_after": (
            cat.duration(badge.expires_after.amount, badge.expires_after.unit)
            if badge.expires_after
            else None
        ),
        "award_count": len(valid),
        "earners": earners(site, valid),
    }


def _alignment_view(alignment: Alignment, site: Site, language: str) -> dict[str, Any]:
    """An alignment in the page's language when the front matter gives it in that language."""
    name, description, text_lang = alignment.text(language)
    framework = alignment.framework
    if framework and alignment.version:
        framework = f"{framework} v{alignment.version}"
    return {
        "name": name,
        "url": safe_url(alignment.url),
        "description": description,
        "lang": text_lang or site.language,
        "framework": framework,
        "code": alignment.code,
        "esco": is_esco(alignment.framework),
    }


def criteria_summary(criteria_html: str) -> str:
    """The criteria's first paragraph as plain text, cut at a word: the award page's summary."""
    match = _FIRST_BLOCK.search(criteria_html)
    if match is None:
        return ""
    text = " ".join(htmllib.unescape(_TAG.sub("", match.group(2))).split())
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[:SUMMARY_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _evidence_view(evidence: Evidence) -> dict[str, Any]:
    return {
        "url": safe_url(evidence.url),
        "name": evidence.name,
        "description": evidence.description,
        "narrative_html": render_markdown(evidence.narrative) if evidence.narrative else None,
    }


def award_base(
    site: Site, award: Award, badge: Badge, now: datetime, credentials: bool = False
) -> dict[str, Any]:
    """What an award page shows that does not depend on the page's language."""
    recipient = award.spec.recipient
    issued = _local(site, award.issued_on)
    expires = _local(site, award.expires) if award.expires else None
    return {
        "id": award.id,
        "json": urls.assertion_json(award.id),
        "assertion_url": urls.absolute(site.base_url, urls.assertion_json(award.id)),
        "page": urls.award_page(award.id),
        "baked": None if award.revoked else urls.baked_image(award.id, badge.image_type),
        "baked_kind": badge.image_type.upper(),
        "credential": urls.credential_json(award.id) if credentials else None,
        "credential_baked": (
            urls.credential_image(award.id, badge.image_type)
            if credentials and not award.revoked
            else None
        ),
        "issued_on": issued,
        "issued_on_iso": issued.date().isoformat(),
        "expires": expires,
        "expires_iso": expires.date().isoformat() if expires else None,
        "expired": award.expires is not None and award.expires <= now,
        "revoked": award.revoked,
        "revoked_translations": dict(award.spec.revoked_translations),
        "recipient_name": recipient.name if recipient.public and recipient.name else None,
        "narrative_html": render_markdown(award.spec.narrative) if award.spec.narrative else None,
        "evidence": [_evidence_view(e) for e in award.spec.evidence],
        # The verify page (generator/verifypage), opened on this award's documents.
        # A signed assertion is checked in its signed form (the JWS), a hosted one at its id.
        "verify": VERIFY_PAGE
        + verify_query(
            urls.absolute(
                site.base_url,
                urls.assertion_jws(award.id)
                if (badge.verification or site.verification) == "signed"
                else urls.assertion_json(award.id),
            )
        ),
        "verify_credential": (
            VERIFY_PAGE + verify_query(urls.absolute(site.base_url, urls.credential_json(award.id)))
            if credentials
            else None
        ),
    }


def linkedin_prefix(site: Site, badge_name: str) -> str:
    """The part of LinkedIn's "add licence or certification" link shared by a badge's awards."""
    params: list[tuple[str, str]] = [("startTask", "CERTIFICATION_NAME"), ("name", badge_name)]
    if site.linkedin_organization_id:
        params.append(("organizationId", site.linkedin_organization_id))
    else:
        params.append(("organizationName", site.issuer.name))
    return f"{LINKEDIN_ADD_URL}?{urlencode(params, quote_via=quote)}"


def linkedin_url(
    prefix: str, award_id: str, issued: datetime, expires: datetime | None, cert_url: str
) -> str:
    """LinkedIn's link prefilled for one award: its dates, its page and its id."""
    url = f"{prefix}&issueYear={issued.year}&issueMonth={issued.month}"
    if expires is not None:
        url += f"&expirationYear={expires.year}&expirationMonth={expires.month}"
    return f"{url}&certUrl={quote(cert_url, safe='')}&certId={quote(award_id, safe='')}"


def award_view(
    site: Site,
    base: dict[str, Any],
    linkedin: str,
    language: Language,
    checked: datetime,
    badge_name: str,
) -> dict[str, Any]:
    """`checked`: when the build judged the award's status (its day shows on the page)."""
    cat = language.catalogue
    page_url = urls.absolute(site.base_url, language.prefix + base["page"])
    view = dict(base)
    view["issued_on_text"] = cat.date(base["issued_on"])
    view["expires_text"] = cat.date(base["expires"]) if base["expires"] else None
    view["page_url"] = page_url
    # A revoked or expired badge is nothing to add to a profile.
    view["linkedin_url"] = (
        None
        if base["revoked"] or base["expired"]
        else linkedin_url(linkedin, base["id"], base["issued_on"], base["expires"], page_url)
    )
    # The reason in this page's language when the content gives it, else the default one.
    translations = view.pop("revoked_translations")
    if base["revoked"]:
        view["revoked"] = translations.get(language.code, base["revoked"])
        view["revoked_lang"] = language.code if language.code in translations else site.language
    else:
        view["revoked_lang"] = None
    view["checked_on_iso"] = checked.date().isoformat()
    view["checked_on_text"] = cat.date(checked)
    view["share"] = share_links(cat, page_url, badge_name)
    return view


def share_links(cat: Catalogue, page_url: str, badge_name: str) -> dict[str, str]:
    """Plain links that share an award page: by email and on three networks (no script)."""
    url = quote(page_url, safe="")
    subject = quote(cat.t("share_email_subject", badge=badge_name), safe="")
    body = quote(cat.t("share_email_body", badge=badge_name, url=page_url), safe="")
    text = quote(cat.t("share_text", badge=badge_name), safe="")
    return {
        "email": f"mailto:?subject={subject}&body={body}",
        "linkedin": f"https://www.linkedin.com/sharing/share-offsite/?url={url}",
        "x": f"https://x.com/intent/post?url={url}&text={text}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={url}",
    }


class _PageRenderer:
    """Renders and writes pages; holds what every page of one language shares."""

    def __init__(
        self, site: Site, theme: Theme, writer: OutputWriter, languages: list[Language]
    ) -> None:
        self.site = site
        self.theme = theme
        self.writer = writer
        self.languages = languages
        self.issuer = issuer_view(site)
        self._templates: dict[tuple[str, str], Any] = {}
        # What Insigne knows of the award page's use of its values holds only for its own page:
        # a theme's own award page may do anything with them (no stencils then, see stencil.py).
        self.shipped_award_page = theme.is_shipped("award.html", "base.html")

    def _template(self, name: str, language: Language) -> Any:
        key = (name, language.code)
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self.theme.template(name, language.catalogue)
        return template

    def alternates(self, language: Language, path: str, root: str) -> list[dict[str, Any]]:
        if len(self.languages) < 2:
            return []
        return [
            {
                "code": other.code,
                "name": other.catalogue.language_name,
                "href": root + other.prefix + path,
                "url": urls.absolute(self.site.base_url, other.prefix + path),
                "current": other.code == language.code,
            }
            for other in self.languages
        ]

    def shared(self, language: Language, root: str, kind: str) -> dict[str, Any]:
        """What a template gets that is the same for every page of one kind, depth and language."""
        cat = language.catalogue
        return {
            "site": self.site,
            "issuer": self.issuer,
            "lang": language.code,
            "default_lang": self.site.language,
            "t": cat.t,
            "tn": cat.tn,
            "root": root,
            "lang_root": root + language.prefix,
            "page_kind": kind,
        }

    def own(self, language: Language, path: str) -> dict[str, Any]:
        """What a template gets that belongs to the page at `language.prefix + path`."""
        full = language.prefix + path
        return {
            "page_path": full,
            "page_url": urls.absolute(self.site.base_url, full),
            "alternates": self.alternates(language, path, _root(full)),
        }

    def page(self, language: Language, path: str, template: str, kind: str, **context: Any) -> None:
        """Write the page at `language.prefix + path`; `path` is the language-neutral path."""
        full = language.prefix + path
        html = self._template(template, language).render(
            **self.shared(language, _root(full), kind), **self.own(language, path), **context
        )
        self.writer.write(full, html.encode("utf-8"))

    def award_pages(self, language: Language, badge: dict[str, Any]) -> StencilSet:
        """The award pages of one badge in one language (see generator/stencil.py)."""
        template = self._template("award.html", language)
        shared = self.shared(language, _root(language.prefix + urls.award_page("x")), "award")
        shared["badge"] = badge

        def render(variables: dict[str, Any]) -> str:
            return str(template.render(**shared, **variables))

        return StencilSet(render, enabled=self.shipped_award_page)

    def not_found(self, language: Language) -> None:
        # Served for a missing URL at any depth: relative links would point nowhere.
        base = self.site.base_url
        html = self._template("404.html", language).render(
            site=self.site,
            issuer=self.issuer,
            lang=language.code,
            default_lang=self.site.language,
            t=language.catalogue.t,
            tn=language.catalogue.tn,
            root=base,
            lang_root=base + language.prefix,
            page_kind="404",
            page_path=language.prefix + urls.NOT_FOUND_PAGE,
            page_url=None,
            alternates=[],
        )
        self.writer.write(language.prefix + urls.NOT_FOUND_PAGE, html.encode("utf-8"))


def write_previews(site: Site, badges: Iterable[Badge], theme: Theme, writer: OutputWriter) -> None:
    """The social preview PNG of each badge and of the issuer's image (generator/previews.py).

    Each is kept unrendered while its image, the theme's background and the renderer are
    unchanged: resvg and a 1200x630 PNG cost tens of milliseconds a badge.
    """
    background = theme_background(theme.static_files().get("style.css"))
    base = digest_text(code_digest(), renderer_version(), background)
    issuer = site.issuer
    if issuer.image is not None and issuer.image_type:
        _preview(
            writer,
            "preview-issuer",
            urls.ISSUER_PREVIEW,
            issuer.image,
            issuer.image_type,
            site.content_dir / "site.yaml",
            base,
            background,
        )
    for badge in badges:
        _preview(
            writer,
            f"preview-badge:{badge.slug}",
            urls.badge_preview(badge.slug),
            badge.image,
            badge.image_type,
            badge.source,
            base,
            background,
        )


def _preview(
    writer: OutputWriter,
    group: str,
    rel: str,
    image: Path,
    kind: str,
    source: Path,
    base: str,
    background: str,
) -> None:
    data = image.read_bytes()
    key = digest_text(base, kind, hashlib.sha256(data).hexdigest())

    def produce() -> None:
        try:
            png = preview_png(data, kind, background)
        except PreviewError as exc:
            raise InsigneError(
                Problem(source, f"image {image.name}: no social preview can be made: {exc}")
            ) from None
        writer.write(rel, png)

    writer.cached(group, key, produce)


def site_languages(site: Site, theme: Theme) -> list[Language]:
    locale_dirs = theme.locale_dirs()
    return [
        Language(code, urls.language_prefix(site.language, code), Catalogue(code, locale_dirs))
        for code in site.languages
    ]


def _award_page(
    render: _PageRenderer,
    site: Site,
    language: Language,
    base: Callable[[], dict[str, Any]],
    linkedin: str,
    pages: StencilSet,
    checked: datetime,
    badge_name: str,
) -> None:
    view = award_view(site, base(), linkedin, language, checked, badge_name)
    html = pages.page({"award": view, **render.own(language, view["page"])})
    render.writer.write(language.prefix + view["page"], html.encode("utf-8"))


def render_criteria(
    model: SiteModel, theme: Theme, known: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Every badge's criteria as HTML in every language of the site, by their Markdown.

    `known` is the last build's cache (from the manifest, by digest of the code, the Markdown
    library and the text); returns the criteria and the cache to keep. Called before the
    pages' process forks, so that a build renders only the criteria that changed.
    """
    salt = digest_text(code_digest(), markdown.__version__)
    criteria: dict[str, str] = {}
    cache: dict[str, str] = {}
    for language in site_languages(model.site, theme):
        for badge in model.badges.values():
            text = badge.text(language.code).criteria_md
            if text in criteria:
                continue
            key = digest_text(salt, text)
            html = (known or {}).get(key)
            criteria[text] = cache[key] = html if html is not None else render_markdown(text)
    return criteria, cache


def write_pages(
    model: SiteModel,
    theme: Theme,
    writer: OutputWriter,
    now: datetime | None = None,
    criteria: Mapping[str, str] | None = None,
) -> None:
    """Write every page. `now` decides which awards show as expired (the build's clock).

    `criteria`: the badges' criteria as HTML by their Markdown (see `render_criteria`).
    """
    site = model.site
    now = now or datetime.now(UTC)
    languages = site_languages(site, theme)
    checked = _local(site, now)
    checked_day = checked.date().isoformat()
    render = _PageRenderer(site, theme, writer, languages)
    theme_key = digest_text(code_digest(), tree_digest(theme.dirs))
    for rel, source in theme.static_files().items():
        writer.copy_file(urls.STATIC_DIR + rel, source)
    write_previews(site, model.badges.values(), theme, writer)
    # The headers Cloudflare Pages and Netlify read (JSON-LD content type, CORS, caching).
    writer.write(HEADERS_FILE, recipe_bytes(HEADERS_FILE))

    awards_by_badge: dict[str, list[Award]] = {slug: [] for slug in model.badges}
    for award in model.awards:
        awards_by_badge[award.badge].append(award)
    # What an award's page takes from the award: all its fields and whether it has expired by
    # the build's clock. Its base view is made only for the pages that are rendered (once for
    # all languages).
    award_keys = {
        a.id: f"{award_fingerprint(a)}\0{a.expires is not None and a.expires <= now}"
        for a in model.awards
    }
    bases: dict[str, dict[str, Any]] = {}

    def base_of(award: Award) -> dict[str, Any]:
        base = bases.get(award.id)
        if base is None:
            badge = model.badges[award.badge]
            base = bases[award.id] = award_base(site, award, badge, now, model.credentials)
        return base

    criteria_cache: dict[str, str] = dict(criteria or {})

    def criteria_html(markdown_text: str) -> str:
        html = criteria_cache.get(markdown_text)
        if html is None:
            html = criteria_cache[markdown_text] = render_markdown(markdown_text)
        return html

    for language in languages:
        badges = {
            slug: badge_view(
                site,
                badge,
                awards_by_badge[slug],
                language,
                criteria_html(badge.text(language.code).criteria_md),
            )
            for slug, badge in model.badges.items()
        }
        views = list(badges.values())
        render.page(language, urls.home_page(), "index.html", "home", badges=views)
        render.page(language, urls.issuer_page(), "issuer.html", "issuer", badges=views)
        # --- the verify page (generator/verifypage) ---
        render.page(
            language,
            VERIFY_PAGE,
            "verify.html",
            "verify",
            verify_strings=script_strings(language.catalogue),
        )
        # --- end of the verify page ---
        # A badge's page is made from its view, the theme, the site and the language; an
        # award page from those and the award's base: with all of those unchanged, the last
        # build's page is kept unrendered.
        page_key = digest_text(theme_key, repr(site), language.code, str(model.credentials))
        # Award pages say on which day their status was checked: they change once a day.
        award_page_key = digest_text(page_key, checked_day)
        badge_keys = {slug: digest_text(page_key, repr(v)) for slug, v in badges.items()}
        # A project's own award page may show anything of its badge; the shipped one shows
        # only some of it, which neither a new award (the count, the earners) nor the criteria
        # change: then those do not render the badge's award pages again.
        award_badge_keys = (
            {
                slug: digest_text(award_page_key, repr([view[k] for k in AWARD_PAGE_BADGE_FIELDS]))
                for slug, view in badges.items()
            }
            if render.shipped_award_page
            else {slug: digest_text(award_page_key, key) for slug, key in badge_keys.items()}
        )
        for slug, view in badges.items():
            writer.cached(
                f"badge:{language.code}:{slug}",
                badge_keys[slug],
                partial(render.page, language, view["page"], "badge.html", "badge", badge=view),
            )
        linkedin = {slug: linkedin_prefix(site, view["name"]) for slug, view in badges.items()}
        award_pages = {slug: render.award_pages(language, view) for slug, view in badges.items()}
        for slug, awards in awards_by_badge.items():
            # A badge's award pages are kept in one go when none of them changed.
            badge_key = award_badge_keys[slug]
            batch = f"pages:{language.code}:{slug}"
            batch_key = digest_text(badge_key, *(award_keys[a.id] for a in awards))
            groups = [f"page:{language.code}:{a.id}" for a in awards]
            if writer.reuse_batch(batch, batch_key, groups):
                continue
            for award, group in zip(awards, groups, strict=True):
                writer.cached(
                    group,
                    digest_text(badge_key, award_keys[award.id]),
                    partial(
                        _award_page,
                        render,
                        site,
                        language,
                        partial(base_of, award),
                        linkedin[slug],
                        award_pages[slug],
                        checked,
                        badges[slug]["name"],
                    ),
                )
            writer.record_batch(batch, batch_key)
    # Hosts serve only the root 404.html for a missing URL: it is in the default language; the
    # others' (`<lang>/404.html`) are there for hosts that can be told to serve them by path.
    for language in languages:
        render.not_found(language)
