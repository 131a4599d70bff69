"""The pages people read: what each page shows, in which language, with which theme."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator import pages
from generator.build import BuildOptions, build
from generator.content import load_model
from generator.errors import InsigneError
from generator.i18n import LOCALES_DIR, Catalogue
from generator.model import Award
from generator.verifypage import VERIFY_PAGE
from tests.harness import repo_root
from tests.pagecheck import parse_page

BASE = "http://127.0.0.1:8000/"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
THEME_TEMPLATES = repo_root() / "themes" / "default" / "templates"

STATES_AWARDS = """\
badge: gestion-de-projet
issued_on: 2020-03-01
recipients:
  - email: expired.person@example.org
    name: Expired Person
    public: true
    expires: 2022-03-01
  - email: revoked.person@example.org
    name: Revoked Person
    public: true
    revoked:
      fr: Les preuves montraient le projet de quelqu'un d'autre.
      en: Evidence turned out to be someone else's project.
  - email: future.expiry@example.org
    expires: 2030-01-01
    narrative: Ran the **compost** project.
"""


def make_project(tmp_path: Path, name: str = "project") -> Path:
    root = tmp_path / name
    shutil.copytree(repo_root() / "content", root / "content")
    return root


def build_project(root: Path, now: datetime = NOW, base: str = BASE) -> Path:
    output = root / "output"
    build(BuildOptions(content_dir=root / "content", output_dir=output, base_url=base, now=now))
    return output


def read(output: Path, rel: str) -> str:
    return (output / rel).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = make_project(tmp_path_factory.mktemp("pages"))
    (root / "content" / "awards" / "2020-states.yaml").write_text(STATES_AWARDS, "utf-8")
    return root, build_project(root)


def test_home_shows_issuer_and_badge_cards(example: tuple[Path, Path]) -> None:
    _, output = example
    home = parse_page(read(output, "index.html"))
    assert home.lang == "fr"
    assert "PING est une association nantaise" in home.text
    assert ("a", "badges/echofablab.html") in home.links
    assert ("a", "badges/gestion-de-projet.html") in home.links
    assert ("img", "badges/echofablab.png") in home.links
    assert ("img", "issuer.png") in home.links
    assert "Nos badges" in home.text
    english = parse_page(read(output, "en/index.html"))
    assert english.lang == "en"
    assert "Our badges" in english.text and "echofablab experience" in english.text
    assert ("a", "../index.html") in english.links  # the French home, by the switcher
    assert ("a", "../en/badges/echofablab.html") in english.links


def test_criteria_page(example: tuple[Path, Path]) -> None:
    _, output = example
    page = read(output, "badges/gestion-de-projet.html")
    facts = parse_page(page)
    assert "<strong>coordonné un projet collectif</strong>" in page
    assert "gestion de projet" in facts.text and "coopération" in facts.text
    esco = "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388"
    assert ("a", esco) in facts.links
    assert "Gérer et planifier diverses ressources" in facts.text
    assert "Ce service utilise la classification ESCO de la Commission européenne." in facts.text
    assert "Valable 10 ans à compter de son attribution." in facts.text
    # Camille (2018), Thomas (2018), Expired Person and the future-expiry award: 4; the
    # revoked one does not count.
    assert "Attribué 4 fois." in facts.text
    earners = re.findall(r'<ul class="earners">(.*?)</ul>', page, re.S)[0]
    assert "Camille Martin" in earners and "Expired Person" in earners
    assert "Revoked Person" not in earners
    assert "Jérôme" not in read(output, "badges/echofablab.html")  # named, but not public
    assert ("link", "../badges/gestion-de-projet.json") in facts.links
    # No network shows an SVG in a link preview: a PNG made from it.
    assert facts.meta["og:image"] == BASE + "previews/badges/gestion-de-projet.png"


def _award(root: Path, email: str, badge: str) -> Award:
    """An award as published; call after a build, which records new ids in the ledger."""
    model = load_model(root / "content", BASE, NOW, False).model
    return next(a for a in model.awards if a.spec.recipient.email == email and a.badge == badge)


def test_award_page_of_a_public_recipient(example: tuple[Path, Path]) -> None:
    root, output = example
    award = _award(root, "camille.martin@example.org", "echofablab")
    page = read(output, f"awards/{award.id}.html")
    facts = parse_page(page)
    assert "Camille Martin" in facts.text
    assert "Expérience echofablab" in facts.text
    assert "15 septembre 2017" in facts.text
    assert "Valide" in facts.text
    assert ("a", "../badges/echofablab.html") in facts.links
    assert ("a", f"../assertions/{award.id}.png") in facts.links
    assert ("link", f"../assertions/{award.id}.json") in facts.links
    assert re.search(
        rf'<link rel="alternate" type="application/ld\+json" href="../assertions/{award.id}.json">',
        page,
    )
    assert ("a", "https://medium.com/echofablab") in facts.links
    assert "Open Badge Passport" in facts.text and "Canvas Credentials" in facts.text
    assert f"{BASE}assertions/{award.id}.json" in facts.text  # to paste into a backpack
    assert facts.meta["og:image"] == BASE + "previews/badges/echofablab.png"
    assert facts.meta["og:url"] == f"{BASE}awards/{award.id}.html"
    assert facts.meta["twitter:card"] == "summary_large_image"


def test_award_page_hides_names_not_public(example: tuple[Path, Path]) -> None:
    root, output = example
    award = _award(root, "jerome.leclerc@example.org", "echofablab")
    for rel in (f"awards/{award.id}.html", f"en/awards/{award.id}.html"):
        page = read(output, rel)
        assert "Jérôme" not in page and "Leclerc" not in page
        assert "jerome" not in page.lower()
    # Not being named is the default, not the recipient's choice: the page does not say it was.
    french = parse_page(read(output, f"awards/{award.id}.html")).text
    assert "n'est pas nommée sur cette page" in french and "choisi" not in french
    english = parse_page(read(output, f"en/awards/{award.id}.html")).text
    assert "not named on this page" in english and "chose" not in english


def test_linkedin_link_parameters(example: tuple[Path, Path]) -> None:
    root, output = example
    award = _award(root, "camille.martin@example.org", "echofablab")
    facts = parse_page(read(output, f"en/awards/{award.id}.html"))
    (link,) = [url for tag, url in facts.links if "linkedin.com/profile/add" in url]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "echofablab experience",
        "organizationName": "PING – Association Ping",
        "issueYear": "2017",
        "issueMonth": "9",
        "certUrl": f"{BASE}en/awards/{award.id}.html",
        "certId": award.id,
    }


def test_linkedin_organization_id_and_expiry(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8") + 'linkedin:\n  organization_id: "4242"\n', "utf-8")
    output = build_project(root)
    award = _award(root, "camille.martin@example.org", "gestion-de-projet")
    facts = parse_page(read(output, f"awards/{award.id}.html"))
    (link,) = [url for tag, url in facts.links if "linkedin.com/profile/add" in url]
    params = parse_qs(urlsplit(link).query)
    assert params["organizationId"] == ["4242"] and "organizationName" not in params
    assert params["name"] == ["Gestion de projet collaboratif"]
    # The badge expires after 10 years.
    assert params["expirationYear"] == ["2028"] and params["expirationMonth"] == ["6"]


def test_expired_and_revoked_awards_say_so_plainly(example: tuple[Path, Path]) -> None:
    root, output = example
    expired = _award(root, "expired.person@example.org", "gestion-de-projet")
    revoked = _award(root, "revoked.person@example.org", "gestion-de-projet")
    valid = _award(root, "future.expiry@example.org", "gestion-de-projet")

    facts = parse_page(read(output, f"awards/{expired.id}.html"))
    assert "Ce badge a expiré le 1er mars 2022." in facts.text
    assert "Expired Person" in facts.text
    english = parse_page(read(output, f"en/awards/{expired.id}.html"))
    assert "This badge expired on 1 March 2022." in english.text

    page = read(output, f"awards/{revoked.id}.html")
    facts = parse_page(page)
    assert "Révoqué Ce badge a été retiré" in facts.text
    # The reason in the page's language; the published assertion keeps the default one.
    assert "Motif : Les preuves montraient le projet de quelqu'un d'autre." in facts.text
    english = parse_page(read(output, f"en/awards/{revoked.id}.html"))
    assert "Reason: Evidence turned out to be someone else's project." in english.text
    assert "Les preuves" not in english.text
    assertion = json.loads(read(output, f"assertions/{revoked.id}.json"))
    assert assertion["revocationReason"].startswith("Les preuves montraient")
    assert not any(url.endswith((".png", ".svg")) and "assertions" in url for _, url in facts.links)
    assert "linkedin.com" not in page

    facts = parse_page(read(output, f"awards/{valid.id}.html"))
    assert "Valide" in facts.text and "Expire le" in facts.text and "expiré" not in facts.text
    assert "<strong>compost</strong>" in read(output, f"awards/{valid.id}.html")
    # The status banner says when it was checked: the build's day, in the site's time zone.
    assert "État vérifié le 1er janvier 2026" in facts.text
    # An expired badge is nothing to add to a LinkedIn profile; a valid one is.
    assert "linkedin.com/profile/add" not in read(output, f"awards/{expired.id}.html")
    assert "linkedin.com/profile/add" in read(output, f"awards/{valid.id}.html")


def test_expiry_is_judged_against_the_build_clock(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "content" / "awards" / "2020-states.yaml").write_text(STATES_AWARDS, "utf-8")
    before = build_project(root, now=datetime(2021, 1, 1, tzinfo=UTC))
    award = _award(root, "expired.person@example.org", "gestion-de-projet")  # in the ledger now
    text = parse_page(read(before, f"awards/{award.id}.html")).text
    assert "Valide" in text and "a expiré" not in text
    after = build_project(root, now=datetime(2022, 3, 2, tzinfo=UTC))
    assert "a expiré" in parse_page(read(after, f"awards/{award.id}.html")).text


def test_builds_are_reproducible(tmp_path: Path) -> None:
    one = build_project(make_project(tmp_path, "one"))
    two = build_project(make_project(tmp_path, "two"))
    pages_one = {p.relative_to(one).as_posix(): p.read_bytes() for p in one.rglob("*.html")}
    pages_two = {p.relative_to(two).as_posix(): p.read_bytes() for p in two.rglob("*.html")}
    assert pages_one == pages_two


def test_translations_and_language_switcher(example: tuple[Path, Path]) -> None:
    root, output = example
    english = read(output, "en/badges/echofablab.html")
    facts = parse_page(english)
    assert "echofablab experience" in facts.text
    assert "taken part in at least one stage of the journey" in facts.text
    assert "Criteria" in facts.text
    # Tags come from the translation's own `tags:` (English pages showed French ones).
    chips = re.findall(r'<li class="chip"[^>]*>([^<]*)</li>', english)
    assert chips == ["fablab", "ecology", "documentation", "making together"]
    french = read(output, "badges/echofablab.html")
    french_chips = re.findall(r'<li class="chip"[^>]*>([^<]*)</li>', french)
    assert "écologie" in french_chips
    assert (
        '<link rel="alternate" hreflang="fr" href="http://127.0.0.1:8000/badges/echofablab.html">'
        in english
    )
    assert (
        '<link rel="alternate" hreflang="en" href="http://127.0.0.1:8000/en/badges/echofablab.html">'
        in english
    )
    assert ("a", "../../badges/echofablab.html") in facts.links
    # Not translated: shown in French, marked as such, and said so in English.
    untranslated = read(output, "en/badges/gestion-de-projet.html")
    assert '<article class="badge" lang="fr">' in untranslated
    assert "not translated yet" in untranslated
    # The BadgeClass keeps the default language's text.
    badge_class = json.loads(read(output, "badges/echofablab.json"))
    assert badge_class["name"] == "Expérience echofablab"
    assert badge_class["criteria"]["id"] == BASE + "badges/echofablab.html"
    assert parse_page(read(output, "en/404.html")).lang == "en"
    assert "Page not found" in read(output, "en/404.html")
    assert not (output / "en" / "badges" / "echofablab.json").exists()


def test_single_language_site_has_no_switcher(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    site = root / "content" / "site.yaml"
    site.write_text(re.sub(r"(?m)^languages:.*\n", "", site.read_text("utf-8")), "utf-8")
    (root / "content" / "badges" / "echofablab.en.md").unlink()
    output = build_project(root)
    assert not (output / "en").exists()
    home = read(output, "index.html")
    assert "hreflang" not in home and 'class="languages"' not in home


def test_site_language_picks_the_catalogue(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    site = root / "content" / "site.yaml"
    text = re.sub(r"(?m)^languages:.*\n", "", site.read_text("utf-8"))
    site.write_text(text.replace("language: fr", "language: en"), "utf-8")
    (root / "content" / "badges" / "echofablab.en.md").unlink()
    output = build_project(root)
    facts = parse_page(read(output, "badges/gestion-de-projet.html"))
    assert facts.lang == "en"
    assert (
        "Criteria" in facts.text and "Valid for 10 years from the day it is awarded." in facts.text
    )
    assert "Critères" not in facts.text.replace("Critères :", "")  # only the content's own word


def test_catalogues_cover_every_key_the_templates_use() -> None:
    english = json.loads((LOCALES_DIR / "en.json").read_text("utf-8"))
    french = json.loads((LOCALES_DIR / "fr.json").read_text("utf-8"))
    assert set(english) == set(french)
    used: set[str] = set()
    for template in THEME_TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\btn?\(\s*["']([a-z_]+)["']""", template.read_text("utf-8")))
    assert used, "the regex found no t() call: it is broken"
    assert used <= set(english), used - set(english)
    # No UI text hides in templates: outside tags and {{ }}/{% %}, only punctuation remains.
    for template in THEME_TEMPLATES.glob("*.html"):
        source = template.read_text("utf-8")
        stripped = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}|<[^>]*>", " ", source, flags=re.S)
        assert not re.search(r"[A-Za-zÀ-ÿ]{3,}", stripped), (template.name, stripped)


