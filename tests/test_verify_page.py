"""The verify page (`verify/index.html`) in a real Chromium, on sites served on 127.0.0.1.

Each verdict is reached the way an employer would reach it: an award's URL, a baked PNG or SVG
given to the file input the drop zone feeds, the recipient's email right or wrong, a revoked
and an expired award, a copy of an assertion served elsewhere, a credential with one word
changed, a 404, a PNG that is no badge. On the same inputs, the 1EdTech validator (Open Badges
2.0) and Digital Bazaar's verifier (Open Badges 3.0) must reach the same valid/invalid outcome.
A second site lives on a sub-path (`/badges/`), and the shipped bundle must be what
tools/verifier-bundle rebuilds from its lock file, byte for byte.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from generator import urls
from generator.baking import bake_png, bake_svg
from generator.content import load_model
from generator.model import Award
from generator.verifypage import VERIFY_PAGE
from tests.browser_tools import chromium, watched_context
from tests.conftest import EXAMPLE_CONTENT, Project
from tests.harness import StaticServer, repo_root, validate_ob2, validate_ob2_document, verify_ob3

pytestmark = pytest.mark.slow

BUNDLE_DIR = repo_root() / "tools" / "verifier-bundle"
SHIPPED_BUNDLE = repo_root() / "themes" / "default" / "static" / "verify" / "ob3-verifier.js"
EXPIRED_EMAIL = "ancienne@example.org"
REVOKED_EMAIL = "lea.nguyen@example.org"
EXPIRED_AWARD = f"""\
badge: echofablab
issued_on: 2015-03-01
expires: 2016-03-01
recipients:
  - {EXPIRED_EMAIL}
"""
WRONG_EMAIL = "quelquun.dautre@example.org"
DONE = "#verify-result[data-verdict]:not([data-verdict='working'])"


@dataclass
class Site:
    project: Project
    server: StaticServer
    base_url: str
    awards: list[Award]

    def url(self, rel: str) -> str:
        return self.base_url + rel

    def file(self, rel: str) -> Path:
        return self.project.output / rel

    def award(self, email: str | None = None, badge: str = "echofablab") -> Award:
        """An award of `badge`: the one to `email`, else a valid (not revoked, not expired) one."""
        for award in self.awards:
            if award.badge != badge:
                continue
            if email is not None and award.spec.recipient.email == email:
                return award
            if email is None and award.spec.recipient.email not in (EXPIRED_EMAIL, REVOKED_EMAIL):
                return award
        raise AssertionError(f"no award of {badge} to {email}")


def _make_project(root: Path) -> Project:
    """The example, with one award revoked, one expired, and its SVG badge signed (RS256)."""
    project = Project(root)
    shutil.copytree(EXAMPLE_CONTENT, project.content)
    awards = project.content / "awards" / "2017-echofablab.yaml"
    awards.write_text(
        awards.read_text("utf-8").replace(
            f"  - {REVOKED_EMAIL}",
            f'  - email: {REVOKED_EMAIL}\n    revoked: "Attribué par erreur"',
        ),
        "utf-8",
    )
    (project.content / "awards" / "2015-expired.yaml").write_text(EXPIRED_AWARD, "utf-8")
    badge = project.content / "badges" / "gestion-de-projet.md"
    badge.write_text(
        badge.read_text("utf-8").replace("\ntags:", "\nverification: signed\ntags:", 1), "utf-8"
    )
    return project


def _serve(project: Project, server: StaticServer, base_url: str, served_root: Path) -> Site:
    # A preview build (another address than site.yaml's) signs with keys derived from that
    # address: Ed25519 for the Open Badges 3.0 credentials, RSA for the signed 2.0 badge.
    result = project.build("--base-url", base_url)
    assert result.code == 0, result.err
    server.root = served_root
    model = load_model(project.content, base_url).model
    assert (project.output / "credentials").is_dir()
    return Site(project, server, base_url, model.awards)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    project = _make_project(tmp_path_factory.mktemp("verify") / "project")
    with StaticServer() as server:
        yield _serve(project, server, server.url, project.output)


@pytest.fixture(scope="module")
def sub_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same site built for, and served at, http://127.0.0.1:PORT/badges/."""
    top = tmp_path_factory.mktemp("verify-sub")
    project = _make_project(top / "project")
    served = top / "www"
    served.mkdir()
    with StaticServer() as server:
        base_url = server.url + "badges/"
        result = project.build("--base-url", base_url)
        assert result.code == 0, result.err
        # A copy, not a symlink: the test server serves nothing that resolves outside its root.
        shutil.copytree(project.output, served / "badges")
        server.root = served
        model = load_model(project.content, base_url).model
        yield Site(project, server, base_url, model.awards)


