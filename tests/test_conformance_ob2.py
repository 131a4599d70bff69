"""The example site, served on 127.0.0.1, judged by the real 1EdTech Open Badges 2.0 validator."""

from __future__ import annotations

import json
import urllib.request

import pytest

from generator import urls
from generator.baking import unbake
from generator.content import load_model
from generator.model import Award
from tests.conftest import ServedSite
from tests.harness import error_texts, validate_ob2

pytestmark = pytest.mark.slow


def _awards(site: ServedSite) -> list[tuple[Award, str]]:
    """Each published award with the image kind ("png" or "svg") of its badge."""
    model = load_model(site.project.content, site.url).model
    assert len(model.awards) >= 5, "the example must exercise several awards"
    return [(a, model.badges[a.badge].image_type) for a in model.awards]


def _email(award: Award) -> str:
    assert award.spec.recipient.email is not None
    return award.spec.recipient.email


def test_every_assertion_url_is_valid_for_its_recipient(served_example: ServedSite) -> None:
    for award, _kind in _awards(served_example):
        url = served_example.url + urls.assertion_json(award.id)
        [report] = validate_ob2([url], _email(award))
        assert report["valid"], (url, error_texts(report))
        assert report["errorCount"] == 0, (url, error_texts(report))


def test_every_baked_image_is_valid_for_its_recipient(served_example: ServedSite) -> None:
    kinds = set()
    for award, kind in _awards(served_example):
        kinds.add(kind)
        baked = served_example.project.output / urls.baked_image(award.id, kind)
        [report] = validate_ob2([baked], _email(award))
        assert report["valid"], (baked.name, error_texts(report))
        assert report["errorCount"] == 0, (baked.name, error_texts(report))
    assert kinds == {"png", "svg"}, "the example must bake both a PNG and an SVG badge"


def test_validator_rejects_the_wrong_recipient(served_example: ServedSite) -> None:
    award, _kind = _awards(served_example)[0]
    url = served_example.url + urls.assertion_json(award.id)
    [report] = validate_ob2([url], "someone.else@example.org")
    assert not report["valid"]


def test_baked_bytes_equal_hosted_bytes(served_example: ServedSite) -> None:
    for award, kind in _awards(served_example):
        url = served_example.url + urls.assertion_json(award.id)
        with urllib.request.urlopen(url) as response:
            hosted = response.read().decode("utf-8")
            assert response.headers["Content-Type"].startswith("application/ld+json")
        baked = served_example.project.output / urls.baked_image(award.id, kind)
        assert unbake(baked.read_bytes()) == hosted
        assert json.loads(hosted)["id"] == url