def test_plurals_and_dates() -> None:
    fr, en, fr_be = Catalogue("fr"), Catalogue("en"), Catalogue("fr-BE")
    assert fr.tn("unit_years", 1) == "1 an" and fr.tn("unit_years", 2) == "2 ans"
    assert en.tn("unit_days", 0) == "0 days" and fr.tn("unit_days", 0) == "0 jour"
    assert fr.date(datetime(2017, 9, 15)) == "15 septembre 2017"
    assert fr.date(datetime(2022, 3, 1)) == "1er mars 2022"
    assert en.date(datetime(2022, 3, 1)) == "1 March 2022"
    assert fr_be.t("nav_issuer") == "Émetteur"  # a regional tag falls back to its language
    german = Catalogue("de")  # no catalogue: English strings, and the tag as its name
    assert german.t("nav_issuer") == "Issuer" and german.language_name == "de"
    with pytest.raises(InsigneError, match="no catalogue for 'fr' defines"):
        fr.t("no_such_key")
    with pytest.raises(InsigneError, match="placeholder"):
        fr.t("footer_issued_by", wrong="x")


def test_project_theme_overrides_single_templates_static_files_and_strings(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path)
    theme = root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "locales").mkdir()
    (theme / "templates" / "badge.html").write_text(
        '{% extends "default/badge.html" %}\n'
        '{% block main %}<p class="mine">{{ badge.slug }}</p>{{ super() }}{% endblock %}\n',
        "utf-8",
    )
    (theme / "static" / "style.css").write_text("body { color: rebeccapurple; }\n", "utf-8")
    (theme / "static" / "extra.txt").write_text("mine\n", "utf-8")
    (theme / "locales" / "fr.json").write_text('{"nav_home": "Tous les badges"}', "utf-8")
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8") + "theme: mine\n", "utf-8")
    output = build_project(root)
    criteria = read(output, "badges/echofablab.html")
    assert '<p class="mine">echofablab</p>' in criteria
    assert "<h1>Expérience echofablab</h1>" in criteria  # the shipped template, extended
    assert "Tous les badges" in criteria and "Tous les badges" in read(output, "index.html")
    assert 'class="mine"' not in read(output, "index.html")  # other templates: the default
    assert read(output, "static/style.css") == "body { color: rebeccapurple; }\n"
    assert read(output, "static/extra.txt") == "mine\n"
    assert "Badges" in parse_page(read(output, "en/index.html")).text  # English untouched


