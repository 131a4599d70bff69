"""Build program for the Open Badges 2.0 artifacts: profile, classes, assertions, images."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from generator import ob2, urls
from generator.baking import PngTemplate, SvgTemplate
from generator.keys import RSA, PublicKey
from generator.manifest import HostedKeys, Manifest
from generator.model import Award, Badge, Site, SiteModel
from generator.signing import Signer
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

    def bake_signed(self, slug: str, token: str) -> bytes:
        """A signed badge carries its compact JWS (the SVG `verify` attribute holds it too)."""
        template = self.template(slug)
        if isinstance(template, PngTemplate):
            return template.bake("openbadges", token)
        return template.bake(keyword="assertion", verify=token, payload=token)

    def bake_credential(self, slug: str, credential_json: str) -> bytes:
        template = self.template(slug)
        if isinstance(template, PngTemplate):
            return template.bake("openbadgecredential", credential_json)
        return template.bake(keyword="credential", verify=None, payload=credential_json)

    def bake_assertion(self, slug: str, assertion_url: str, assertion_json: str) -> bytes:
        template = self.template(slug)
        if isinstance(template, PngTemplate):
            return template.bake("openbadges", assertion_json)
        return template.bake(keyword="assertion", verify=assertion_url, payload=assertion_json)


def write_ob2(
    model: SiteModel,
    writer: OutputWriter,
    baker: BakedImages,
    signer: Signer,
    *,
    hosted: bool = True,
    keys: HostedKeys | None = None,
) -> None:
    """Publish the Open Badges 2.0 documents and baked images.

    With `hosted=False` the documents of the hosted awards (most awards: see `hosted_awards`)
    are left to `HostedAssertions`, which a build on two cores shares between its processes.
    `keys`: the hosted awards' cache keys, when the build has made some already.
    """
    site = model.site
    rsa_keys = signer.keys(RSA)
    key_urls = [urls.absolute(site.base_url, urls.key_json(k.id)) for k in rsa_keys]
    writer.write(urls.ISSUER_JSON, ob2.to_json_bytes(ob2.issuer_profile(site, key_urls)))
    for key in rsa_keys:
        document = ob2.key_document(site, key.id, key.public)
        writer.write(urls.key_json(key.id), ob2.to_json_bytes(document))
    if site.issuer.image is not None and site.issuer.image_type:
        writer.copy_file(urls.issuer_image(site.issuer.image_type), site.issuer.image)
    for badge in model.badges.values():
        writer.write(urls.badge_json(badge.slug), ob2.to_json_bytes(ob2.badge_class(site, badge)))
        writer.copy_file(urls.badge_image(badge.slug, badge.image_type), badge.image)
    revoked = []
    for award in model.awards:
        badge = model.badges[award.badge]
        if award.revoked is not None:
            revoked.append(award)
            # Same URL, minimal body; never offered as a baked image (or a JWS) again.
            document = ob2.revoked_assertion(site, award)
            writer.write(urls.assertion_json(award.id), ob2.to_json_bytes(document))
        elif _is_signed(site, badge):
            _write_signed(site, badge, award, writer, baker, signer)
    if hosted:
        HostedAssertions(model, writer, baker, keys).write_by_badge(hosted_awards(model))
    writer.write(urls.REVOCATIONS_JSON, ob2.to_json_bytes(ob2.revocation_list(site, revoked)))


def hosted_awards(model: SiteModel) -> list[Award]:
    """The awards published as hosted assertions: neither revoked nor signed."""
    site, badges = model.site, model.badges
    return [a for a in model.awards if a.revoked is None and not _is_signed(site, badges[a.badge])]


def hosted_to_write(
    model: SiteModel, manifest: Manifest, keys: HostedKeys, awards: Iterable[Award], enough: int
) -> int:
    """How many of the hosted `awards` the last build's output cannot supply, counted up to
    `enough` (see `OutputWriter.reuse` and `reuse_batch`)."""
    count = 0
    for badge, run in _by_badge(model, awards):
        if manifest.made(_batch(badge), keys.batch(badge, run)):
            continue
        for award in run:
            if not manifest.made(f"ob2:{award.id}", keys.hosted(badge, award)):
                count += 1
                if count >= enough:
                    return count
    return count


def _by_badge(model: SiteModel, awards: Iterable[Award]) -> list[tuple[Badge, list[Award]]]:
    runs: dict[str, list[Award]] = {}
    for award in awards:
        runs.setdefault(award.badge, []).append(award)
    return [(model.badges[slug], run) for slug, run in runs.items()]


def _batch(badge: Badge) -> str:
    return f"ob2-badge:{badge.slug}"


def _is_signed(site: Site, badge: Badge) -> bool:
    return (badge.verification or site.verification) == "signed"


class HostedAssertions:
    """Writes hosted awards' assertions and baked images: pure, so either process can."""

    def __init__(
        self,
        model: SiteModel,
        writer: OutputWriter,
        baker: BakedImages,
        keys: HostedKeys | None = None,
    ) -> None:
        self._model = model
        self._writer = writer
        self._baker = baker
        self._keys = keys if keys is not None else HostedKeys(model.site)

    def write_by_badge(self, awards: Iterable[Award]) -> None:
        """Write them badge by badge: a badge's unchanged awards are kept in one go."""
        writer = self._writer
        for badge, run in _by_badge(self._model, awards):
            key = self._keys.batch(badge, run)
            if not writer.reuse_batch(_batch(badge), key, [f"ob2:{a.id}" for a in run]):
                self.write(run)
                writer.record_batch(_batch(badge), key)

    def record_batches(self, awards: Iterable[Award]) -> None:
        """After `write` (in whichever process) wrote all of `awards`: see `write_by_badge`."""
        for badge, run in _by_badge(self._model, awards):
            self._writer.record_batch(_batch(badge), self._keys.batch(badge, run))

    def write(self, awards: Iterable[Award]) -> None:
        site, badges, writer = self._model.site, self._model.badges, self._writer
        for award in awards:
            badge = badges[award.badge]
            # An unchanged award keeps its two files without being rendered again.
            key = self._keys.hosted(badge, award)
            produce = partial(_write_hosted, site, badge, award, writer, self._baker)
            writer.cached(f"ob2:{award.id}", key, produce)


def _write_hosted(
    site: Site, badge: Badge, award: Award, writer: OutputWriter, baker: BakedImages
) -> None:
    document = ob2.assertion(site, badge, award)
    data = ob2.to_json_bytes(document)
    writer.write(urls.assertion_json(award.id), data)
    # The baked copy carries the very bytes that are hosted, so the two never disagree.
    baked = baker.bake_assertion(award.badge, document["id"], data.decode("utf-8"))
    writer.write(urls.baked_image(award.id, badge.image_type), baked)


def _write_signed(
    site: Site,
    badge: Badge,
    award: Award,
    writer: OutputWriter,
    baker: BakedImages,
    signer: Signer,
) -> None:
    def payload(key: PublicKey) -> bytes:
        creator = urls.absolute(site.base_url, urls.key_json(key.id))
        return ob2.to_json_bytes(ob2.assertion(site, badge, award, creator))

    data, token = signer.sign_assertion(payload, f"award {award.id} (signed, {badge.slug})")
    # The signed assertion stays readable at its id; the JWS is what verifiers check.
    writer.write(urls.assertion_json(award.id), data)
    writer.write(urls.assertion_jws(award.id), token.encode("ascii") + b"\n")
    writer.write(
        urls.baked_image(award.id, badge.image_type), baker.bake_signed(award.badge, token)
    )
