"""Find the awards a deployed site publishes, over HTTP, with the standard library only.

A site does not list all its awards: award pages of recipients who did not ask to be listed are
linked from nowhere. What can be found is found: the pages reachable from the home page (within
the site's base URL), the ids in their links (award pages, assertions, baked images,
credentials) and the revoked assertions in `revocations.json`. Anything else must be named by
the caller (an assertion URL from a recipient, a backpack, the host's file listing).
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin

from generator import urls
from generator.names import AWARD_ID_ALPHABET, AWARD_ID_LENGTH

MAX_PAGES = 5000
MAX_BYTES = 8 * 2**20
TIMEOUT = 20.0
_USER_AGENT = "insigne-ledger-recover"
# An award id in a published path: awards/<id>.html (any language), assertions/<id>.<ext>,
# credentials/<id>.<ext>.
_ID = f"[{AWARD_ID_ALPHABET}]{{{AWARD_ID_LENGTH}}}"
_AWARD_PATH = re.compile(
    rf"(?:^|/)(?:awards/(?P<page>{_ID})\.html|(?:assertions|credentials)/(?P<doc>{_ID})\.(?:json|png|svg))$"
)
ID_RE = re.compile(_ID)


class FetchError(Exception):
    """A URL could not be read (the message says why)."""


def award_id_in(url: str) -> str | None:
    """The award id a published URL (or a bare id) names, else None."""
    if ID_RE.fullmatch(url):
        return url
    found = _AWARD_PATH.search(urldefrag(url)[0].split("?", 1)[0])
    return (found.group("page") or found.group("doc")) if found else None


def fetch(url: str) -> bytes | None:
    """The body at `url`; None for a 404 or 410 (nothing there). Raises FetchError otherwise."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url}: not an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http(s) only)
            body: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise FetchError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{url}: {reason}") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES // 2**20} MiB")
    return body


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def crawl(base_url: str, max_pages: int = MAX_PAGES) -> tuple[set[str], list[str]]:
    """The award ids found on the site at `base_url`, and notes on what could not be read."""
    ids: set[str] = set()
    notes: list[str] = []
    queue = deque([base_url])
    seen = {base_url}
    pages = 0
    while queue and pages < max_pages:
        url = queue.popleft()
        pages += 1
        try:
            body = fetch(url)
        except FetchError as exc:
            notes.append(str(exc))
            continue
        if body is None:
            continue
        parser = _Links()
        # html.parser gives up on some malformed markup: the links before it are kept.
        with contextlib.suppress(AssertionError):
            parser.feed(body.decode("utf-8", "replace"))
        for link in parser.links:
            target = urldefrag(urljoin(url, link))[0]
            if not target.startswith(base_url):
                continue
            found = award_id_in(target)
            if found is not None:
                ids.add(found)
            elif (target.endswith((".html", "/"))) and target not in seen:
                seen.add(target)
                queue.append(target)
    if queue:
        notes.append(
            f"stopped after {max_pages} pages; awards linked only from later pages are missed"
        )
    ids |= _revoked_ids(base_url, notes)
    return ids, notes


def _revoked_ids(base_url: str, notes: list[str]) -> set[str]:
    """The ids of the revoked assertions the site lists (all of them: the list is complete)."""
    url = base_url + urls.REVOCATIONS_JSON
    try:
        body = fetch(url)
        data = json.loads(body) if body is not None else {}
    except FetchError as exc:
        notes.append(str(exc))
        return set()
    except ValueError:
        notes.append(f"{url}: not JSON")
        return set()
    found: set[str] = set()
    listed = data.get("revokedAssertions") if isinstance(data, dict) else None
    for item in listed if isinstance(listed, list) else []:
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, str) and value.startswith(base_url):
            award_id = award_id_in(value)
            if award_id is not None:
                found.add(award_id)
    return found