def test_compiled_templates_kept_between_builds_follow_strings_and_sources(
    tmp_path: Path,
) -> None:
    # Strings are compiled into a language's templates: a cached compilation must not outlive
    # a change to them, nor to a template's source.
    root = make_project(tmp_path)
    theme = root / "themes" / "default"
    (theme / "locales").mkdir(parents=True)
    (theme / "templates").mkdir()
    strings = theme / "locales" / "fr.json"
    strings.write_text('{"not_found_title": "Perdu"}', "utf-8")
    output = build_project(root)
    assert "<h1>Perdu</h1>" in read(output, "404.html")
    cache = root / ".output.insigne-templates"
    compiled = {p.name for p in cache.iterdir()}
    assert compiled and all(name.endswith(".jinja") for name in compiled)

    strings.write_text('{"not_found_title": "Égaré"}', "utf-8")
    output = build_project(root)
    assert "<h1>Égaré</h1>" in read(output, "404.html")
    template = theme / "templates" / "404.html"
    template.write_text(
        (repo_root() / "themes" / "default" / "templates" / "404.html")
        .read_text("utf-8")
        .replace("<h1>", '<h1 class="lost">'),
        "utf-8",
    )
    output = build_project(root)
    assert '<h1 class="lost">Égaré</h1>' in read(output, "404.html")
    # Unchanged templates came from the cache: their compiled files are the first build's.
    assert compiled & {p.name for p in cache.iterdir()}


