"""`content/badges/<slug>.md`: front matter and Markdown criteria, read into `Badge`s."""

from __future__ import annotations

import re
from pathlib import Path

from generator import names
from generator.contentfile import ContentFileError, read_content_text
from generator.dates import DateError, parse_duration
from generator.errors import Problems
from generator.esco.concepts import form_problem, is_esco, target_type
from generator.fields import Reader
from generator.model import Alignment, Badge, BadgeText, Duration, Site
from generator.names import is_slug
from generator.siteconfig import check_image_file
from generator.yamlsrc import YamlError, parse_yaml, split_front_matter

SLUG_RE = names.SLUG_RE  # matched whole (see names.is_slug): a slug becomes a file name
# A language key of a per-language text: lowercase, as the site's languages are written.
LANGUAGE_KEY_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
BADGE_FIELDS = {
    "name",
    "description",
    "image",
    "tags",
    "alignments",
    "expires_after",
    "verification",
}
TRANSLATION_FIELDS = {"name", "description", "tags"}
ALIGNMENT_FIELDS = {"name", "url", "description", "framework", "code", "version"}


def load_badges(site: Site, problems: Problems) -> dict[str, Badge]:
    folder = site.content_dir / "badges"
    if not folder.is_dir():
        problems.add(
            folder,
            "the badges folder is missing",
            hint="create content/badges/ with one <slug>.md file per badge",
        )
        return {}
    sources: dict[str, Path] = {}
    translations: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix != ".md":
            if path.suffix.lower() in (".markdown", ".txt", ".yaml", ".yml"):
                problems.add(
                    path, "badge files must end in .md", hint=f"rename it to {path.stem}.md"
                )
            continue
        stem = path.stem
        slug, _, lang = stem.partition(".")
        if not is_slug(slug):
            problems.add(
                path,
                f"badge file name {path.name!r} is not a valid slug",
                hint="use lowercase letters, digits and dashes, e.g. 'project-management.md'",
            )
            continue
        if lang:
            if lang not in site.languages[1:]:
                problems.add(
                    path,
                    f"translation language {lang!r} is not one of the site's other "
                    f"languages {list(site.languages[1:])}",
                    hint="add it to 'languages:' in site.yaml, or rename the file",
                )
                continue
            translations.setdefault(slug, {})[lang] = path
        else:
            sources[slug] = path
    for slug, by_lang in translations.items():
        if slug not in sources:
            for path in by_lang.values():
                problems.add(
                    path,
                    f"translation of a badge that does not exist ({slug}.md)",
                    hint=f"create {slug}.md in the default language first",
                )
    badges: dict[str, Badge] = {}
    for slug, path in sources.items():
        badge = _load_badge(site, slug, path, translations.get(slug, {}), problems)
        if badge is not None:
            badges[slug] = badge
    return badges


def _read_markdown(
    path: Path, content_dir: Path, problems: Problems
) -> tuple[dict | None, str, int]:
    try:
        text = read_content_text(path, "markdown", content_dir)
    except UnicodeDecodeError:
        problems.add(path, "not UTF-8 text", hint="save the file as UTF-8")
        return None, "", 0
    except ContentFileError as exc:
        problems.add(exc.path, exc.message, hint=exc.hint)
        return None, "", 0
    except OSError as exc:
        problems.add(path, f"cannot be read: {exc.strerror}")
        return None, "", 0
    parts = split_front_matter(text)
    if parts is None:
        problems.add(
            path,
            "no YAML front matter",
            1,
            "start the file with a '---' line, the fields (name:, description:, image:), "
            "a closing '---' line, then the criteria in Markdown",
        )
        return None, "", 0
    front, body, body_line = parts
    try:
        data = parse_yaml(front, line_offset=1)
    except YamlError as exc:
        problems.add(
            path,
            f"front matter: {exc.message}",
            exc.line,
            "fix the YAML between the two '---' lines",
        )
        return None, body, body_line
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.add(path, "front matter must be a mapping of fields (name:, description:, ...)", 2)
        return None, body, body_line
    return data, body, body_line


