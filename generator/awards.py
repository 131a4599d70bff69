"""`content/awards/*.yaml`: award lists read into `AwardSpec`s (ids come from the ledger)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import parallel
from generator.contentfile import ContentFileError, read_content_text
from generator.dates import DateError, add_duration, parse_moment
from generator.errors import Problems
from generator.fields import Reader, is_http_url
from generator.model import AwardSpec, Badge, Evidence, Recipient, Site
from generator.recipients import IDENTITY_RE, is_valid_email, normalise_email
from generator.yamlsrc import LineList, YamlError, parse_yaml

if TYPE_CHECKING:
    from generator.manifest import Manifest

FILE_FIELDS = {"badge", "issued_on", "expires", "evidence", "narrative", "recipients"}
RECIPIENT_FIELDS = {
    "email",
    "name",
    "issued_on",
    "expires",
    "evidence",
    "narrative",
    "public",
    "revoked",
    "identity",
    "salt",
    "language",
}
EVIDENCE_FIELDS = {"url", "name", "description", "narrative"}


def award_files(content_dir: Path) -> list[Path]:
    folder = content_dir / "awards"
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_awards(
    site: Site, badges: dict[str, Badge], problems: Problems, cache: Manifest | None = None
) -> list[AwardSpec]:
    # With a build manifest, award files unchanged since the last build are not parsed again.
    files = award_files(site.content_dir)
    store = cache.award_file_cache(site, badges) if cache is not None else None
    keys: list[str | None] = []
    found: list[list[AwardSpec] | None] = []
    for path in files:
        key, specs = store.lookup(path) if store is not None else (None, None)
        keys.append(key)
        found.append(specs)
    todo = [i for i, specs in enumerate(found) if specs is None]
    parsed = parse_award_files([files[i] for i in todo], site, badges)
    for i, (specs, file_problems) in zip(todo, parsed, strict=True):
        found[i] = specs
        key = keys[i]
        if store is not None and key is not None and not file_problems:
            store.store(files[i], key, specs)
        problems.extend(file_problems)  # in file order: files found cached had none
    all_specs = [spec for specs in found if specs is not None for spec in specs]
    _check_duplicates(all_specs, problems)
    return all_specs


# From this many bytes of award files to parse (some 2,500 awards), a second process parses
# part of them: a first build (or a deploy without the manifest) of a large site spends a
# quarter of its time here, before anything can be shared out.
PARALLEL_MIN_BYTES = 256 * 1024
# The child also pickles what it parsed and the parent unpickles it: the parent takes a little
# more than half of the bytes.
_PARENT_SHARE = 0.55


def parse_award_files(
    paths: list[Path], site: Site, badges: dict[str, Badge]
) -> list[tuple[list[AwardSpec], Problems]]:
    """Each file's specs and problems, in order; on two cores, large batches in two halves."""

    def parse(part: list[Path]) -> list[tuple[list[AwardSpec], Problems]]:
        results = []
        for path in part:
            file_problems = Problems()
            specs = load_award_file(path, site, badges, file_problems)
            for spec in specs:
                # Cached on the spec (and pickled with it): made here, in either process.
                _ = spec.key, spec.fingerprint
            results.append((specs, file_problems))
        return results

    sizes = [_size(path) for path in paths]
    total = sum(sizes)
    if total < PARALLEL_MIN_BYTES or len(paths) < 2 or not parallel.available():
        return parse(paths)
    split, running = 1, sizes[0]
    while split < len(paths) - 1 and running + sizes[split] <= total * _PARENT_SHARE:
        running += sizes[split]
        split += 1
    mine, theirs = parallel.run_beside(lambda: parse(paths[:split]), lambda: parse(paths[split:]))
    return mine + theirs


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def load_award_file(
    path: Path, site: Site, badges: dict[str, Badge], problems: Problems
) -> list[AwardSpec]:
    try:
        data = parse_yaml(read_content_text(path, "yaml", site.content_dir))
    except YamlError as exc:
        problems.add(
            path, exc.message, exc.line, "fix the YAML syntax (indentation, quotes, colons)"
        )
        return []
    except UnicodeDecodeError:
        problems.add(path, "not UTF-8 text", hint="save the file as UTF-8")
        return []
    except ContentFileError as exc:
        problems.add(exc.path, exc.message, hint=exc.hint)
        return []
    except OSError as exc:
        problems.add(path, f"cannot be read: {exc.strerror}")
        return []
    if data is None:
        return []  # an empty file awards nothing; not worth an error
    if not isinstance(data, dict):
        problems.add(path, "an award file must be a mapping (badge:, issued_on:, recipients:)", 1)
        return []
    r = Reader(data, path, problems)
    r.unknown_keys(FILE_FIELDS)
    slug = r.text("badge", required=True)
    badge = None
    if slug is not None:
        badge = badges.get(slug)
        if badge is None:
            known = ", ".join(sorted(badges)) or "(none)"
            r.error(
                "badge",
                f"unknown badge {slug!r}",
                f"use the file name of a badge in content/badges/ without .md: {known}",
            )
    default_issued = _moment(data, "issued_on", r, site, required=False)
    default_expires = _moment(data, "expires", r, site, required=False)
    default_evidence = _evidence(data.get("evidence"), r, "evidence") if "evidence" in data else ()
    default_narrative = r.text("narrative")
    recipients = data.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        r.error(
            "recipients" if "recipients" in data else None,
            "missing 'recipients': the list of people who receive the badge",
            "add:\nrecipients:\n  - alice@example.org\n  - email: bob@example.org\n    name: Bob",
        )
        return []
    specs: list[AwardSpec] = []
    for index, item in enumerate(recipients):
        line = recipients.line_of(index) if isinstance(recipients, LineList) else None
        spec = _recipient(
            item,
            index,
            line,
            path,
            r,
            site,
            badge,
            default_issued,
            default_expires,
            default_evidence,
            default_narrative,
        )
        if spec is not None:
            specs.append(spec)
    return specs