def test_compiled_templates_unused_for_a_week_are_removed(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    build_project(root)
    cache = root / ".output.insigne-templates"
    used = sorted(cache.iterdir())
    assert used
    stale = cache / ("0" * 64 + ".jinja")  # what an older Insigne would have left
    stale.write_bytes(b"old")
    days_ago = time.time() - 3 * 24 * 3600
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(stale, (week_ago, week_ago))
    for path in used:
        os.utime(path, (days_ago, days_ago))
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("title: ", "title: Nouveau – ", 1), "utf-8")
    build_project(root)  # a new title: every page renders again, from the cached templates
    assert not stale.exists()
    # Each compiled template used was touched, so it stays while builds use it.
    assert all(path.stat().st_mtime > days_ago + 3600 for path in used)


def test_pages_have_landmarks_ordered_headings_and_alt_text(example: tuple[Path, Path]) -> None:
    _, output = example
    for page in output.rglob("*.html"):
        rel = page.relative_to(output).as_posix()
        facts = parse_page(page.read_text("utf-8"))
        assert facts.errors == [], rel
        assert facts.images_without_alt == 0, rel
        assert {"header", "nav", "main", "footer"} <= set(facts.tags), rel
        assert facts.headings.count(1) == 1 and facts.headings[0] == 1, rel
        for before, after in zip(facts.headings, facts.headings[1:], strict=False):
            assert after <= before + 1, (rel, facts.headings)
        assert facts.lang in ("fr", "en"), rel


