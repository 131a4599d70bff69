"""The wheel ships every sub-package of generator/ (a package missing from pyproject.toml's list
works from a checkout and fails after `pip install`)."""

from __future__ import annotations

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
