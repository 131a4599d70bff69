"""`insigne notify`: email each recipient the letter of their award (dry run unless --send)."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from generator.commands import add_content_argument
from generator.console import Console
from generator.content import load_model
from generator.errors import InsigneError, Problem, Problems
from generator.lock import holding
from generator.model import Award, SmtpSettings
from generator.notify.built import baked_image, check_output
from generator.notify.compose import (
    Sender,
    compose,
    letter_language,
    letter_templates,
    message_id,
    recipient_address,
)
from generator.notify.record import Record, Sent
from generator.notify.send import Lost, Refused, Session, password_from_environment
from generator.pages import site_languages
from generator.theme import Theme

KIND = "award"
DEFAULT_RATE = 20  # messages a minute: what small providers accept without throttling
OUTBOX = "outbox"

EXAMPLES = """examples:
  insigne build && insigne notify            write the letters to outbox/ to read them first
  INSIGNE_SMTP_PASSWORD=... insigne notify --send --limit 10
then commit content/notifications.json, the record of what was sent.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "notify",
        help="email recipients the letter of their new awards (dry run unless --send)",
        description=(
            "Write, or with --send email, the letter of each award not yet notified: what an "
            "Open Badge is, what the recipient's contains, how to keep and share it, with the "
            "award page's link and the baked image as published in the built site. Messages "
            "sent are recorded in content/notifications.json (commit it); revoked and future "
            "awards are never notified. See docs/notify.md."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_content_argument(parser)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("output"),
        metavar="DIR",
        help="the built site whose baked images are attached (default: output)",
    )
    parser.add_argument(
        "--send",
        action="store_true",
        help="send through smtp: in site.yaml (password in $INSIGNE_SMTP_PASSWORD)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"without --send, where the .eml files go (default: {OUTBOX}/ beside the output)",
    )
    parser.add_argument(
        "--limit", type=_positive, metavar="N", help="at most N messages in this run"
    )
    parser.add_argument(
        "--rate",
        type=_positive,
        default=DEFAULT_RATE,
        metavar="N",
        help=f"at most N messages a minute (default: {DEFAULT_RATE})",
    )
    parser.set_defaults(func=run)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value!r}")
    return number


@dataclass(frozen=True)
class Letter:
    award: Award
    to: str
    message: EmailMessage


def run(args: argparse.Namespace, console: Console) -> int:
    # Sending holds the project lock throughout: no second notify may send the same letters,
    # and the record is written (after each message) by this process alone.
    lock = holding([args.content], console.notice) if args.send else contextlib.nullcontext()
    with lock:
        return _notify(args, console)