def test_markdown_is_rendered_once_per_text_not_per_award(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Award pages stay cheap: criteria are rendered once per badge and language, and an award
    costs Markdown work only when it has a narrative."""
    root = make_project(tmp_path)
    lines = ["badge: echofablab", "issued_on: 2019-01-01", "recipients:"]
    lines += [f"  - person{i}@example.org" for i in range(300)]
    lines += ["  - email: storyteller@example.org", "    narrative: Told *the* story."]
    (root / "content" / "awards" / "many.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    rendered: list[str] = []
    original = pages.render_markdown

    def counting(text: str) -> str:
        rendered.append(text)
        return original(text)

    monkeypatch.setattr(pages, "render_markdown", counting)
    output = build_project(root)
    # 3 criteria texts (2 badges in French, echofablab in English) + 2 narratives (the example's
    # and the storyteller's); 307 awards in 2 languages render none.
    assert len(rendered) == 5, rendered
    assert len(list((output / "en" / "awards").glob("*.html"))) == 307


@pytest.mark.slow
def test_multilingual_badgeclass_says_its_language_and_stays_valid(served_example: Any) -> None:
    from tests.harness import error_texts, validate_ob2

    base = served_example.url
    output = served_example.project.output
    badge_class = json.loads(read(output, "badges/echofablab.json"))
    assert badge_class["@language"] == "fr" and badge_class["name"] == "Expérience echofablab"
    model = load_model(served_example.project.content, base, None, True).model
    award = next(a for a in model.awards if a.spec.recipient.email == "camille.martin@example.org")
    (report,) = validate_ob2([f"{base}assertions/{award.id}.json"], "camille.martin@example.org")
    assert report["valid"], error_texts(report)


def test_interface_strings_are_compiled_into_each_language(tmp_path: Path) -> None:
    """`t("key")` becomes constant text per language; calls with values or a variable key
    still work, and a method named `t` on some object is left alone."""
    from generator.theme import Theme

    theme_dir = tmp_path / "themes" / "probe" / "templates"
    theme_dir.mkdir(parents=True)
    (theme_dir / "probe.html").write_text(
        '{{ t("nav_issuer") }}|{{ t(key) }}|{{ t("footer_issued_by", issuer="<b>") }}|'
        '{{ obj.t("x") }}',
        "utf-8",
    )
    theme = Theme(tmp_path, "probe")
    french, english = Catalogue("fr"), Catalogue("en")
    looked_up: list[str] = []

    class Obj:
        def t(self, key: str) -> str:
            looked_up.append(key)
            return key.upper()

    for catalogue, expected in (
        (french, "Émetteur|Badges|Open Badges délivrés par &lt;b&gt;.|X"),
        (english, "Issuer|Badges|Open Badges issued by &lt;b&gt;.|X"),
    ):
        template = theme.template("probe.html", catalogue)
        html = template.render(t=catalogue.t, key="nav_home", obj=Obj())
        assert html == expected
    assert looked_up == ["x", "x"]
    # Folded at compile time: the render-time `t` is never asked for "nav_issuer".
    asked: list[str] = []

    def spying_t(key: str, **values: object) -> str:
        asked.append(key)
        return french.t(key, **values)

    theme.template("probe.html", french).render(t=spying_t, key="nav_home", obj=Obj())
    assert asked == ["nav_home", "footer_issued_by"]


def test_a_template_asking_for_an_unknown_string_is_a_clear_error(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    root = make_project(tmp_path)
    templates = root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "404.html").write_text('{{ t("no_such_string") }}\n', "utf-8")
    result = run_cli("build", "--content", root / "content", "--output", root / "output")
    assert result.code == 1
    assert "'no_such_string'" in result.err and "locales/fr.json" in result.err
    assert "Traceback" not in result.err
    assert not (root / "output").exists()


def test_award_page_key_covers_what_the_shipped_award_page_shows_of_its_badge() -> None:
    # An award page is kept unrendered while its badge's AWARD_PAGE_BADGE_FIELDS are unchanged:
    # the shipped templates must use no other field of the badge, nor the badge as a whole.
    import jinja2
    from jinja2 import nodes

    env = jinja2.Environment()
    templates = repo_root() / "themes" / "default" / "templates"
    used: set[str] = set()
    for name in ("award.html", "base.html"):
        tree = env.parse((templates / name).read_text("utf-8"))
        names = [n for n in tree.find_all(nodes.Name) if n.name == "badge"]
        fields = [
            g.attr
            for g in tree.find_all(nodes.Getattr)
            if isinstance(g.node, nodes.Name) and g.node.name == "badge"
        ]
        assert len(fields) == len(names), f"{name} uses the badge other than by its fields"
        used.update(fields)
    assert "name" in used  # the walk found the fields
    assert used <= set(pages.AWARD_PAGE_BADGE_FIELDS)


def test_criteria_markdown_has_tables_and_sane_lists() -> None:
    from generator.markdown_render import render_markdown

    table = render_markdown("| Étape | Durée |\n|---|---|\n| Atelier | 2 h |\n")
    assert "<th>Étape</th>" in table and "<td>2 h</td>" in table
    # Sane lists: a bullet after a numbered item starts a list of its own.
    lists = render_markdown("1. Réparer\n\n* Documenter\n")
    assert "<ol>\n<li>Réparer</li>\n</ol>" in lists and "<ul>\n<li>Documenter</li>" in lists


def test_award_page_certifies_shares_and_links_the_verifier(example: tuple[Path, Path]) -> None:
    root, output = example
    award = _award(root, "camille.martin@example.org", "echofablab")
    page = read(output, f"en/awards/{award.id}.html")
    facts = parse_page(page)
    page_url = f"{BASE}en/awards/{award.id}.html"
    # What it certifies: the criteria's first paragraph, in plain text, and the skills as chips.
    assert "This badge recognises the people who took part in the echofablab experience" in (
        facts.text
    )
    assert re.findall(r'<li class="chip"[^>]*>([^<]*)</li>', page)[:2] == ["fablab", "ecology"]
    # Plain share links, no script of theirs; the mail is written in the page's language.
    shares = {urlsplit(url).netloc or urlsplit(url).scheme: url for _, url in facts.links}
    mail = parse_qs(urlsplit(shares["mailto"]).query)
    assert mail["subject"] == ["My badge: echofablab experience"]
    assert page_url in mail["body"][0]
    assert parse_qs(urlsplit(shares["www.facebook.com"]).query)["u"] == [page_url]
    assert parse_qs(urlsplit(shares["x.com"]).query)["url"] == [page_url]
    assert f'value="{page_url}"' in page  # the address to copy, selectable without script
    assert '<script src="../../static/award.js" defer></script>' in page
    assert "<script>" not in page and "onclick" not in page
    # The browser verifier, with this award filled in, relative to the language's root.
    verify = (
        f"../../en/{VERIFY_PAGE}?url={BASE.replace(':', '%3A').replace('/', '%2F')}assertions%2F"
    )
    assert ("a", f"{verify}{award.id}.json") in facts.links

    # Plain words in the main text; the Open Badges jargon only in the technical part.
    def words(html: str) -> str:  # the main text, before the technical part, without URLs
        text = parse_page(html.split('id="verify-heading"')[0]).text
        return re.sub(r"https?://\S+", "", text)

    english = words(page).replace("wallets and backpacks", "")
    for word in ("assertion", "Assertion", "baked", "backpack"):
        assert word not in english, word
    french = words(read(output, f"awards/{award.id}.html"))
    for word in ("cuit", "sac à badges", "ssertion"):
        assert word not in french, word


def test_criteria_summary_is_the_first_paragraph_cut_at_a_word() -> None:
    assert pages.criteria_summary("<p>Short &amp; <strong>sweet</strong>.</p><p>More</p>") == (
        "Short & sweet."
    )
    long = "<p>" + "word " * 100 + "</p>"
    summary = pages.criteria_summary(long)
    assert summary.endswith("word…") and len(summary) <= pages.SUMMARY_LENGTH + 1
    assert pages.criteria_summary("<ol><li>First step</li></ol>") == "First step"
    assert pages.criteria_summary("") == ""


def test_every_page_with_expired_and_revoked_awards_parses_strictly(
    example: tuple[Path, Path],
) -> None:
    from tests.test_links import strict_parse_errors

    _, output = example
    pages = sorted(output.rglob("*.html"))
    # Home, issuer, verify, 2 criteria, 9 awards (3 more: expired, revoked, expiring), 404.
    assert len(pages) == 2 * (1 + 1 + 1 + 2 + 9 + 1)
    errors = {
        p.relative_to(output).as_posix(): error
        for p in pages
        if (error := strict_parse_errors(p.read_text("utf-8")))
    }
    assert errors == {}
