"""`content/site.yaml`: the site and its issuer, read into a typed `Site`."""

from __future__ import annotations

import re
from pathlib import Path

from generator import names
from generator.contentfile import ContentFileError, read_content, read_content_text
from generator.dates import DateError, load_timezone
from generator.errors import InsigneError, Problem, Problems
from generator.fields import Reader, is_http_url, resolve_inside
from generator.images import sniff
from generator.model import Issuer, Site, SmtpSettings
from generator.names import is_language, is_theme_name
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
    "smtp",
}
SMTP_FIELDS = {"host", "port", "security", "user", "from", "reply_to", "cafile"}
SMTP_FROM_FIELDS = {"address", "name"}
# The port each kind of connection uses when none is given (RFC 8314, RFC 6409, RFC 5321).
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}
ISSUER_FIELDS = {"name", "url", "email", "description", "image"}
# BCP 47, loosely: a primary subtag and optional subtags (fr, en, fr-BE, zh-Hant-TW).
LANGUAGE_RE = names.LANGUAGE_RE  # matched whole (fullmatch): a tag becomes a folder name


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
    if not is_language(language):
        r.error(
            "language", f"language {language!r} is not a BCP 47 language tag", "e.g. fr, en, fr-BE"
        )
    languages = r.text_list("languages") or [language]
    for lang in languages:
        if not is_language(lang):
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

    # The theme's name is a folder under themes/: a name, never a path.
    theme = r.text("theme", default="default") or "default"
    if not is_theme_name(theme):
        r.error(
            "theme",
            f"theme {theme!r} is not a theme name",
            "letters, digits, '-' and '_' (the name of a folder under themes/), e.g. default",
        )
        theme = "default"

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
    smtp = _load_smtp(data, r, content_dir, issuer, problems) if "smtp" in data else None
    if problems or issuer is None or base_url is None:
        return None, problems
    site = Site(
        base_url=normalise_base_url(base_url),
        title=r.text("title") or issuer.name,
        language=language,
        languages=tuple(languages),
        theme=theme,
        timezone=tz,
        timezone_name=tz_name,
        issuer=issuer,
        content_dir=content_dir,
        linkedin_organization_id=linkedin_id,
        verification=verification,
        configured_base_url=normalise_base_url(configured) if configured else None,
        smtp=smtp,
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


def _load_smtp(
    data: dict[str, object],
    site_reader: Reader,
    content_dir: Path,
    issuer: Issuer | None,
    problems: Problems,
) -> SmtpSettings | None:
    """`smtp:`, the mail server of `insigne notify` (see docs/notify.md); never a password."""
    block = data.get("smtp")
    example = (
        "e.g.\nsmtp:\n  host: smtp.example.org\n  security: starttls\n"
        "  user: badges@example.org\n  from:\n    address: badges@example.org\n"
        "    name: Our association"
    )
    if not isinstance(block, dict):
        site_reader.error(
            "smtp", "'smtp' must be a mapping (host, port, security, user, from)", example
        )
        return None
    path = site_reader.path
    before = len(problems)
    r = Reader(block, path, problems, "smtp.")
    r.unknown_keys(SMTP_FIELDS)
    if "password" in block:
        r.error(
            "password",
            "a password must never be written in site.yaml (it would be committed)",
            "remove it and set the environment variable INSIGNE_SMTP_PASSWORD when sending",
        )
    host = r.text("host", required=True)
    if host is not None and not _HOST_RE.fullmatch(host):
        r.error(
            "host", f"smtp.host {host!r} is not a host name or IP address", "e.g. smtp.example.org"
        )
    security = r.text("security", default="starttls") or "starttls"
    if security not in SMTP_PORTS:
        r.error(
            "security",
            f"smtp.security must be one of starttls, tls, none; got {security!r}",
            "starttls (port 587) or tls (port 465); none only for a relay on this machine",
        )
        security = "starttls"
    port = block.get("port", SMTP_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        r.error(
            "port", f"smtp.port must be a number from 1 to 65535, got {port!r}", "e.g. port: 587"
        )
        port = SMTP_PORTS[security]
    user = r.text("user")
    if user is not None and security == "none":
        r.error(
            "user",
            "smtp.user with security: none would send the password unencrypted",
            "use security: starttls or tls, or remove user for a relay that needs no login",
        )
    from_address, from_name = None, issuer.name if issuer else None
    sender = block.get("from")
    if isinstance(sender, str):
        from_address = sender.strip()
    elif isinstance(sender, dict):
        fr = Reader(sender, path, problems, "smtp.from.")
        fr.unknown_keys(SMTP_FROM_FIELDS)
        from_address = fr.text("address", required=True)
        from_name = fr.text("name") or from_name
    elif sender is None:
        r.error(
            None, "missing required field 'smtp.from'", "add from:\n    address: ...\n    name: ..."
        )
    else:
        r.error("from", "'smtp.from' must be an address or a mapping (address, name)")
    reply_to = r.text("reply_to")
    for key, address in (("from", from_address), ("reply_to", reply_to)):
        if address is not None and not _is_address(address):
            r.error(key, f"smtp.{key} {address!r} is not a valid email address")
    if from_name is not None and any(c in from_name for c in "\r\n"):
        r.error("from", "smtp.from.name must be on one line")
    cafile = None
    cafile_text = r.text("cafile")
    if cafile_text is not None:
        cafile = (content_dir / cafile_text).resolve()
        if not cafile.is_file():
            r.error(
                "cafile",
                f"smtp.cafile {cafile_text!r} not found (looked for {cafile})",
                "give a PEM file of the certificate authority to trust, relative to content/ "
                "or absolute; without cafile the system's authorities are trusted",
            )
    if len(problems) > before or host is None or from_address is None or from_name is None:
        return None
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        from_address=from_address,
        from_name=from_name,
        user=user,
        reply_to=reply_to,
        cafile=cafile,
    )


# A DNS name or an IPv4/IPv6 literal: nothing else reaches the socket layer.
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45}")


def _is_address(value: str) -> bool:
    return is_valid_email(normalise_email(value)) and value == value.strip()


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
