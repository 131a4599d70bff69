"""The letter as an email: an award in, an `email.message.EmailMessage` out.

The text comes from the theme's `email/letter.txt` and `email/letter.html` (looked up like the
pages' templates, so a project overrides them the same way), with the UI strings of the
recipient's language. The HTML part is autoescaped; the plain-text part is not (it is not
HTML), and headers are built with the `email` package's own types, which refuse line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import jinja2

from generator import urls
from generator.model import Award, Badge, Site
from generator.notify.built import BakedImage
from generator.pages import Language, linkedin_prefix, linkedin_url
from generator.theme import Theme

TEXT_TEMPLATE = "email/letter.txt"
HTML_TEMPLATE = "email/letter.html"


@dataclass(frozen=True)
class Sender:
    address: str
    name: str
    reply_to: str | None = None


@dataclass(frozen=True)
class LetterTemplates:
    text: jinja2.Template
    html: jinja2.Template


def letter_templates(theme: Theme) -> LetterTemplates:
    """The theme's letter templates: HTML escaped, plain text as written."""
    env = theme.env.overlay(
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False)
    )
    return LetterTemplates(env.get_template(TEXT_TEMPLATE), env.get_template(HTML_TEMPLATE))


def message_id(award_id: str, kind: str, base_url: str) -> str:
    """The same Message-ID for the same message, on any machine: a resend is recognisable."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"<{award_id}.{kind}@{host}>"


def letter_language(site: Site, award: Award) -> str:
    return award.spec.recipient.language or site.language


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def letter_view(
    site: Site,
    badge: Badge,
    award: Award,
    language: Language,
    image: BakedImage,
    credentials: bool,
    now: datetime,
) -> dict[str, Any]:
    """What the letter templates show of one award, in one language."""
    expired = award.expires is not None and award.expires <= now
    cat = language.catalogue
    text = badge.text(language.code)
    issued = award.issued_on.astimezone(site.timezone)
    expires = award.expires.astimezone(site.timezone) if award.expires else None
    page_url = urls.absolute(site.base_url, language.prefix + urls.award_page(award.id))
    return {
        "recipient_name": award.spec.recipient.name,
        "badge_name": _one_line(text.name),
        "badge_description": text.description.strip(),
        "issuer_name": site.issuer.name,
        "issuer_url": site.issuer.url,
        "issued_on_text": cat.date(issued),
        "expires_text": cat.date(expires) if expires else None,
        "page_url": page_url,
        "criteria_url": urls.absolute(
            site.base_url, language.prefix + urls.criteria_page(badge.slug)
        ),
        "assertion_url": urls.absolute(site.base_url, urls.assertion_json(award.id)),
        "credential_url": (
            urls.absolute(site.base_url, urls.credential_json(award.id)) if credentials else None
        ),
        # An expired award is no certification to add to a profile any more.
        "linkedin_url": (
            None
            if expired
            else linkedin_url(linkedin_prefix(site, text.name), award.id, issued, expires, page_url)
        ),
        "evidence": [{"url": e.url, "name": e.name} for e in award.spec.evidence if e.url],
        "attachment_name": image.filename,
    }


def recipient_address(award: Award) -> Address:
    """The recipient as a To: address; ValueError when their email cannot be one.

    The content accepts some emails that are not valid addresses (it only hashes them), and
    the `email` package refuses those, or non-ASCII local parts, with a ValueError.
    """
    recipient = award.spec.recipient
    if recipient.email is None:
        raise ValueError("the recipient has no email (a pre-hashed identity)")
    address = Address(display_name=_one_line(recipient.name or ""), addr_spec=recipient.email)
    if not address.addr_spec.isascii() or address.addr_spec != recipient.email:
        raise ValueError(f"{recipient.email!r} cannot be written as an email address")
    return address


def compose(
    site: Site,
    badge: Badge,
    award: Award,
    *,
    kind: str,
    language: Language,
    templates: LetterTemplates,
    image: BakedImage,
    sender: Sender,
    now: datetime,
    credentials: bool = False,
) -> EmailMessage:
    """The letter to the recipient of `award`, with its baked image attached."""
    to = recipient_address(award)
    cat = language.catalogue
    view = letter_view(site, badge, award, language, image, credentials, now)
    subject = _one_line(cat.t("email_subject", issuer=site.issuer.name, badge=view["badge_name"]))
    context = {"letter": view, "subject": subject, "lang": language.code, "t": cat.t}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=_one_line(sender.name), addr_spec=sender.address)
    message["To"] = to
    if sender.reply_to:
        message["Reply-To"] = Address(addr_spec=sender.reply_to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(award.id, kind, site.base_url)
    # Tells mail servers and people's auto-replies that a program sent it (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(templates.text.render(context))
    message.add_alternative(templates.html.render(context), subtype="html")
    subtype = "png" if image.kind == "png" else "svg+xml"
    message.add_attachment(image.data, maintype="image", subtype=subtype, filename=image.filename)
    # After the parts are made: making them moves Content-* headers into the first part.
    message["Content-Language"] = language.code
    return message
