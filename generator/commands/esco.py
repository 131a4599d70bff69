"""`insigne esco import|search|add`: pick ESCO skills and occupations offline, as OBF does."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from generator.atomic import write_atomic
from generator.commands import add_content_argument
from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.esco.concepts import KINDS, Concept, alignment_fields, parse_uri
from generator.esco.index import (
    ImportResult,
    build_index,
    detect_version,
    find_files,
    index_path,
    require_index,
)
from generator.lock import holding
from generator.siteconfig import load_site
from generator.yamledit import YamlEditError, append_item, quote

EXAMPLES = """examples:
  insigne esco import ~/Downloads/"ESCO dataset - v1.2.0 - classification - fr - csv"
  insigne esco import esco-fr/ esco-en/ --version 1.2.0
  insigne esco search "gestion de projet"
  insigne esco search "project management" --lang en --type skill --limit 5
  insigne esco add gestion-de-projet http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388

The index is kept in $INSIGNE_ESCO_DIR, else $XDG_CACHE_HOME/insigne/esco, else
~/.cache/insigne/esco; building the site never needs it. See docs/esco.md.
"""
VERSION_ARG_RE = re.compile(r"^v?(\d+\.\d+(?:\.\d+)?)$")
PLAIN_RE = re.compile(r"^\w[\w .,'()/-]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "esco",
        help="pick ESCO skills and occupations for badges (offline index)",
        description=(
            "Import the official ESCO download (CSV) into an index in your cache, search it, "
            "and add a concept to a badge's alignments in every language of the site."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="esco_command", metavar="SUBCOMMAND", required=True)

    imp = sub.add_parser(
        "import",
        help="index the ESCO classification download (CSV, one folder per language)",
        description=(
            "Read skills_<lang>.csv and occupations_<lang>.csv under each FOLDER (the unzipped "
            "official download, format csv) into the index. Languages already in the index "
            "are kept when they are of the same ESCO version."
        ),
    )
    imp.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    imp.add_argument(
        "--version",
        dest="esco_version",
        metavar="X.Y.Z",
        help="the ESCO version (default: read from the folder name, e.g. '... - v1.2.0 - ...')",
    )
    imp.set_defaults(func=run_import)

    search = sub.add_parser("search", help="find concepts by words of their labels")
    search.add_argument("query", help='words of a label, e.g. "gestion de projet"')
    search.add_argument("--lang", help="label language (default: the site's language)")
    search.add_argument("--type", choices=KINDS, dest="kind", help="skills or occupations only")
    search.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    add_content_argument(search)
    search.set_defaults(func=run_search)

    add = sub.add_parser(
        "add",
        help="align a badge to an ESCO concept (labels in every site language)",
        description=(
            "Append the concept to the badge's 'alignments:' in content/badges/<slug>.md, with "
            "its label and description in each of the site's languages, keeping the rest of "
            "the file as written."
        ),
    )
    add.add_argument("slug", help="the badge (its file name without .md)")
    add.add_argument("uri", help="the concept URI, as 'insigne esco search' shows it")
    add_content_argument(add)
    add.set_defaults(func=run_add)


def run_import(args: argparse.Namespace, console: Console) -> int:
    for folder in args.folders:
        if not folder.is_dir():
            raise InsigneError(
                Problem(folder, "not a folder", hint="unzip the ESCO download and pass its folder")
            )
    sources = find_files(args.folders)
    if not sources:
        raise InsigneError(
            Problem(
                args.folders[0],
                "no skills_<lang>.csv or occupations_<lang>.csv here",
                hint="download ESCO as 'classification', format 'csv', and unzip it",
            )
        )
    seen: dict[tuple[str, str], Path] = {}
    for source in sources:
        key = (source.kind, source.language)
        if key in seen:
            raise InsigneError(
                Problem(
                    source.path,
                    f"a second {source.kind}s file in '{source.language}'",
                    hint=f"the first is {seen[key]}; import one ESCO version at a time",
                )
            )
        seen[key] = source.path
    version = _version(args.esco_version, [s.path for s in sources])
    result = build_index(sources, version)
    _report_import(result, console)
    return 0


def _version(given: str | None, paths: list[Path]) -> str:
    if given is not None:
        match = VERSION_ARG_RE.match(given.strip())
        if not match:
            raise InsigneError(f"--version {given!r}: write the ESCO version as 1.2.0")
        return match.group(1)
    found = detect_version(paths)
    if found is None:
        raise InsigneError(
            Problem(
                paths[0].parent,
                "cannot tell the ESCO version from the folder name",
                hint="pass it: --version 1.2.0 (the download is named '... - v1.2.0 - ...')",
            )
        )
    return found


def _report_import(result: ImportResult, console: Console) -> None:
    for (language, kind), count in sorted(result.counts.items()):
        console.info(f"{language}: {count} {kind}s")
    if result.kept_languages:
        console.info(f"kept from the previous index: {', '.join(result.kept_languages)}")
    console.info(f"ESCO v{result.version} indexed in {result.path}")


def _site_language(content_dir: Path) -> str | None:
    if not (content_dir / "site.yaml").is_file():
        return None
    site, _problems = load_site(content_dir.resolve(), None)
    return site.language if site is not None else None


def run_search(args: argparse.Namespace, console: Console) -> int:
    if args.limit < 1:
        raise InsigneError("--limit must be 1 or more")
    index = require_index()
    try:
        languages = index.languages()
        language = args.lang or _site_language(args.content)
        if language is None:
            language = languages[0] if len(languages) == 1 else "en"
        if language not in languages:
            raise InsigneError(
                Problem(
                    index.path,
                    f"the ESCO index has no '{language}' labels (it has: "
                    f"{', '.join(languages) or 'none'})",
                    hint=f"import the '{language}' download too, or pass --lang",
                )
            )
        hits = index.search(args.query, language, args.kind, args.limit)
    finally:
        index.close()
    if not hits:
        console.info(f"no ESCO concept matches {args.query!r} in '{language}'")
        return 0
    for hit in hits:
        concept = hit.concept
        line = f"{concept.uri}  {concept.label}  [{concept.kind}, {concept.status}]"
        if hit.matched != concept.label:
            line += f"  (also: {hit.matched})"
        print(line)
    return 0


def _scalar(value: str) -> str:
    """The value as a plain YAML scalar when that reads back the same, else double-quoted."""
    if PLAIN_RE.match(value) and not value.endswith(" "):
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    return quote(value)


def run_add(args: argparse.Namespace, console: Console) -> int:
    content_dir: Path = args.content.resolve()
    if parse_uri(args.uri) is None:
        raise InsigneError(
            Problem(
                None,
                f"{args.uri!r} is not an ESCO skill or occupation URI",
                hint="copy it from 'insigne esco search', e.g. "
                "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388",
            )
        )
    with holding([content_dir], console.notice):
        return _add(args, content_dir, console)


def _add(args: argparse.Namespace, content_dir: Path, console: Console) -> int:
    from generator.content import load_model

    model = load_model(content_dir).model
    badge = model.badges.get(args.slug)
    if badge is None:
        raise InsigneError(
            Problem(
                None,
                f"unknown badge {args.slug!r}",
                hint=f"one of: {', '.join(model.badges) or '(none)'}",
            )
        )
    if any(a.url == args.uri for a in badge.alignments):
        raise InsigneError(
            Problem(badge.source, f"the badge is already aligned to {args.uri}; nothing changed")
        )
    languages = model.site.languages
    index = require_index()
    try:
        version = index.version
        by_language: dict[str, Concept] = {}
        for language in languages:
            concept = index.concept(args.uri, language)
            if concept is not None:
                by_language[language] = concept
        known = index.any_language(args.uri)
    finally:
        index.close()
    if known is None:
        raise InsigneError(
            Problem(
                index_path(),
                f"{args.uri} is not in ESCO v{version}",
                hint="find the concept with 'insigne esco search'",
            )
        )
    if known.obsolete:
        raise InsigneError(
            Problem(
                None,
                f"'{known.label}' is {known.status} in ESCO v{version}; nothing changed",
                hint="find its replacement with 'insigne esco search'",
            )
        )
    missing = [lang for lang in languages if lang not in by_language]
    if missing:
        raise InsigneError(
            Problem(
                index_path(),
                f"the ESCO index has no label for {args.uri} in {', '.join(missing)}",
                hint="import the ESCO download in "
                + ", ".join(missing)
                + " too ('insigne esco import FOLDER'), the site shows every language",
            )
        )
    fields = alignment_fields(by_language, languages, version)
    item = {
        key: (
            _scalar(value)
            if isinstance(value, str)
            else {lang: _scalar(text) for lang, text in value.items()}
        )
        for key, value in fields.items()
    }
    item["version"] = quote(version)  # "1.2" unquoted would read back as a number
    item["url"] = args.uri  # a plain URL reads back the same and reads better than quoted
    path = badge.source
    before = path.read_bytes()
    after = _with_alignment(path, before, item)
    write_atomic(path, after)
    try:
        load_model(content_dir)
    except InsigneError as exc:
        write_atomic(path, before)
        raise InsigneError(
            [*exc.problems, Problem(path, "the edit above broke the content; it was undone")]
        ) from None
    name = by_language[languages[0]].label
    console.info(f"updated {path}: aligned to ESCO '{name}' ({args.uri})")
    return 0


def _with_alignment(path: Path, data: bytes, item: dict) -> bytes:
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom) :].decode("utf-8")
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if not lines or lines[0].rstrip() != "---" or end is None:
        raise InsigneError(Problem(path, "no YAML front matter to add the alignment to", 1))
    front = "".join(lines[1:end])
    try:
        edited = append_item(front, "alignments", item, create=True)
    except YamlEditError as exc:
        raise InsigneError(
            Problem(path, f"cannot add the alignment: {exc}", hint="add it by hand")
        ) from None
    return bom + (lines[0] + edited + "".join(lines[end:])).encode("utf-8")