def _notify(args: argparse.Namespace, console: Console) -> int:
    content: Path = args.content
    output: Path = args.output
    if args.send and args.out is not None:
        raise InsigneError(
            Problem(None, "--out is where the dry run writes; with --send nothing is written")
        )
    out = _outbox(args.out, output, content) if not args.send else None
    now = datetime.now(UTC).replace(microsecond=0)
    loaded = load_model(content, now=now)
    model = loaded.model
    site = model.site
    if args.send and site.smtp is None:
        raise InsigneError(
            Problem(
                content / "site.yaml",
                "--send needs the mail server's settings: there is no 'smtp:' in site.yaml",
                hint="add an smtp: block (see docs/notify.md)",
            )
        )
    password = password_from_environment(site.smtp) if args.send and site.smtp else None
    record = Record.load(content)
    due: list[Award] = []
    for award in model.awards:  # published ones only: future awards are held back
        if award.revoked is not None or record.has(award.id, KIND):
            continue
        if award.spec.recipient.email is None:
            console.notice(
                f"award {award.id}: the recipient has no email in the content (a pre-hashed "
                "identity); no letter"
            )
            continue
        due.append(award)
    if model.held_back:
        console.notice(
            f"{len(model.held_back)} award(s) dated in the future: their letters wait until "
            "a build has published them"
        )
    if args.limit is not None:
        due = due[: args.limit]
    if not due:
        console.info("no award is waiting for its letter: nothing to do")
        return 0

    check_output(output, site)
    problems = Problems()
    for award in due:
        if loaded.ledger.is_new(award.id):
            problems.add(
                loaded.ledger.path,
                f"award {award.id} ({award.badge}, {award.spec.source.name}:{award.spec.line}) "
                "has not been built yet",
                hint="run 'insigne build' and commit content/ledger.json, then notify again",
            )
    problems.raise_if_any()
    theme = Theme(content.resolve().parent, site.theme)
    templates = letter_templates(theme)
    languages = {language.code: language for language in site_languages(site, theme)}
    smtp = site.smtp
    sender = (
        Sender(smtp.from_address, smtp.from_name, smtp.reply_to)
        if smtp is not None
        else Sender(site.issuer.email, site.issuer.name)
    )
    letters = []
    for award in due:
        try:
            recipient_address(award)
        except ValueError as exc:
            problems.add(
                award.spec.source,
                f"award {award.id}: cannot email this recipient: {exc}",
                award.spec.line or None,
                "correct the email address in the award file (the published hash will "
                "change: revoke the award and award it again if it was already published)",
            )
            continue
        badge = model.badges[award.badge]
        image = baked_image(output, site, award, badge, problems)
        if image is None:
            continue
        message = compose(
            site,
            badge,
            award,
            kind=KIND,
            language=languages[letter_language(site, award)],
            templates=templates,
            image=image,
            sender=sender,
            now=now,
            credentials=model.credentials,
        )
        letters.append(Letter(award, award.spec.recipient.email or "", message))
    problems.raise_if_any()  # a stale output: nothing is written or sent

    if out is not None:
        _write_outbox(out, letters)
        console.info(
            f"wrote {len(letters)} message(s) to {out} for review; nothing was sent "
            "(send them with --send; the folder holds emails: do not commit it)"
        )
        return 0
    assert smtp is not None
    return _send(letters, smtp, password, record, args.rate, site.base_url, console)


def _send(
    letters: list[Letter],
    smtp: SmtpSettings,
    password: str | None,
    record: Record,
    rate: int,
    base_url: str,
    console: Console,
) -> int:
    sent, refused = 0, 0
    lost: str | None = None
    with Session(smtp, password) as session:
        for letter, _ in zip(letters, _paced(rate), strict=False):
            award = letter.award
            try:
                session.send(letter.message, letter.to)
            except Refused as exc:
                refused += 1
                console.error(f"award {award.id}: {exc}; it will be tried again next time")
                continue
            except Lost as exc:
                lost = str(exc)
                break
            # Recorded the moment the server accepted it: a crash after this never resends.
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            record.add(Sent(award.id, KIND, stamp, message_id(award.id, KIND, base_url)))
            sent += 1
            console.info(f"sent the letter of award {award.id} ({award.badge})")
    left = len(letters) - sent - refused
    summary = f"sent {sent} message(s)"
    if refused:
        summary += f", {refused} refused"
    if lost is not None:
        console.error(f"stopped: {lost}; {left} message(s) not sent, run again to send them")
    console.info(f"{summary}; recorded in {record.path}: commit it with the content")
    return 1 if refused or lost is not None else 0


def _paced(rate: int) -> Iterator[None]:
    """Yields once per message, at most `rate` a minute."""
    interval = 60.0 / rate
    next_at = time.monotonic()
    while True:
        wait = next_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        next_at = max(next_at, time.monotonic()) + interval
        yield None


def _outbox(chosen: Path | None, output: Path, content: Path) -> Path:
    out = chosen if chosen is not None else output.parent / OUTBOX
    resolved = out.resolve()
    for folder, what in ((output.resolve(), "the output folder"), (content.resolve(), "content/")):
        if resolved == folder or folder in resolved.parents:
            raise InsigneError(
                Problem(
                    out,
                    f"the messages (which hold emails) must not go in {what}: it is "
                    "published or committed",
                    hint=f"choose a folder outside it, e.g. --out {OUTBOX}",
                )
            )
    return out


def _write_outbox(out: Path, letters: list[Letter]) -> None:
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    for letter in letters:
        path = out / f"{letter.award.id}-{KIND}.eml"
        # Private to the user: these files hold the recipients' addresses.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(letter.message.as_bytes())
