"""A site's ESCO alignments checked against the index, when the user has one (never required)."""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Problem
from generator.esco.concepts import is_esco
from generator.esco.index import Index
from generator.model import Badge


def check_alignments(
    badges: Iterable[Badge], index: Index, language: str
) -> tuple[list[Problem], list[Problem]]:
    """(errors, notices): unknown concepts are errors, obsolete ones notices.

    An alignment written from another ESCO version than the index's may name a concept the index
    does not know yet (or any more): that is a notice, not an error.
    """
    errors: list[Problem] = []
    notices: list[Problem] = []
    for badge in badges:
        for alignment in badge.alignments:
            if not is_esco(alignment.framework):
                continue
            concept = index.concept(alignment.url, language) or index.any_language(alignment.url)
            same_version = alignment.version in (None, index.version)
            if concept is None:
                problem = Problem(
                    badge.source,
                    f"{alignment.url} is not in ESCO v{index.version} (the index in "
                    f"{index.path.parent})",
                    alignment.line,
                    "pick the concept again with 'insigne esco search', then 'insigne esco add'"
                    if same_version
                    else f"the alignment says ESCO v{alignment.version}: import that "
                    "version with 'insigne esco import' to check it",
                )
                (errors if same_version else notices).append(problem)
            elif concept.obsolete:
                notices.append(
                    Problem(
                        badge.source,
                        f"ESCO concept '{concept.label}' ({alignment.url}) is "
                        f"{concept.status} in ESCO v{index.version}",
                        alignment.line,
                        "find its replacement with 'insigne esco search' and align the badge to it",
                    )
                )
    return errors, notices


def check_with_user_index(
    badges: Iterable[Badge], language: str
) -> tuple[list[Problem], list[Problem]]:
    """`check_alignments` against the user's index; nothing when there is none."""
    from generator.esco.index import open_index

    index = open_index()
    if index is None:
        return [], []
    try:
        return check_alignments(badges, index, language)
    finally:
        index.close()