def _recipient(
    item: Any,
    index: int,
    line: int | None,
    path: Path,
    file_reader: Reader,
    site: Site,
    badge: Badge | None,
    issued: datetime | None,
    expires: datetime | None,
    evidence: tuple[Evidence, ...],
    narrative: str | None,
) -> AwardSpec | None:
    problems = file_reader.problems
    label = f"recipient {index + 1}"
    before = len(problems)
    name, public, revoked, identity, salt = None, False, None, None, None
    language = None
    revoked_translations: tuple[tuple[str, str], ...] = ()
    if isinstance(item, str):
        email: str | None = normalise_email(item)
    elif isinstance(item, dict):
        rr = Reader(item, path, problems, f"{label}: ")
        rr.unknown_keys(RECIPIENT_FIELDS)
        raw_email = rr.text("email")
        email = normalise_email(raw_email) if raw_email else None
        identity = rr.text("identity")
        salt = rr.text("salt")
        name = rr.text("name")
        public = rr.boolean("public")
        language = _language(rr, site, label)
        narrative = rr.text("narrative") or narrative
        if "issued_on" in item:
            issued = _moment(item, "issued_on", rr, site, required=False)
        if "expires" in item:
            expires = _moment(item, "expires", rr, site, required=False)
        if "evidence" in item:
            evidence = _evidence(item["evidence"], rr, f"{label}: evidence")
        if "revoked" in item:
            value = item["revoked"]
            if value is True:
                rr.error(
                    "revoked",
                    f"{label}: 'revoked' needs the reason, not just true",
                    'write e.g. revoked: "Awarded by mistake"',
                )
            elif isinstance(value, dict):
                revoked, revoked_translations = _translated_reason(value, rr, label, site)
            elif value not in (None, False):
                revoked = str(value).strip() or None
        if email is None and identity is None:
            rr.error(
                None,
                f"{label}: no 'email' (or pre-hashed 'identity' with 'salt')",
                "add email: name@example.org",
            )
        if identity is not None:
            if email is not None:
                rr.error("identity", f"{label}: give either 'email' or 'identity', not both")
            if not IDENTITY_RE.match(identity):
                rr.error(
                    "identity",
                    f"{label}: identity must be 'sha256$' and 64 lowercase hex digits",
                    "compute it as sha256(lowercased email + salt)",
                )
            if not salt:
                rr.error(
                    "identity",
                    f"{label}: a pre-hashed identity needs the 'salt' it was hashed with",
                )
        elif salt is not None:
            rr.error(
                "salt",
                f"{label}: 'salt' goes only with a pre-hashed 'identity'",
                "remove it: Insigne chooses the salt and keeps it in the ledger",
            )
    else:
        problems.add(path, f"{label} must be an email or a mapping with 'email:'", line)
        return None
    if email is not None and not is_valid_email(email):
        problems.add(
            path,
            f"{label}: {email!r} is not a valid email address",
            line,
            "check for typos, spaces or a missing domain",
        )
    if issued is None:
        problems.add(
            path,
            f"{label}: no issue date",
            line,
            "add 'issued_on: YYYY-MM-DD' at the top of the file or on this recipient",
        )
    if badge is not None and issued is not None:
        if expires is None and badge.expires_after is not None:
            try:
                expires = add_duration(issued, badge.expires_after)
            except (ValueError, OverflowError):  # past the year 9999
                problems.add(
                    path,
                    f"{label}: issued_on ({issued.date()}) + the badge's expires_after "
                    f"({badge.expires_after}) is past the year 9999",
                    line,
                    "give this award an 'expires' date, or fix issued_on",
                )
        if expires is not None and expires <= issued:
            problems.add(
                path,
                f"{label}: expires ({expires.date()}) is not after issued_on ({issued.date()})",
                line,
                "fix one of the two dates",
            )
    if len(problems) > before or badge is None or issued is None:
        return None
    return AwardSpec(
        badge=badge.slug,
        recipient=Recipient(email, identity, salt, name, public, language),
        issued_on=issued,
        expires=expires,
        evidence=evidence,
        narrative=narrative,
        revoked=revoked,
        source=path,
        line=line or 0,
        revoked_translations=revoked_translations,
    )


