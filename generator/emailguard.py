"""Refuse content that would publish a recipient's email address, in any spelling.

The build publishes recipients only as salted hashes; an address typed into public text (a name,
a narrative, evidence, criteria, a translation, an image's metadata) would undo that. The
build's self-check looks for addresses in the output, but only in their plain form and only
after rendering, when it can name output files and not the content to fix. This check runs when
the content is loaded (`insigne check` and every build), knows every recipient's address, and
decodes before it searches: Unicode NFKC (fullwidth ＠), HTML character references (`&#64;`,
`&commat;`), percent-encoding (`%40`, twice encoded too), punycode domains (`xn--...`) and case,
so that no spelling of an address gets through, without a list of spellings.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat

from generator.contentfile import ContentFileError, read_content, read_content_text
from generator.errors import Problems
from generator.images import PNG_SIGNATURE, ImageFormatError, iter_png_chunks
from generator.model import AwardSpec, Badge, Site

# Characters from which decoding can make an "@": without one, a text holds no address.
# (NFKC maps U+FE6B and U+FF20 to "@", U+FE60 and U+FF06 to "&", U+FE6A and U+FF05 to "%".)
_MAY_HOLD_ADDRESS = re.compile("[@&%\ufe60\ufe6a\ufe6b\uff05\uff06\uff20]")
# Invisible characters an address can be split with and still read (and copy) as one.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_PUNYCODE_LABEL = re.compile(r"xn--[a-z0-9-]+")
_DATA_URI = re.compile(r"data:[a-z/+.-]*;base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
# Around an "@": what may be part of an address (generous on purpose: suffixes are looked up).
_LOCAL_STOP = set(" \t\r\n<>()[],;:\"'@`")
_MAX_LOCAL = 256
_ROUNDS = 3  # decoding rounds: an address encoded twice (%2540) is still found

HINT = (
    "remove the address (in every spelling: upper case, &#64;, %40, punycode...): recipients "
    "are published only as a salted hash of their address, which this text would give away"
)
IMAGE_HINT = (
    "remove the address from the image: re-export it without metadata (or strip it, e.g. "
    "exiftool -all= FILE), or edit the SVG's text"
)


def _punycode_to_unicode(text: str) -> str:
    if "xn--" not in text:
        return text

    def label(match: re.Match[str]) -> str:
        try:
            return match.group(0).encode("ascii").decode("idna")
        except UnicodeError:
            return match.group(0)

    return _PUNYCODE_LABEL.sub(label, text)


def decode(text: str) -> str:
    """`text` as a reader sees it, in one canonical form: what addresses are looked for in."""
    for _ in range(_ROUNDS):
        before = text
        text = unicodedata.normalize("NFKC", text)
        text = html.unescape(text)
        text = unquote(text, errors="replace")
        if text == before:
            break
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFKC", _punycode_to_unicode(text.casefold()))


def canonical_address(email: str) -> str | None:
    """The form `decode` gives an address; None for what has no "@"."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return None
    if (
        email.isascii()
        and not _MAY_HOLD_ADDRESS.search(local + domain)
        and "xn--" not in email.lower()
    ):
        return email.lower()  # nothing to decode: most addresses, and it saves 20 ms a 1,000
    return f"{decode(local)}@{decode(domain)}"


@dataclass(frozen=True)
class Declared:
    """Where a recipient's address is given in the content."""

    path: Path
    line: int


class AddressFinder:
    """Finds the recipients' addresses in decoded text."""

    def __init__(self, addresses: dict[str, Declared], content_dir: Path) -> None:
        self.addresses = addresses
        self.content_dir = content_dir
        self._domains_by_local: dict[str, list[str]] = {}
        for address in addresses:
            local, _, domain = address.rpartition("@")
            self._domains_by_local.setdefault(local, []).append(domain)
        self._seen: dict[str, list[str]] = {}

    def find(self, text: str) -> list[str]:
        """The addresses that `text` holds, in any spelling; memoised (texts repeat)."""
        if not text or not _MAY_HOLD_ADDRESS.search(text):
            return []
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = self._find_decoded(decode(text))
        return found

    def _find_decoded(self, text: str) -> list[str]:
        found: list[str] = []
        at = text.find("@")
        while at != -1:
            start = at
            while start > 0 and at - start < _MAX_LOCAL and text[start - 1] not in _LOCAL_STOP:
                start -= 1
            after = text[at + 1 : at + 1 + _MAX_LOCAL]
            for i in range(start, at):
                for domain in self._domains_by_local.get(text[i:at], ()):
                    address = f"{text[i:at]}@{domain}"
                    if after.startswith(domain) and address not in found:
                        found.append(address)
            at = text.find("@", at + 1)
        return found


