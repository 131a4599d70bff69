"""Build program for the Open Badges 2.0 artifacts: profile, classes, assertions, images."""

from __future__ import annotations

from generator import ob2, urls
from generator.baking import PngTemplate, SvgTemplate
from generator.model import Badge, SiteModel
from generator.writer import OutputWriter


class BakedImages:
    """Parses each badge image once, then bakes every award of that badge from the template."""

    def __init__(self, badges: dict[str, Badge]) -> None:
        self._badges = badges
        self._templates: dict[str, PngTemplate | SvgTemplate] = {}

    def template(self, slug: str) -> PngTemplate | SvgTemplate:
        template = self._templates.get(slug)
        if template is None:
            badge = self._badges[slug]
            data = badge.image.read_bytes()
            template = PngTemplate(data) if badge.image_type == "png" else SvgTemplate(data)
            self._templates[slug] = template
        return template

    def bake_assertion(self, slug: str, assertion_url: str, assertion_json: str) -> bytes:
        template = self.template(slug)
        if isinstance(template, PngTemplate):
            return template.bake("openbadges", assertion_json)
        return template.bake(keyword="assertion", verify=assertion_url, payload=assertion_json)


def write_ob2(model: SiteModel, writer: OutputWriter, baker: BakedImages) -> None:
    site = model.site
    writer.write(urls.ISSUER_JSON, ob2.to_json_bytes(ob2.issuer_profile(site)))
    if site.issuer.image is not None and site.issuer.image_type:
        writer.copy_file(urls.issuer_image(site.issuer.image_type), site.issuer.image)
    for badge in model.badges.values():
        writer.write(urls.badge_json(badge.slug), ob2.to_json_bytes(ob2.badge_class(site, badge)))
        writer.copy_file(urls.badge_image(badge.slug, badge.image_type), badge.image)
    revoked = []
    for award in model.awards:
        badge = model.badges[award.badge]
        document = ob2.assertion(site, badge, award)
        data = ob2.to_json_bytes(document)
        writer.write(urls.assertion_json(award.id), data)
        if award.revoked is not None:
            revoked.append(award)
            continue  # a revoked award is never offered as a baked image again
        # The baked copy carries the very bytes that are hosted, so the two never disagree.
        baked = baker.bake_assertion(award.badge, document["id"], data.decode("utf-8"))
        writer.write(urls.baked_image(award.id, badge.image_type), baked)
    writer.write(urls.REVOCATIONS_JSON, ob2.to_json_bytes(ob2.revocation_list(site, revoked)))