@dataclass
class Browser:
    page: Any
    watch: Any
    chrome: Any

    def check(
        self,
        site: Site,
        *,
        url: str | None = None,
        file: Path | None = None,
        email: str | None = None,
        lang_prefix: str = "",
    ) -> str:
        """Open the verify page, give it one input, and return its verdict."""
        self.page.goto(site.url(lang_prefix + VERIFY_PAGE))
        if email:
            self.page.fill("#verify-email", email)
        if url is not None:
            self.page.fill("#verify-url", url)
            self.page.click("#verify-form button[type=submit]")
        if file is not None:
            self.page.set_input_files("#verify-file", str(file))
        self.page.wait_for_selector(DONE, timeout=90_000)
        return str(self.page.get_attribute("#verify-result", "data-verdict"))

    def text(self) -> str:
        return str(self.page.inner_text("#verify-result"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as chrome, watched_context(chrome) as (context, watch):
        page = context.new_page()
        yield Browser(page, watch, chrome)
        # Nothing left the machine, and the page never broke (a 404 the page was asked to
        # fetch shows in the console as a failed load: that one is expected).
        assert watch.refused == []
        assert watch.page_errors == []
        assert [e for e in watch.console_errors if "Failed to load resource" not in e] == []


def _ob2_valid(report: dict[str, Any]) -> bool:
    return bool(report["valid"]) and not report["revoked"] and not report["expired"]


def _ob3_valid(report: dict[str, Any]) -> bool:
    return bool(report["verified"]) and report["revoked"] is not True


def test_hosted_assertions_by_url_agree_with_the_validator(site: Site, browser: Browser) -> None:
    cases = [
        (site.award(), "valid"),
        (site.award(REVOKED_EMAIL), "revoked"),
        (site.award(EXPIRED_EMAIL), "expired"),
    ]
    inputs = [site.url(urls.assertion_json(a.id)) for a, _ in cases]
    # The validator always checks the recipient: each award with its own email.
    reports = [
        validate_ob2([url], str(a.spec.recipient.email))[0]
        for (a, _), url in zip(cases, inputs, strict=True)
    ]
    for (_award, expected), url, report in zip(cases, inputs, reports, strict=True):
        assert browser.check(site, url=url) == expected, browser.text()
        assert _ob2_valid(report) is (expected == "valid"), report
    # The page says why, in the site's language.
    browser.check(site, url=inputs[1])
    assert "Attribué par erreur" in browser.text()


def test_credentials_by_url_agree_with_the_npm_verifier(site: Site, browser: Browser) -> None:
    cases = [
        (site.award(), "valid"),
        (site.award(REVOKED_EMAIL), "revoked"),
        (site.award(EXPIRED_EMAIL), "expired"),
        (site.award(badge="gestion-de-projet"), "valid"),
    ]
    inputs = [site.url(urls.credential_json(a.id)) for a, _ in cases]
    reports = verify_ob3(inputs, site.server.port)
    for (_award, expected), url, report in zip(cases, inputs, reports, strict=True):
        assert browser.check(site, url=url) == expected, browser.text()
        assert _ob3_valid(report) is (expected == "valid"), report
    # An expired credential is genuine: its proof still verifies in the page.
    browser.check(site, url=inputs[2])
    assert "eddsa-rdfc-2022" in browser.text()


def test_right_and_wrong_email(site: Site, browser: Browser) -> None:
    award = site.award()
    email = award.spec.recipient.email
    assert email
    assertion = site.url(urls.assertion_json(award.id))
    credential = site.url(urls.credential_json(award.id))
    [right] = validate_ob2([assertion], email)
    [wrong] = validate_ob2([assertion], WRONG_EMAIL)
    assert browser.check(site, url=assertion, email=email) == "valid"
    assert f"{email}" in browser.text()
    assert _ob2_valid(right)
    # Case and spaces do not matter: the issuer hashed the email lowercased and trimmed.
    assert browser.check(site, url=assertion, email=f"  {email.upper()} ") == "valid"
    assert browser.check(site, url=assertion, email=WRONG_EMAIL) == "email_mismatch"
    assert not _ob2_valid(wrong)
    assert browser.check(site, url=credential, email=email) == "valid"
    assert browser.check(site, url=credential, email=WRONG_EMAIL) == "email_mismatch"


def test_dropped_png_and_svg(site: Site, browser: Browser, tmp_path: Path) -> None:
    png_award = site.award()
    svg_award = site.award(badge="gestion-de-projet")
    email = png_award.spec.recipient.email
    assert email
    png = site.file(urls.baked_image(png_award.id, "png"))
    svg = site.file(urls.baked_image(svg_award.id, "svg"))
    credential_png = site.file(urls.credential_image(png_award.id, "png"))
    credential_svg = site.file(urls.credential_image(svg_award.id, "svg"))
    assert browser.check(site, file=png, email=email) == "valid", browser.text()
    assert "PNG" in browser.text()
    assert browser.check(site, file=png, email=WRONG_EMAIL) == "email_mismatch"
    # The SVG badge is signed: its image carries the RS256 JWS.
    assert browser.check(site, file=svg) == "valid", browser.text()
    assert "RS256" in browser.text()
    assert browser.check(site, file=credential_png, email=email) == "valid", browser.text()
    assert browser.check(site, file=credential_svg) == "valid", browser.text()
    svg_email = svg_award.spec.recipient.email
    assert svg_email
    assert browser.check(site, file=svg, email=svg_email) == "valid", browser.text()
    # A hosted (unsigned) assertion baked into an SVG too.
    hosted = json.loads(site.file(urls.assertion_json(png_award.id)).read_text("utf-8"))
    hosted_svg = tmp_path / "hosted.svg"
    hosted_svg.write_bytes(
        bake_svg(
            site.file(urls.badge_image("gestion-de-projet", "svg")).read_bytes(),
            keyword="assertion",
            verify=hosted["id"],
            payload=json.dumps(hosted),
        )
    )
    assert browser.check(site, file=hosted_svg, email=email) == "valid", browser.text()
    assert "SVG" in browser.text()
    [png_report] = validate_ob2([png], email)
    [svg_report] = validate_ob2([svg], svg_email)
    [hosted_report] = validate_ob2([hosted_svg], email)
    assert _ob2_valid(png_report), png_report
    assert _ob2_valid(svg_report), svg_report
    assert _ob2_valid(hosted_report), hosted_report


def test_signed_assertion_and_a_tampered_jws(site: Site, browser: Browser) -> None:
    award = site.award(badge="gestion-de-projet")
    jws_url = site.url(urls.assertion_jws(award.id))
    assert browser.check(site, url=jws_url) == "valid", browser.text()
    token = site.file(urls.assertion_jws(award.id)).read_text("ascii").strip()
    header, payload, signature = token.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document["issuedOn"] = "2010-01-01T00:00:00+00:00"
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    tampered = f"{header}.{forged}.{signature}"
    (site.project.output / "tampered.jws").write_text(tampered, "ascii")
    assert browser.check(site, url=site.url("tampered.jws")) == "tampered", browser.text()
    report = validate_ob2_document(tampered, "nobody@example.org")
    assert not report["valid"], report


def test_tampered_json_and_credential(site: Site, browser: Browser) -> None:
    award = site.award()
    output = site.project.output
    # A copy of the assertion served at another address, naming another recipient: what a
    # forger could host. Its id still names the issuer's copy, which it does not match.
    assertion = json.loads((output / urls.assertion_json(award.id)).read_text("utf-8"))
    forged = dict(assertion, recipient=dict(assertion["recipient"], identity="sha256$" + "0" * 64))
    copy_path = output / "copies" / "assertion.json"
    copy_path.parent.mkdir(exist_ok=True)
    copy_path.write_text(json.dumps(forged), "utf-8")
    copy_url = site.url("copies/assertion.json")
    assert browser.check(site, url=copy_url) == "tampered", browser.text()
    # The 1EdTech validator sees the same lie but then validates what the id names, the
    # issuer's own copy: valid, with a warning. The page judges the document it was given (a
    # deliberate difference, see docs/verifier-page.md); the origin rule below is where both
    # refuse a copy.
    [report] = validate_ob2([copy_url], str(award.spec.recipient.email))
    warnings = [m["result"] for m in report["messages"] if m.get("messageLevel") == "WARNING"]
    assert any("declared its id as " + assertion["id"] in w for w in warnings), report
    # A credential with one word changed: its proof no longer verifies.
    credential = json.loads((output / urls.credential_json(award.id)).read_text("utf-8"))
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["name"] = "Un autre badge"
    (output / "copies" / "credential.json").write_text(json.dumps(changed), "utf-8")
    credential_url = site.url("copies/credential.json")
    assert browser.check(site, url=credential_url) == "tampered", browser.text()
    [report] = verify_ob3([credential_url], site.server.port)
    assert not _ob3_valid(report), report


def test_baked_image_with_altered_data(site: Site, browser: Browser, tmp_path: Path) -> None:
    """A badge image re-baked with another recipient: it no longer matches the issuer's copy."""
    award = site.award()
    badge_png = site.file(urls.badge_image("echofablab", "png")).read_bytes()
    assertion = json.loads(site.file(urls.assertion_json(award.id)).read_text("utf-8"))
    forged = dict(assertion, recipient=dict(assertion["recipient"], identity="sha256$" + "1" * 64))
    image = tmp_path / "forged.png"
    image.write_bytes(bake_png(badge_png, "openbadges", json.dumps(forged)))
    assert browser.check(site, file=image) == "tampered", browser.text()
    # The genuine image still checks out, and one of a revoked award says revoked.
    genuine = tmp_path / "genuine.png"
    genuine.write_bytes(bake_png(badge_png, "openbadges", json.dumps(assertion)))
    assert browser.check(site, file=genuine) == "valid", browser.text()
    revoked = site.award(REVOKED_EMAIL)
    old = json.loads(site.file(urls.assertion_json(award.id)).read_text("utf-8"))
    old.update(id=site.url(urls.assertion_json(revoked.id)))
    revoked_image = tmp_path / "revoked.png"
    revoked_image.write_bytes(bake_png(badge_png, "openbadges", json.dumps(old)))
    assert browser.check(site, file=revoked_image) == "revoked", browser.text()


def test_missing_and_not_a_badge(site: Site, browser: Browser) -> None:
    missing = site.url("assertions/nothing-here.json")
    assert browser.check(site, url=missing) == "not_found"
    assert "404" in browser.text()
    plain_png = site.file(urls.badge_image("echofablab", "png"))
    assert browser.check(site, file=plain_png) == "not_a_badge", browser.text()
    assert browser.check(site, url=site.url(urls.ISSUER_JSON)) == "not_a_badge"
    reports = validate_ob2([missing, plain_png], "nobody@example.org")
    assert [_ob2_valid(r) for r in reports] == [False, False], reports


def test_award_page_link_opens_the_page_on_that_award_in_its_language(
    site: Site, browser: Browser
) -> None:
    award = site.award()
    for prefix, verdict_text in (("", "Badge valide"), ("en/", "Valid badge")):
        browser.page.goto(site.url(prefix + urls.award_page(award.id)))
        browser.page.click("a.verify-link >> nth=0")
        browser.page.wait_for_selector(DONE, timeout=90_000)
        assert browser.page.get_attribute("#verify-result", "data-verdict") == "valid"
        assert browser.page.input_value("#verify-url") == site.url(urls.assertion_json(award.id))
        assert verdict_text in browser.text()
        assert browser.page.evaluate("document.documentElement.lang") == (prefix[:-1] or "fr")
    # The second link checks the Open Badges 3.0 credential.
    browser.page.goto(site.url(urls.award_page(award.id)))
    browser.page.click("a.verify-link >> nth=1")
    browser.page.wait_for_selector(DONE, timeout=90_000)
    assert browser.page.get_attribute("#verify-result", "data-verdict") == "valid"
    assert browser.page.input_value("#verify-url") == site.url(urls.credential_json(award.id))
    # A signed badge's award page sends the reader to its signed form.
    signed = site.award(badge="gestion-de-projet")
    browser.page.goto(site.url(urls.award_page(signed.id)))
    browser.page.click("a.verify-link >> nth=0")
    browser.page.wait_for_selector(DONE, timeout=90_000)
    assert browser.page.get_attribute("#verify-result", "data-verdict") == "valid"
    assert browser.page.input_value("#verify-url") == site.url(urls.assertion_jws(signed.id))


def test_served_from_a_sub_path(sub_site: Site, browser: Browser) -> None:
    award = sub_site.award()
    assertion = sub_site.url(urls.assertion_json(award.id))
    credential = sub_site.url(urls.credential_json(award.id))
    assert browser.check(sub_site, url=assertion) == "valid", browser.text()
    assert browser.check(sub_site, url=credential) == "valid", browser.text()
    revoked = sub_site.award(REVOKED_EMAIL)
    assert browser.check(sub_site, url=sub_site.url(urls.credential_json(revoked.id))) == (
        "revoked"
    )
    assert browser.check(sub_site, lang_prefix="en/", url=assertion) == "valid"
    [report] = verify_ob3([credential], sub_site.server.port)
    assert _ob3_valid(report), report
    [ob2] = validate_ob2([assertion], str(award.spec.recipient.email))
    assert _ob2_valid(ob2), ob2


def test_the_shipped_bundle_is_what_the_lock_file_rebuilds(tmp_path: Path) -> None:
    if not (BUNDLE_DIR / "node_modules" / "esbuild").is_dir():
        pytest.fail(
            "tools/verifier-bundle/node_modules is missing: run `make test-deps` "
            "(npm ci --prefix tools/verifier-bundle)"
        )
    rebuilt = tmp_path / "ob3-verifier.js"
    done = subprocess.run(
        ["node", str(BUNDLE_DIR / "build.mjs"), str(rebuilt)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert rebuilt.read_bytes() == SHIPPED_BUNDLE.read_bytes(), (
        "themes/default/static/verify/ob3-verifier.js differs from what "
        "tools/verifier-bundle rebuilds: run `node tools/verifier-bundle/build.mjs`"
    )


def test_assertion_hosted_off_the_issuers_origin(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    """A copy of an assertion on another origin, its id rewritten to where it is: the issuer
    never published it there (the 1EdTech validator's origin rule)."""
    award = site.award()
    email = str(award.spec.recipient.email)
    assertion = json.loads(site.file(urls.assertion_json(award.id)).read_text("utf-8"))
    with StaticServer(tmp_path) as elsewhere:
        moved = dict(assertion, id=elsewhere.url + "assertion.json")
        (tmp_path / "assertion.json").write_text(json.dumps(moved), "utf-8")
        url = elsewhere.url + "assertion.json"
        assert browser.check(site, url=url, email=email) == "tampered", browser.text()
        assert f"127.0.0.1:{elsewhere.port}" in browser.text()
        [report] = validate_ob2([url], email)
        assert not _ob2_valid(report), report


def test_the_page_runs_under_a_strict_content_security_policy(site: Site, browser: Browser) -> None:
    """No inline script, no eval, nothing from elsewhere: the page works with a CSP that
    allows only the site itself."""
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'"
    )
    award = site.award()
    with watched_context(browser.chrome) as (context, watch):
        page = context.new_page()

        def with_csp(route: Any) -> None:
            response = route.fetch()
            route.fulfill(
                response=response, headers={**response.headers, "content-security-policy": csp}
            )

        page.route(lambda url: urlsplit(url).path.endswith("/" + VERIFY_PAGE), with_csp)
        for rel in (urls.credential_json(award.id), urls.assertion_json(award.id)):
            page.goto(site.url(VERIFY_PAGE) + "?url=" + quote(site.url(rel), safe=""))
            page.wait_for_selector(DONE, timeout=90_000)
            assert page.get_attribute("#verify-result", "data-verdict") == "valid", page.inner_text(
                "#verify-result"
            )
        assert watch.requests.count(site.url(rel)) >= 1
        assert watch.console_errors == []
        assert watch.page_errors == []
        assert watch.refused == []
