"""Award pages by stencil (generator/stencil.py): the same bytes as Jinja2, for far less work."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import pages
from generator.build import BuildOptions, build
from generator.stencil import StencilSet
from tests.harness import repo_root
from tests.test_pages import STATES_AWARDS

NOW = datetime(2026, 1, 1, tzinfo=UTC)

EVIDENCE_AWARDS = """\
badge: echofablab
issued_on: 2021-05-04
recipients:
  - email: with.evidence@example.org
    name: "Zoé <b>&amp;</b> \\"Élise\\" O'Hara"
    public: true
    evidence:
      - url: https://example.org/projet?a=1&b=<2>
        name: Le projet & ses <notes>
        description: "Un texte avec \\ue000&0\\ue001 dedans"
      - narrative: Une **preuve** sans lien.
  - email: url.only@example.org
    evidence:
      - url: https://example.org/seul
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(repo_root() / "content", root / "content")
    awards = root / "content" / "awards"
    (awards / "2020-states.yaml").write_text(STATES_AWARDS, "utf-8")
    (awards / "2021-evidence.yaml").write_text(EVIDENCE_AWARDS, "utf-8")
    return root


def _build(root: Path) -> Path:
    output = root / "output"
    # A preview URL: credentials are published (preview keys), so their links show too.
    options = BuildOptions(root / "content", output, base_url="http://127.0.0.1:8000/", now=NOW)
    build(options)
    return output


def test_stenciled_site_is_byte_identical_to_jinja(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[StencilSet] = []
    real_init = StencilSet.__init__

    def spy(self: StencilSet, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(StencilSet, "__init__", spy)
    first = _project(tmp_path, "a")
    stenciled = _tree(_build(first))
    award_pages = [p for p in stenciled if "awards/" in p]
    jinja_renders = sum(s.rendered for s in made)
    # Stencils were really used: fewer Jinja2 renders (one check per shape) than award pages.
    assert len(award_pages) >= 20
    assert 0 < jinja_renders < len(award_pages)

    monkeypatch.setattr(pages._PageRenderer, "stencils", False, raising=False)
    monkeypatch.setattr(
        pages._PageRenderer,
        "__init__",
        _without_stencils(pages._PageRenderer.__init__),
    )
    made.clear()
    # The same content, ledger included (the new awards' ids and salts), built again.
    shutil.copytree(first / "content", tmp_path / "b" / "content")
    plain = _tree(_build(tmp_path / "b"))
    assert sum(s.rendered for s in made) == len(award_pages)
    assert plain.keys() == stenciled.keys()
    different = [p for p in plain if plain[p] != stenciled[p]]
    assert different == []
    evidence = next(
        stenciled[p].decode()
        for p in award_pages
        if b"Le projet &amp; ses &lt;notes&gt;" in stenciled[p]
    )
    assert "Zoé &lt;b&gt;&amp;amp;&lt;/b&gt; &#34;Élise&#34; O&#39;Hara" in evidence
    assert "<strong>preuve</strong>" in evidence  # narrative Markdown, raw as the template says


def _without_stencils(init: Any) -> Any:
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.shipped_award_page = False

    return wrapped


def test_a_theme_award_template_is_rendered_by_jinja(tmp_path: Path) -> None:
    root = _project(tmp_path, "themed")
    templates = root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    # A filter on the award's own value: a stencil filled with the raw value would miss it.
    source = (repo_root() / "themes" / "default" / "templates" / "award.html").read_text("utf-8")
    (templates / "award.html").write_text(
        source.replace("{{ award.recipient_name }}", "{{ award.recipient_name | upper }}"), "utf-8"
    )
    output = _build(root)
    names = [
        p.read_text("utf-8")
        for p in (output / "awards").glob("*.html")
        if "PERSON" in p.read_text("utf-8")
    ]
    assert any("EXPIRED PERSON" in page for page in names)
    assert any("REVOKED PERSON" in page for page in names)


def _set(source: str) -> StencilSet:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(source)
    return StencilSet(lambda variables: template.render(**variables))


def test_a_date_used_by_the_template_makes_its_shape_render_by_jinja() -> None:
    stencils = _set("{% if a.when %}{{ a.when.year }}{% endif %} {{ a.name }}")
    first = {"a": {"when": datetime(2020, 1, 1), "name": "x"}}
    second = {"a": {"when": datetime(2021, 1, 1), "name": "y"}}
    assert stencils.page(first) == "2020 x"
    assert stencils.page(second) == "2021 y"
    assert stencils.rendered == 2  # no stencil (the marked render failed): both by Jinja2


def test_a_value_dependent_template_is_caught_by_the_check() -> None:
    # The value feeds a comparison: the marked render takes the wrong branch; the check of the
    # first award against Jinja2 throws the stencil away.
    stencils = _set("{% if a.kind == 'gold' %}G{% else %}S{% endif %}:{{ a.kind }}")
    assert stencils.page({"a": {"kind": "gold"}}) == "G:gold"
    assert stencils.page({"a": {"kind": "gold"}}) == "G:gold"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8"), max_size=12),
            st.one_of(st.none(), st.text(max_size=8)),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fills_equal_jinja_for_any_values(rows: list[tuple[str, str | None, bool]]) -> None:
    source = (
        '<p title="{{ a.name }}">{{ a.name }}{% if a.note %} ({{ a.note }}){% endif %}</p>'
        "{% if a.flag %}<b>{{ a.html | safe }}</b>{% endif %}"
        "{% for e in a.entries %}<i>{{ e }}</i>{% endfor %}"
    )
    stencils = _set(source)
    env = jinja2.Environment(autoescape=True)
    template = env.from_string(source)
    for name, note, flag in rows:
        variables = {
            "a": {
                "name": name,
                "note": note,
                "flag": flag,
                "html": f"<u>{name}</u>",
                "entries": [name, note or ""],
            }
        }
        assert stencils.page(variables) == template.render(**variables)