def declared_addresses(specs: Iterable[AwardSpec]) -> dict[str, Declared]:
    """Every recipient's address (canonical form), with where it is first given."""
    result: dict[str, Declared] = {}
    for spec in specs:
        email = spec.recipient.email
        if email is None:
            continue  # a pre-hashed identity: no address in the content
        address = canonical_address(email)
        if address is not None and address not in result:
            result[address] = Declared(spec.source, spec.line)
    return result


# --- what is published, and where it comes from ----------------------------------------------


@dataclass(frozen=True)
class Text:
    """A piece of published text: which content file, which line if known, which field."""

    path: Path
    line: int | None
    field: str
    value: str


def _site_texts(site: Site) -> Iterator[Text]:
    path = site.content_dir / "site.yaml"
    issuer = site.issuer
    # issuer.email is left out: it is published on purpose, as the issuer's contact.
    for field, value in (
        ("title", site.title),
        ("issuer.name", issuer.name),
        ("issuer.url", issuer.url),
        ("issuer.description", issuer.description),
        ("base_url", site.configured_base_url or site.base_url),
        ("linkedin.organization_id", site.linkedin_organization_id),
    ):
        if value:
            yield Text(path, None, field, value)


def _badge_texts(badge: Badge) -> Iterator[Text]:
    path = badge.source
    yield Text(path, None, "name", badge.name)
    yield Text(path, None, "description", badge.description)
    yield Text(path, None, "the criteria", badge.criteria_md)
    for tag in badge.tags:
        yield Text(path, None, "tags", tag)
    for index, alignment in enumerate(badge.alignments, start=1):
        for field in ("name", "url", "description", "framework", "code"):
            value = getattr(alignment, field)
            if value:
                yield Text(path, None, f"alignments[{index}].{field}", value)
    for lang, text in badge.translations.items():
        translated = path.with_name(f"{badge.slug}.{lang}.md")
        yield Text(translated, None, "name", text.name)
        yield Text(translated, None, "description", text.description)
        yield Text(translated, None, "the criteria", text.criteria_md)
        for tag in text.tags or ():
            yield Text(translated, None, "tags", tag)


def _may_hold_address(spec: AwardSpec) -> bool:
    """Whether any published text of the award could hold an address (most cannot): one
    look per award on large sites, before anything is made for it."""
    search = _MAY_HOLD_ADDRESS.search
    for value in (spec.recipient.name, spec.narrative, spec.revoked):
        if value and search(value):
            return True
    if any(search(text) for _, text in spec.revoked_translations):
        return True
    return any(
        value and search(value)
        for evidence in spec.evidence
        for value in (evidence.url, evidence.name, evidence.description, evidence.narrative)
    )


def _award_texts(spec: AwardSpec) -> Iterator[Text]:
    # One award after another on large sites: texts that cannot hold an address are skipped
    # before anything is made for them.
    path, line = spec.source, spec.line or None
    for field, value in (
        ("the recipient's name", spec.recipient.name),
        ("the narrative", spec.narrative),
        ("the revocation reason", spec.revoked),
        *((f"the revocation reason ({lang})", text) for lang, text in spec.revoked_translations),
    ):
        if value and _MAY_HOLD_ADDRESS.search(value):
            yield Text(path, line, field, value)
    for index, evidence in enumerate(spec.evidence, start=1):
        for field, value in (
            ("url", evidence.url),
            ("name", evidence.name),
            ("description", evidence.description),
            ("narrative", evidence.narrative),
        ):
            if value and _MAY_HOLD_ADDRESS.search(value):
                yield Text(path, line, f"evidence[{index}].{field}", value)


# --- images ---------------------------------------------------------------------------------


