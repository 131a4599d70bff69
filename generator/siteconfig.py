"""`content/site.yaml`: the site and its issuer, read into a typed `Site`."""

from __future__ import annotations

import re
from pathlib import Path

from generator.contentfile import ContentFileError, read_content, read_content_text
from generator.dates import DateError, load_timezone
from generator.errors import InsigneError, Problem, Problems
from generator.fields import Reader, is_http_url, resolve_inside
from generator.images import sniff
from generator.model import Issuer, Site
from generator.recipients import is_valid_email, normalise_email
from generator.yamlsrc import YamlError, parse_yaml

SITE_FIELDS = {
    "base_url",
    "title",
    "language",
    "languages",
    "theme",
    "timezone",
    "issuer",
    "linkedin",
    "verification",
}
ISSUER_FIELDS = {"name", "url", "email", "description", "image"}
# BCP 47, loosely: a primary subtag and optional subtags (fr, en, fr-BE, zh-Hant-TW).
LANGUAGE_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


def normalise_base_url(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def check_base_url(value: str) -> str | None:
    """None when fine, else what is wrong with it."""
    if not is_http_url(value):
        return f"base_url must be an absolute http(s) URL, got {value!r}"
    if "?" in value or "#" in value:
        return f"base_url must not contain a query or fragment, got {value!r}"
    return None


def load_site(
    content_dir: Path, base_url_override: str | None = None
) -> tuple[Site | None, Problems]:
    problems = Problems()
    path = content_dir / "site.yaml"
    if not path.is_file():
        raise InsigneError(
            Problem(
                path,
                "site.yaml not found",
                hint="create content/site.yaml (see README, "
                "'Content format'), or pass --content DIR pointing at your content folder",
            )
        )
    try:
        data = parse_yaml(read_content_text(path, "yaml", content_dir))
    except ContentFileError as exc:
        problems.add(exc.path, exc.message, hint=exc.hint)
        return None, problems
    except OSError as exc:
        problems.add(path, f"cannot be read: {exc.strerror}")
        return None, problems
    except YamlError as exc:
        problems.add(
            path, exc.message, exc.line, "fix the YAML syntax (indentation, quotes, colons)"
        )
        return None, problems
    except UnicodeDecodeError:
        problems.add(path, "not UTF-8 text", hint="save the file as UTF-8")
        return None, problems
    if not isinstance(data, dict):
        problems.add(path, "site.yaml must be a mapping of fields (base_url:, title:, issuer: ...)")
        return None, problems

    r = Reader(data, path, problems)
    r.unknown_keys(SITE_FIELDS)
    base_url = base_url_override or r.text("base_url", required=True)
    if base_url is not None:
        trouble = check_base_url(base_url)
        if trouble:
            if base_url_override:
                problems.add(
                    None, f"--base-url: {trouble}", hint="e.g. --base-url http://127.0.0.1:8000/"
                )
            else:
                r.error("base_url", trouble, "e.g. base_url: https://badges.example.org/")
            base_url = None
    language = r.text("language", default="en") or "en"
    if not LANGUAGE_RE.match(language):
        r.error(
            "language", f"language {language!r} is not a BCP 47 language tag", "e.g. fr, en, fr-BE"
        )
    languages = r.text_list("languages") or [language]
    for lang in languages:
        if not LANGUAGE_RE.match(lang):
            r.error("languages", f"{lang!r} in languages is not a BCP 47 language tag")
    doubled = sorted({lang for lang in languages if languages.count(lang) > 1})
    if doubled:
        r.error(
            "languages", f"languages lists {', '.join(doubled)} more than once", "list each once"
        )
        languages = list(dict.fromkeys(languages))
    if language not in languages:
        languages = [language, *languages]
    else:  # the default language comes first: it is published at the root
        languages = [language, *[lang for lang in languages if lang != language]]

    tz_name = r.text("timezone", default="UTC") or "UTC"
    try:
        tz = load_timezone(tz_name)
    except DateError as exc:
        r.error("timezone", str(exc))
        tz = load_timezone("UTC")

    linkedin_id = None
    linkedin = data.get("linkedin")
    if linkedin is not None:
        lr = Reader(linkedin, path, problems, "linkedin.")
        lr.unknown_keys({"organization_id"})
        linkedin_id = lr.text("organization_id")

    verification = r.text("verification", default="hosted") or "hosted"
    if verification not in ("hosted", "signed"):
        r.error("verification", f"verification must be 'hosted' or 'signed', got {verification!r}")
    configured = r.text("base_url")
    issuer = _load_issuer(data.get("issuer"), r, content_dir, path, problems)
    if problems or issuer is None or base_url is None:
        return None, problems
    site = Site(
        base_url=normalise_base_url(base_url),
        title=r.text("title") or issuer.name,
        language=language,
        languages=tuple(languages),
        theme=r.text("theme", default="default") or "default",
        timezone=tz,
        timezone_name=tz_name,
        issuer=issuer,
        content_dir=content_dir,
        linkedin_organization_id=linkedin_id,
        verification=verification,
        configured_base_url=normalise_base_url(configured) if configured else None,
    )
    return site, problems


def _load_issuer(
    data: object, site_reader: Reader, content_dir: Path, path: Path, problems: Problems
) -> Issuer | None:
    if not isinstance(data, dict):
        site_reader.error(
            "issuer" if data is not None else None,
            "missing required mapping 'issuer' (name, url, email)",
            "add:\nissuer:\n  name: My association\n  url: https://example.org/\n"
            "  email: badges@example.org",
        )
        return None
    r = Reader(data, path, problems, "issuer.")
    r.unknown_keys(ISSUER_FIELDS)
    name = r.text("name", required=True)
    url = r.url("url", required=True)
    email = r.text("email", required=True)
    if email is not None and not is_valid_email(normalise_email(email)):
        r.error("email", f"issuer.email {email!r} is not a valid email address")
        email = None
    image, image_type = None, None
    image_rel = r.text("image")
    if image_rel is not None:
        image, image_type = check_image_file(content_dir, image_rel, r, "image")
    if name is None or url is None or email is None:
        return None
    return Issuer(name, url, email, r.text("description"), image, image_type)


def check_image_file(
    content_dir: Path, relative: str, reader: Reader, key: str
) -> tuple[Path | None, str | None]:
    """Resolve and check an image path named in the content; record problems on `reader`."""
    from generator.baking import BakingError, PngTemplate, SvgTemplate
    from generator.images import check_png, check_svg

    resolved = resolve_inside(content_dir, relative)
    if resolved is None:
        reader.error(
            key,
            f"image path {relative!r} points outside content/",
            "give a path relative to content/, e.g. images/badge.png",
        )
        return None, None
    try:
        found = resolved.exists()
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        reader.error(key, f"image file {relative!r} cannot be read: {exc.strerror}")
        return None, None
    if not found:
        reader.error(
            key,
            f"image file {relative!r} not found (looked for {resolved})",
            "check the file name, or add the image under content/",
        )
        return None, None
    try:
        data = read_content(resolved, "image", content_dir)
    except ContentFileError as exc:
        reader.error(key, f"image file {relative!r} {exc.message}", exc.hint)
        return None, None
    except OSError as exc:
        reader.error(key, f"image file {relative!r} cannot be read: {exc.strerror}")
        return None, None
    kind = sniff(data)
    if kind is None:
        reader.error(
            key,
            f"image {relative!r} is neither a PNG nor an SVG file",
            "Open Badges images must be PNG or SVG: export the image as PNG",
        )
        return None, None
    trouble = check_png(data) if kind == "png" else check_svg(data)
    if not trouble:
        # Awards are baked from this image: refuse now what baking would refuse later.
        try:
            PngTemplate(data) if kind == "png" else SvgTemplate(data)
        except BakingError as exc:
            trouble = [f"cannot carry baked badge data: {exc}"]
    hint = (
        "a badge SVG may hold only static drawing (see docs/content-safety.md, 'SVG: an "
        "allow-list'); or export the image as PNG"
        if kind == "svg"
        else None
    )
    for message in trouble:
        reader.error(key, f"image {relative!r}: {message}", hint)
    if trouble:
        return None, None
    return resolved, kind
