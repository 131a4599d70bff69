"""What ships: every sub-package of generator/ in the wheel (a package missing from
pyproject.toml's list works from a checkout and fails after `pip install`), and catalogues
whose strings are each named once."""

from __future__ import annotations

import json
import tomllib

from tests.harness import repo_root


def test_every_generator_package_is_listed_for_the_wheel() -> None:
    root = repo_root()
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for init in (root / "generator").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_locale_catalogues_name_each_string_once() -> None:
    """json.loads keeps the last of two equal keys: a string added twice hides the first."""

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        names = [name for name, _ in items]
        doubled = sorted({name for name in names if names.count(name) > 1})
        assert not doubled, f"named twice: {doubled}"
        return dict(items)

    for catalogue in (repo_root() / "generator" / "locales").glob("*.json"):
        json.loads(catalogue.read_text("utf-8"), object_pairs_hook=pairs)
