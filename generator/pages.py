"""Build program for the HTML pages people read: home, criteria pages, award pages, 404."""

from __future__ import annotations

from typing import Any

from generator import urls
from generator.markdown_render import render_markdown
from generator.model import Award, Badge, SiteModel
from generator.theme import Theme
from generator.writer import OutputWriter


def _root(path: str) -> str:
    """The relative prefix from a page back to the output root, so pages work at any base path."""
    return "../" * path.count("/")


def badge_view(badge: Badge) -> dict[str, Any]:
    return {
        "slug": badge.slug,
        "name": badge.name,
        "description": badge.description,
        "image": urls.badge_image(badge.slug, badge.image_type),
        "json": urls.badge_json(badge.slug),
        "page": urls.criteria_page(badge.slug),
        "criteria_html": render_markdown(badge.criteria_md),
        "tags": badge.tags,
        "alignments": badge.alignments,
        "expires_after": str(badge.expires_after) if badge.expires_after else None,
    }


def award_view(award: Award, badge: Badge) -> dict[str, Any]:
    return {
        "id": award.id,
        "json": urls.assertion_json(award.id),
        "page": urls.award_page(award.id),
        "baked": None if award.revoked else urls.baked_image(award.id, badge.image_type),
        "issued_on": award.issued_on.date().isoformat(),
        "expires": award.expires.date().isoformat() if award.expires else None,
        "revoked": award.revoked,
    }


def write_pages(model: SiteModel, theme: Theme, writer: OutputWriter) -> None:
    site = model.site
    common = {"site": site, "lang": site.language}
    for rel, source in theme.static_files().items():
        writer.copy_file(f"static/{rel}", source)
    badges = {slug: badge_view(b) for slug, b in model.badges.items()}

    def page(path: str, template: str, **context: Any) -> None:
        html = theme.render(template, root=_root(path), **common, **context)
        writer.write(path, html.encode("utf-8"))

    page("index.html", "index.html", badges=list(badges.values()))
    page("404.html", "404.html")
    for view in badges.values():
        page(view["page"], "badge.html", badge=view)
    for award in model.awards:
        view = award_view(award, model.badges[award.badge])
        page(view["page"], "award.html", award=view, badge=badges[award.badge])