def _load_badge(
    site: Site, slug: str, path: Path, translations: dict[str, Path], problems: Problems
) -> Badge | None:
    data, body, body_line = _read_markdown(path, site.content_dir, problems)
    if data is None:
        return None
    before = len(problems)
    r = Reader(data, path, problems, line_offset=1)
    r.unknown_keys(BADGE_FIELDS)
    name = r.text("name", required=True)
    description = r.text("description", required=True)
    image_rel = r.text("image", required=True)
    image, image_type = (None, None)
    if image_rel is not None:
        image, image_type = check_image_file(site.content_dir, image_rel, r, "image")
    tags = tuple(r.text_list("tags"))
    alignments = _alignments(data.get("alignments"), r, site.languages)
    expires_after: Duration | None = None
    if data.get("expires_after") is not None:
        try:
            expires_after = parse_duration(data["expires_after"])
        except DateError as exc:
            r.error("expires_after", str(exc))
    verification = r.text("verification")
    if verification is not None and verification not in ("hosted", "signed"):
        r.error("verification", f"verification must be 'hosted' or 'signed', got {verification!r}")
    criteria = body.strip()
    if not criteria:
        problems.add(
            path,
            "the criteria (the Markdown after the front matter) are empty",
            body_line or None,
            "describe what a person must do to earn this badge",
        )
    texts = {
        lang: t
        for lang, p in sorted(translations.items())
        if (t := _load_translation(p, site.content_dir, problems)) is not None
    }
    if len(problems) > before or image is None or image_type is None:
        return None
    assert name and description
    return Badge(
        slug=slug,
        name=name,
        description=description,
        image=image,
        image_type=image_type,
        criteria_md=criteria,
        source=path,
        tags=tags,
        alignments=alignments,
        expires_after=expires_after,
        translations=texts,
        verification=verification,
    )


def _load_translation(path: Path, content_dir: Path, problems: Problems) -> BadgeText | None:
    data, body, body_line = _read_markdown(path, content_dir, problems)
    if data is None:
        return None
    r = Reader(data, path, problems, line_offset=1)
    r.unknown_keys(TRANSLATION_FIELDS)
    name = r.text("name", required=True)
    description = r.text("description", required=True)
    tags = tuple(r.text_list("tags")) if "tags" in data else None
    criteria = body.strip()
    if not criteria:
        problems.add(
            path,
            "the translated criteria are empty",
            body_line or None,
            "translate the criteria below the front matter",
        )
    if name is None or description is None or not criteria:
        return None
    return BadgeText(name, description, criteria, tags)


def _alignments(value: object, r: Reader, languages: tuple[str, ...]) -> tuple[Alignment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        r.error("alignments", "'alignments' must be a list of {name, url, ...} mappings")
        return ()
    result = []
    for index, item in enumerate(value, start=1):
        line = value.line_of(index - 1) if hasattr(value, "line_of") else None
        if not isinstance(item, dict):
            r.problems.add(
                r.path,
                f"alignment {index} must be a mapping with name and url",
                line + r.offset if line else None,
            )
            continue
        ar = Reader(item, r.path, r.problems, f"alignments[{index}].", r.offset)
        ar.unknown_keys(ALIGNMENT_FIELDS)
        names = _per_language(ar, "name", languages, required=True)
        descriptions = _per_language(ar, "description", languages, required=False)
        url = ar.url("url", required=True)
        framework = ar.text("framework")
        code = ar.text("code")
        if url and is_esco(framework) and (wrong := form_problem(url, code)):
            ar.error("code" if wrong[0].startswith("the code") else "url", *wrong)
            continue
        version = ar.text("version")
        if languages[0] in names and url:
            result.append(
                Alignment(
                    names[languages[0]],
                    url,
                    descriptions.get(languages[0]),
                    framework,
                    code,
                    version=version,
                    # Only for ESCO alignments that record their version (as `esco add` writes
                    # them): one written before keeps its published, maybe signed, bytes.
                    target_type=target_type(url) if is_esco(framework) and version else None,
                    names=names,
                    descriptions=descriptions,
                    line=line + r.offset if line else None,
                )
            )
    return tuple(result)


def _per_language(
    r: Reader, key: str, languages: tuple[str, ...], required: bool
) -> dict[str, str]:
    """`key: text` (the default language) or `key: {fr: text, en: text}`, by language.

    The default language is required in the mapping form too: it is what the Open Badges
    documents publish; the other languages are shown on the translated pages.
    """
    value = r.mapping.get(key)
    if not isinstance(value, dict):
        text = r.text(key, required=required)
        return {languages[0]: text} if text is not None else {}
    sub = Reader(value, r.path, r.problems, f"{r.where}{key}.", r.offset)
    for lang in value:
        # Other languages than the site's are allowed (ESCO gives many; a site may drop one)
        # and not shown; a key that is no language code at all is a mistake.
        if not isinstance(lang, str) or not LANGUAGE_KEY_RE.fullmatch(lang):
            sub.error(
                lang,
                f"'{r.where}{key}.{lang}': {lang!r} is not a language code",
                f"use the site's language codes: {', '.join(languages)}",
            )
    result: dict[str, str] = {}
    for lang in languages:
        text = sub.text(lang, required=lang == languages[0])
        if text is not None:
            result[lang] = text
    return result
