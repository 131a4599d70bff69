"""`insigne notify`: the letter by email, against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import re
import stat
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from generator.baking import unbake
from generator.content import load_model
from generator.notify.record import RECORD_NAME, Record, Sent
from generator.notify.send import Session
from tests.conftest import Project, run_cli
from tests.smtp_server import PASSWORD, USER, SmtpServer, smtp_server

# The example's recipients (content/awards/); thomas.bernard gets his letter in English.
RECIPIENTS = {
    "camille.martin@example.org",  # two awards
    "jerome.leclerc@example.org",
    "amina.diallo@example.org",
    "lea.nguyen@example.org",
    "thomas.bernard@example.org",
}
FAST = ("--rate", "60000")  # the pacing itself is not what these tests look at


def _smtp_block(server: SmtpServer, **extra: str) -> str:
    lines = [
        "smtp:",
        "  host: 127.0.0.1",
        f"  port: {server.port}",
        "  security: starttls",
        f"  user: {USER}",
        "  from:",
        "    address: badges@pingbase.net",
        "    name: PING badges",
        "  reply_to: contact@pingbase.net",
        f"  cafile: {server.cafile}",
    ]
    lines += [f"  {key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def _prepare(project: Project, server: SmtpServer | None) -> None:
    """Thomas reads English; the site knows its mail server; the site is built for real."""
    awards = project.content / "awards" / "2018-gestion-de-projet.yaml"
    text = awards.read_text("utf-8")
    awards.write_text(
        text.replace(
            "  - email: thomas.bernard@example.org\n",
            "  - email: thomas.bernard@example.org\n    language: en\n",
        ),
        "utf-8",
    )
    if server is not None:
        site = project.content / "site.yaml"
        site.write_text(site.read_text("utf-8") + _smtp_block(server), "utf-8")
    result = project.build()
    assert result.code == 0, result.err


def _notify(project: Project, *extra: str) -> object:
    return run_cli(
        "notify", "--content", project.content, "--output", project.output, *FAST, *extra
    )


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _award_id(message: EmailMessage) -> str:
    match = re.fullmatch(r"<([a-z0-9]+)\.award@badges\.pingbase\.net>", message["Message-ID"])
    assert match, message["Message-ID"]
    return match.group(1)


def _record_ids(project: Project) -> list[str]:
    return sorted(a for a, _kind in Record.load(project.content).entries)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("INSIGNE_SMTP_PASSWORD", PASSWORD)
    with smtp_server(tmp_path / "tls") as running:
        yield running


def test_letters_reach_the_server_over_starttls_once(project: Project, server: SmtpServer) -> None:
    _prepare(project, server)
    dry = _notify(project)
    assert dry.code == 0, dry.err
    outbox = project.root / "outbox"
    drafts = {p.name: _parse(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))}
    assert len(drafts) == 6 and not list(project.output.rglob("*.eml"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in outbox.glob("*.eml"))
    assert not server.handler.messages and not (project.content / RECORD_NAME).exists()

    sent = _notify(project, "--send")
    assert sent.code == 0, sent.err
    received = server.handler.messages
    assert len(received) == 6
    assert [(m.tls, m.login) for m in received] == [(True, USER)] * 6
    assert set(server.handler.logins) <= {"LOGIN", "PLAIN"} and server.handler.logins
    ids = []
    for item in received:
        message = _parse(item.content)
        award_id = _award_id(message)
        ids.append(award_id)
        (to,) = item.rcpt_tos
        assert to in RECIPIENTS and to in message["To"]
        assert item.mail_from == "badges@pingbase.net"
        assert message["Reply-To"] == "contact@pingbase.net"
        english = to == "thomas.bernard@example.org"
        assert message["Content-Language"] == ("en" if english else "fr")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        page = f"https://badges.pingbase.net/{'en/' if english else ''}awards/{award_id}.html"
        assert page in text and f'href="{page}"' in html
        if english:
            assert message["Subject"].startswith("Your Open Badge from PING")
            assert "What is an Open Badge?" in text and "Canvas Credentials" in text
        else:
            assert message["Subject"].startswith("Votre Open Badge de PING")
            assert "Qu'est-ce qu'un Open Badge ?" in text
            assert "Qu&#39;est-ce qu&#39;un Open Badge ?" in html  # escaped in HTML only
        (attachment,) = message.iter_attachments()
        data = attachment.get_content()
        published = project.output / "assertions" / attachment.get_filename().split("-")[-1]
        assert data == published.read_bytes()
        hosted = (project.output / "assertions" / f"{award_id}.json").read_bytes()
        assert json.loads(unbake(data) or "") == json.loads(hosted)
        # The dry run showed the very same letter.
        draft = drafts[f"{award_id}-award.eml"]
        assert draft["Subject"] == message["Subject"] and draft["To"] == message["To"]
        # The same text; an SMTP transfer ends lines with CRLF, a file with LF.
        assert draft.get_body(("plain",)).get_content() == text.replace("\r\n", "\n")
        assert next(draft.iter_attachments()).get_content() == data
    assert sorted(ids) == _record_ids(project)
    record = (project.content / RECORD_NAME).read_text("utf-8")
    assert "@example.org" not in record
    assert "/notifications.json merge=union" in (project.content / ".gitattributes").read_text()

    again = _notify(project, "--send")
    assert again.code == 0, again.err
    assert len(server.handler.messages) == 6
    assert "nothing to do" in again.out


def test_a_refused_recipient_is_retried_next_time(project: Project, server: SmtpServer) -> None:
    _prepare(project, server)
    server.handler.refuse_rcpt = {3}
    first = _notify(project, "--send")
    assert first.code == 1
    assert "550" in first.err and "tried again next time" in first.err
    accepted = sorted(_award_id(_parse(m.content)) for m in server.handler.messages)
    assert len(accepted) == 5 and accepted == _record_ids(project)

    second = _notify(project, "--send")
    assert second.code == 0, second.err
    ids = [_award_id(_parse(m.content)) for m in server.handler.messages]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert sorted(ids) == _record_ids(project)


def test_a_dropped_connection_records_exactly_what_was_accepted(
    project: Project, server: SmtpServer
) -> None:
    _prepare(project, server)
    server.handler.drop_at_rcpt = {3}
    first = _notify(project, "--send")
    assert first.code == 1 and "run again" in first.err
    accepted = sorted(_award_id(_parse(m.content)) for m in server.handler.messages)
    assert len(accepted) == 2 and accepted == _record_ids(project)

    second = _notify(project, "--send", "--limit", "3")
    assert second.code == 0, second.err
    assert len(server.handler.messages) == 5
    third = _notify(project, "--send")
    assert third.code == 0, third.err
    ids = [_award_id(_parse(m.content)) for m in server.handler.messages]
    assert len(ids) == 6 and len(set(ids)) == 6 and sorted(ids) == _record_ids(project)


def test_send_without_the_password_variable_is_a_clear_error(
    project: Project, server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(project, server)
    monkeypatch.delenv("INSIGNE_SMTP_PASSWORD")
    result = _notify(project, "--send")
    assert result.code == 1
    assert "INSIGNE_SMTP_PASSWORD" in result.err and "nothing was sent" in result.err
    assert "Traceback" not in result.err
    assert not server.handler.messages and not (project.content / RECORD_NAME).exists()


def test_a_wrong_password_or_an_untrusted_certificate_sends_nothing(
    project: Project, server: SmtpServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _prepare(project, server)
    monkeypatch.setenv("INSIGNE_SMTP_PASSWORD", "wrong")
    result = _notify(project, "--send")
    assert result.code == 1 and "refused the login" in result.err
    monkeypatch.setenv("INSIGNE_SMTP_PASSWORD", PASSWORD)
    # Without cafile the system's authorities are trusted, and they do not know this one.
    site = project.content / "site.yaml"
    site.write_text(re.sub(r"  cafile: .*\n", "", site.read_text("utf-8")), "utf-8")
    result = _notify(project, "--send")
    assert result.code == 1 and "is not trusted" in result.err and "smtp.cafile" in result.err
    assert not server.handler.messages and not (project.content / RECORD_NAME).exists()


def test_revoked_and_future_awards_get_no_letter(project: Project) -> None:
    loaded = load_model(project.content)
    revoked = loaded.model.awards[0]
    assert (
        run_cli("revoke", revoked.id, "--reason", "Mistake", "--content", project.content).code == 0
    )
    future = project.content / "awards" / "future.yaml"
    future.write_text("badge: echofablab\nissued_on: 2999-01-01\nrecipients: [z@example.org]\n")
    _prepare(project, None)
    result = _notify(project)
    assert result.code == 0, result.err
    names = sorted(p.name for p in (project.root / "outbox").glob("*.eml"))
    assert len(names) == 5 and f"{revoked.id}-award.eml" not in names
    assert all("z@example.org" not in p.read_text() for p in (project.root / "outbox").iterdir())


def test_a_missing_stale_or_preview_output_is_refused(project: Project) -> None:
    result = _notify(project)
    assert result.code == 1 and "no built site here" in result.err
    _prepare(project, None)
    baked = next((project.output / "assertions").glob("*.png"))
    baked.unlink()
    result = _notify(project)
    assert result.code == 1 and "baked image" in result.err and "insigne build" in result.err
    assert not (project.root / "outbox").exists()
    assert project.build("--base-url", "http://127.0.0.1:9/").code == 0
    result = _notify(project)
    assert result.code == 1 and "preview build" in result.err
    assert project.build().code == 0
    # A new award, not built yet: its id is not in the built site.
    extra = project.content / "awards" / "new.yaml"
    extra.write_text("badge: echofablab\nissued_on: 2020-01-01\nrecipients: [new@example.org]\n")
    result = _notify(project)
    assert result.code == 1 and "has not been built yet" in result.err
    assert not (project.root / "outbox").exists()
    result = _notify(project, "--out", project.output / "mail")
    assert result.code == 1 and "must not go in the output folder" in result.err


def test_the_record_survives_a_union_merge_and_never_resends(project: Project) -> None:
    _prepare(project, None)
    ids = [a.id for a in load_model(project.content).model.awards]
    root = project.root

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    git("init", "-q", "-b", "main")
    Record(project.content / RECORD_NAME, {}).add(Sent(ids[2], "award", _now(), _mid(ids[2])))
    git("add", "content")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "other")
    record = Record.load(project.content)
    record.add(Sent(ids[0], "award", _now(), _mid(ids[0])))
    record.add(Sent(ids[4], "award", _now(), _mid(ids[4])))
    git("commit", "-qam", "other sent two")
    git("checkout", "-q", "main")
    record = Record.load(project.content)
    record.add(Sent(ids[1], "award", _now(), _mid(ids[1])))
    record.add(Sent(ids[4], "award", "2026-01-02T03:04:05Z", _mid(ids[4])))  # both sent it
    git("commit", "-qam", "main sent two")
    git("merge", "-q", "--no-edit", "other")  # no conflict: the union merge
    text = (project.content / RECORD_NAME).read_text("utf-8")
    assert "<<<<<<<" not in text and text.count(f'"{ids[4]}:award"') == 2
    merged = Record.load(project.content)
    assert sorted(a for a, _ in merged.entries) == sorted([ids[0], ids[1], ids[2], ids[4]])
    assert merged.entries[(ids[4], "award")].sent == "2026-01-02T03:04:05Z"
    result = _notify(project)
    assert result.code == 0, result.err
    names = sorted(p.name for p in (root / "outbox").glob("*.eml"))
    assert names == sorted(f"{i}-award.eml" for i in (ids[3], ids[5]))


def test_a_damaged_record_is_an_error_naming_its_line(project: Project) -> None:
    _prepare(project, None)
    (project.content / RECORD_NAME).write_text(
        '{\n"abc:award": {"sent": "yesterday", "message_id": "<a@b>"},\n"version": 1}\n'
    )
    result = _notify(project)
    assert result.code == 1 and f"{RECORD_NAME}:2: line 2 is not a record entry" in result.err


def test_smtp_settings_are_checked_with_file_and_line(project: Project) -> None:
    site = project.content / "site.yaml"
    lines = site.read_text("utf-8").splitlines()
    start = len(lines) + 1
    site.write_text(
        "\n".join(lines) + "\nsmtp:\n  host: smtp.example.org\n  security: ssl\n  port: 99999\n"
        "  password: hunter2\n  from: not-an-address\n",
        "utf-8",
    )
    result = run_cli("check", "--content", project.content)
    assert result.code == 1
    err = result.err
    assert f"site.yaml:{start + 2}: smtp.security must be one of starttls, tls, none" in err
    assert f"site.yaml:{start + 3}: smtp.port must be a number from 1 to 65535" in err
    assert f"site.yaml:{start + 4}: a password must never be written in site.yaml" in err
    assert f"site.yaml:{start + 5}: smtp.from 'not-an-address' is not a valid email" in err
    site.write_text(
        "\n".join(lines) + "\nsmtp:\n  host: 127.0.0.1\n  security: none\n  user: me\n"
        "  from: a@example.org\n",
        "utf-8",
    )
    result = run_cli("check", "--content", project.content)
    assert result.code == 1 and "would send the password unencrypted" in result.err


def test_a_recipient_language_must_be_one_of_the_site(project: Project) -> None:
    awards = project.content / "awards" / "2018-gestion-de-projet.yaml"
    text = awards.read_text("utf-8").replace(
        "  - email: thomas.bernard@example.org\n",
        "  - email: thomas.bernard@example.org\n    language: de\n",
    )
    awards.write_text(text, "utf-8")
    line = text.splitlines().index("    language: de") + 1
    result = run_cli("check", "--content", project.content)
    assert result.code == 1
    assert (
        f"2018-gestion-de-projet.yaml:{line}: recipient 2: language 'de' is not one of the "
        "site's languages (fr, en)"
    ) in result.err


def test_send_without_smtp_settings_is_a_clear_error(project: Project) -> None:
    _prepare(project, None)
    result = _notify(project, "--send")
    assert result.code == 1 and "there is no 'smtp:' in site.yaml" in result.err


def _now() -> str:
    return "2026-12-04T06:00:00Z"


def _mid(award_id: str) -> str:
    return f"<{award_id}.award@badges.pingbase.net>"


def test_an_interrupted_batch_keeps_what_the_server_accepted(
    project: Project, server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed mid-batch (here Ctrl-C during the third message): the two accepted are recorded."""
    _prepare(project, server)
    real_send = Session.send
    calls = []

    def send_then_interrupt(self: Session, message: EmailMessage, to: str) -> None:
        calls.append(to)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_send(self, message, to)

    monkeypatch.setattr(Session, "send", send_then_interrupt)
    result = _notify(project, "--send")
    assert result.code == 130
    accepted = sorted(_award_id(_parse(m.content)) for m in server.handler.messages)
    assert len(accepted) == 2 and accepted == _record_ids(project)
    monkeypatch.setattr(Session, "send", real_send)
    assert _notify(project, "--send").code == 0
    ids = [_award_id(_parse(m.content)) for m in server.handler.messages]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_an_expired_award_offers_no_linkedin_and_a_bad_address_is_refused(
    project: Project,
) -> None:
    expired = project.content / "awards" / "expired.yaml"
    expired.write_text(
        "badge: echofablab\nissued_on: 2019-01-01\nexpires: 2020-01-01\n"
        "recipients: [old@example.org]\n"
    )
    _prepare(project, None)
    assert _notify(project).code == 0
    letters = [_parse(p.read_bytes()) for p in (project.root / "outbox").glob("*.eml")]
    (old,) = [m for m in letters if "old@example.org" in m["To"]]
    assert "linkedin.com" not in old.get_body(("plain",)).get_content()
    assert all("linkedin.com" in m.get_body(("plain",)).get_content() for m in letters if m != old)

    bad = project.content / "awards" / "bad.yaml"
    bad.write_text("badge: echofablab\nissued_on: 2019-01-01\nrecipients:\n  - a(b@example.org\n")
    assert project.build().code == 0
    result = _notify(project)
    assert result.code == 1
    assert "bad.yaml:4: award " in result.err and "cannot email this recipient" in result.err


# aiosmtpd warns because its auth_require_tls knows only STARTTLS; this socket is TLS throughout.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_letters_go_over_tls_from_the_start_too(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGNE_SMTP_PASSWORD", PASSWORD)
    with smtp_server(tmp_path / "tls", implicit_tls=True) as server:
        _prepare(project, server)
        site = project.content / "site.yaml"
        site.write_text(site.read_text("utf-8").replace("security: starttls", "security: tls"))
        result = _notify(project, "--send", "--limit", "2")
        assert result.code == 0, result.err
        assert [(m.tls, m.login) for m in server.handler.messages] == [(True, USER)] * 2
        assert len(_record_ids(project)) == 2