def _language(r: Reader, site: Site, label: str) -> str | None:
    """A recipient's `language:` (of the letter `insigne notify` sends): one of the site's."""
    language = r.text("language")
    if language is not None and language not in site.languages:
        r.error(
            "language",
            f"{label}: language {language!r} is not one of the site's languages "
            f"({', '.join(site.languages)})",
            "use one of them, or add it to 'languages:' in site.yaml",
        )
        return None
    return language


def _moment(data: Any, key: str, r: Reader, site: Site, required: bool) -> datetime | None:
    value = data.get(key)
    if value is None:
        if required:
            r.error(None, f"missing '{key}'", f"add '{key}: YYYY-MM-DD'")
        return None
    try:
        return parse_moment(value, site.timezone)
    except DateError as exc:
        r.error(key, f"{r.where}{key}: {exc}")
        return None


def _evidence(value: Any, r: Reader, label: str) -> tuple[Evidence, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result = []
    for index, item in enumerate(items):
        line = value.line_of(index) if isinstance(value, LineList) else r.line(None)
        if isinstance(item, str):
            if not is_http_url(item.strip()):
                r.problems.add(
                    r.path,
                    f"{label}: {item!r} is not an absolute http(s) URL",
                    line,
                    "write the full address, e.g. https://example.org/my-project",
                )
                continue
            result.append(Evidence(url=item.strip()))
        elif isinstance(item, dict):
            er = Reader(item, r.path, r.problems, f"{label}[{index + 1}].")
            er.unknown_keys(EVIDENCE_FIELDS)
            evidence = Evidence(
                er.url("url"), er.text("name"), er.text("description"), er.text("narrative")
            )
            if evidence.url is None and evidence.narrative is None:
                er.error(None, f"{label}[{index + 1}] needs a 'url' or a 'narrative'")
                continue
            result.append(evidence)
        else:
            r.problems.add(
                r.path,
                f"{label} must be a URL or a list of {{url, name, description, narrative}}}}",
                line,
            )
    return tuple(result)


def _check_duplicates(specs: list[AwardSpec], problems: Problems) -> None:
    seen: dict[str, AwardSpec] = {}
    for spec in specs:
        first = seen.get(spec.key)
        if first is None:
            seen[spec.key] = spec
            continue
        problems.add(
            spec.source,
            f"duplicate award: the same badge ({spec.badge}), recipient and "
            f"date ({spec.issued_on.date()}) as {first.source.name}:{first.line}",
            spec.line or None,
            "remove one of the two entries",
        )


def _translated_reason(
    value: dict[Any, Any], rr: Reader, label: str, site: Site
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """`revoked: {fr: ..., en: ...}`: the default language's reason and the others, for pages.

    The published documents carry one reason, the default language's, so it is required.
    """
    texts: dict[str, str] = {}
    for key, text in value.items():
        if str(key) not in site.languages:
            rr.error(
                "revoked",
                f"{label}: 'revoked' gives a reason in {key!r}, not a language of this site",
                f"use the languages of site.yaml: {', '.join(site.languages)}",
            )
        elif isinstance(text, bool | dict | list) or text is None or not str(text).strip():
            rr.error(
                "revoked",
                f"{label}: revoked.{key} must be the reason, as text",
                f'write e.g. {key}: "Awarded by mistake"',
            )
        else:
            texts[str(key)] = str(text).strip()
    if site.language not in texts:
        rr.error(
            "revoked",
            f"{label}: 'revoked' needs the reason in the site's language ({site.language})",
            f"add {site.language}: and the reason; it is the one the published badge carries",
        )
        return None, ()
    others = tuple(sorted((k, v) for k, v in texts.items() if k != site.language))
    return texts[site.language], others