def _png_texts(data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) of every chunk but the pixels: text chunks decompressed, others raw."""
    try:
        chunks = list(iter_png_chunks(data))
    except ImageFormatError:
        return  # the image check reports it
    for chunk in chunks:
        kind = chunk.type.decode("ascii")
        if chunk.type in (b"IDAT", b"IHDR", b"IEND", b"PLTE"):
            continue
        body = chunk.body
        where = f"its {kind} chunk"
        if chunk.type in (b"tEXt", b"zTXt", b"iTXt"):
            keyword, _, rest = body.partition(b"\x00")
            where = f"its {kind} chunk '{keyword.decode('latin-1')}'"
            try:
                if chunk.type == b"zTXt":
                    body = _inflate(rest[1:])
                elif chunk.type == b"iTXt" and rest[:1] == b"\x01":
                    body = _inflate(rest[2:].split(b"\x00", 2)[2])
            except (ValueError, IndexError, zlib.error):
                pass  # kept raw: still searched
        # Latin-1 (tEXt, zTXt) or UTF-8 (iTXt, XMP): both readings are searched.
        yield where, body.decode("latin-1") + "\n" + body.decode("utf-8", "replace")


def _inflate(data: bytes, limit: int = 8 * 1024 * 1024) -> bytes:
    """Decompress at most `limit` bytes: a metadata chunk must not be a zip bomb."""
    inflater = zlib.decompressobj()
    return inflater.decompress(data, limit)


def _svg_texts(data: bytes) -> Iterator[tuple[str, str, int | None]]:
    """(where, text, line) of an SVG: each line of its source, and its text as rendered."""
    source = data.decode("utf-8", "replace")
    for number, line in enumerate(source.splitlines(), start=1):
        yield "line", line, number
        # Embedded images carry their own metadata.
        for match in _DATA_URI.finditer(line):
            try:
                embedded = base64.b64decode(match.group(1), validate=False)
            except (binascii.Error, ValueError):
                continue
            if embedded.startswith(PNG_SIGNATURE):
                for where, text in _png_texts(embedded):
                    yield f"an embedded PNG: {where}", text, number
            else:
                yield "an embedded image", embedded.decode("latin-1"), number
    # Character data joined across elements (alice<tspan>@</tspan>example.org reads as one).
    pieces: list[str] = []
    parser = expat.ParserCreate()
    parser.CharacterDataHandler = pieces.append
    parser.StartDoctypeDeclHandler = _refuse
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Refused):
        return  # the image check reports it
    yield "its text", "".join(pieces), None


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused  # a DOCTYPE: never expand its entities (the image check refuses it)


def _image_problems(path: Path, finder: AddressFinder, problems: Problems) -> None:
    try:
        data = read_content(path, "image")
    except (OSError, ContentFileError):
        return  # the image check reports it
    if data.startswith(PNG_SIGNATURE):
        found = ((where, text, None) for where, text in _png_texts(data))
    else:
        found = _svg_texts(data)
    reported: set[str] = set()
    for where, text, line in found:
        for address in finder.find(text):
            if address in reported:
                continue
            reported.add(address)
            at = "" if where == "line" else f"{where} "
            problems.add(
                path,
                f"{at}contains the email address of a recipient ({_declared(finder, address)})",
                line,
                IMAGE_HINT,
            )


def _declared(finder: AddressFinder, address: str) -> str:
    """Where the address is given, without repeating it: error messages are shown and logged."""
    declared = finder.addresses[address]
    try:
        shown = declared.path.relative_to(finder.content_dir).as_posix()
    except ValueError:
        shown = declared.path.name
    return f"the one given in {shown}:{declared.line}"


# --- the check ------------------------------------------------------------------------------


def _locate(path: Path, address: str, finder: AddressFinder) -> int | None:
    """The first line of `path` holding `address` other than where it is given as an email."""
    try:
        lines = read_content_text(path).splitlines()
    except (OSError, ContentFileError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, start=1):
        if address not in finder.find(line):
            continue
        rest = decode(line).replace(address, "").strip(" \t-'\"")
        if rest.removeprefix("email:").strip(" \t'\"") in ("", "#") or rest.startswith("#"):
            continue  # `- address` or `email: address`: the address in its own place
        return number
    return None


def check_addresses(
    site: Site, badges: dict[str, Badge], specs: list[AwardSpec], problems: Problems
) -> None:
    """Add a problem for every recipient's address in anything that will be published."""
    addresses = declared_addresses(specs)
    if not addresses:
        return
    finder = AddressFinder(addresses, site.content_dir)
    texts: list[Iterable[Text]] = [_site_texts(site)]
    texts += [_badge_texts(badge) for badge in badges.values()]
    texts += [_award_texts(spec) for spec in specs if _may_hold_address(spec)]
    reported: set[tuple[Path, str, str, str]] = set()
    for group in texts:
        for text in group:
            for address in finder.find(text.value):
                key = (text.path, text.field, text.value, address)
                if key in reported:
                    continue  # a file-wide narrative, once per file
                reported.add(key)
                line = _locate(text.path, address, finder) or text.line
                problems.add(
                    text.path,
                    f"{text.field} contains the email address of a recipient "
                    f"({_declared(finder, address)})",
                    line,
                    HINT,
                )
    images = {badge.image for badge in badges.values()}
    if site.issuer.image is not None:
        images.add(site.issuer.image)
    for image in sorted(images):
        _image_problems(image, finder, problems)
