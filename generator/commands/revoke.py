"""`insigne revoke`: mark one published award as revoked in the content, keeping the file as is."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import write_atomic
from generator.commands import add_content_argument
from generator.console import Console
from generator.content import load_model
from generator.errors import InsigneError, Problem
from generator.ledger import award_key
from generator.lock import holding
from generator.model import AwardSpec
from generator.yamledit import YamlEditError, quote, set_item_key

EXAMPLES = """examples:
  insigne revoke 5ucxwabqdt --reason "Awarded by mistake"
then build and commit the award file, as the command tells you.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "revoke",
        help="revoke an award (edits its award file)",
        description=(
            "Revoke a published award: adds 'revoked: \"REASON\"' to its recipient entry in "
            "content/awards/, leaving the rest of the file untouched. The next build publishes "
            "the revocation at the award's URL and in revocations.json."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("award_id", metavar="AWARD_ID", help="the id in the award's URL")
    parser.add_argument("--reason", required=True, help="why (published with the revocation)")
    add_content_argument(parser)
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Revocation:
    award_id: str
    source: Path
    line: int
    badge: str


def revoke(content_dir: Path, award_id: str, reason: str) -> Revocation:
    """Edit the award file of `award_id`; raise InsigneError if that cannot be done."""
    reason = reason.strip()
    if not reason:
        raise InsigneError(
            Problem(None, "the reason is empty", hint='give one: --reason "Awarded by mistake"')
        )
    loaded = load_model(content_dir)
    keys = {entry.id: key for key, entry in loaded.ledger.entries.items()}
    key = keys.get(award_id)
    # Only ids already recorded in the committed ledger are real: ones assigned by this very
    # load (never built) are not published anywhere.
    if key is None or loaded.ledger.is_new(award_id):
        raise InsigneError(
            Problem(
                loaded.ledger.path,
                f"unknown award id {award_id!r}",
                hint="use the id from the award's URL (assertions/<id>.json); ids of awards "
                "that were never built are not in the ledger yet",
            )
        )
    specs: list[AwardSpec] = [a.spec for a in loaded.model.awards] + loaded.model.held_back
    spec = next((s for s in specs if award_key(s) == key), None)
    if spec is None:  # load_model refuses a ledger entry missing from the content
        raise InsigneError(f"award {award_id} is in the ledger but not in the content")
    if spec.revoked is not None:
        raise InsigneError(
            Problem(
                spec.source,
                f"award {award_id} is already revoked ({spec.revoked!r})",
                spec.line,
                "to change the reason, edit the 'revoked:' line of that recipient",
            )
        )
    raw = spec.source.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom) :].decode("utf-8")
    try:
        edited = set_item_key(text, spec.line, "revoked", quote(reason), scalar_key="email")
    except YamlEditError as exc:
        raise InsigneError(
            Problem(
                spec.source,
                f"cannot edit the recipient entry of award {award_id}: {exc}",
                spec.line,
                f"add 'revoked: \"{reason}\"' to that recipient by hand",
            )
        ) from None
    write_atomic(spec.source, bom + edited.encode("utf-8"))
    already = {award_key(s) for s in specs if s.revoked is not None}
    _check_revoked(content_dir, key, reason, spec, raw, already)
    return Revocation(award_id, spec.source, spec.line, spec.badge)


def _check_revoked(
    content_dir: Path,
    key: str,
    reason: str,
    spec: AwardSpec,
    original: bytes,
    already: set[str],
) -> None:
    """Reload the content: the edit must revoke exactly this award, or it is undone."""
    try:
        loaded = load_model(content_dir)
        specs = [a.spec for a in loaded.model.awards] + loaded.model.held_back
        after = next((s for s in specs if award_key(s) == key), None)
        revoked = {award_key(s) for s in specs if s.revoked is not None}
        ok = after is not None and after.revoked == reason and revoked == already | {key}
    except InsigneError:
        ok = False
    if not ok:
        write_atomic(spec.source, original)
        raise InsigneError(
            Problem(
                spec.source,
                "the edit did not read back as a revocation; the file was left unchanged",
                spec.line,
                f"add 'revoked: \"{reason}\"' to that recipient by hand",
            )
        )


def run(args: argparse.Namespace, console: Console) -> int:
    with holding([args.content], console.notice):
        done = revoke(args.content, args.award_id, args.reason)
    try:
        shown = done.source.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = done.source
    console.info(f"revoked award {done.award_id} ({done.badge}): edited {shown}:{done.line}")
    console.info(
        "next: run 'insigne build' to publish the revocation, then commit:\n"
        f"  git add {shown}\n"
        f'  git commit -m "Revoke award {done.award_id}"'
    )
    return 0
