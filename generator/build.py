"""`insigne build`: content in, a complete static site out (phase two: plan and write)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator.content import load_model
from generator.errors import InsigneError, Problem
from generator.model import SiteModel
from generator.pages import write_pages
from generator.progress import AwardProgressWriter
from generator.publish_ob2 import BakedImages, write_ob2
from generator.publish_ob3 import write_ob3
from generator.selfcheck import check_tree
from generator.signing import Signer
from generator.theme import Theme
from generator.writer import OutputWriter, WriteStats


@dataclass
class BuildOptions:
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    base_url: str | None = None
    locked: bool = False
    now: datetime | None = None
    # Called with (awards done, awards total) while writing; see generator.progress.
    progress: Callable[[int, int], None] | None = None
    verify: bool = True  # run generator.selfcheck on the staged tree (--no-verify turns it off)


@dataclass
class BuildResult:
    model: SiteModel
    stats: WriteStats
    seconds: float
    notices: list[str] = field(default_factory=list)
    ledger_updated: bool = False

    def summary(self) -> str:
        m, s = self.model, self.stats
        return (
            f"{len(m.badges)} badges, {len(m.awards)} awards; {s.written} files written, "
            f"{s.unchanged} unchanged, {s.removed} removed in {self.seconds:.2f} s"
        )


def build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    content_dir = options.content_dir.resolve()
    loaded = load_model(content_dir, options.base_url, options.now, options.locked)
    model = loaded.model
    theme = Theme(content_dir.parent, model.site.theme)
    writer = (
        AwardProgressWriter(options.output_dir, model, options.progress)
        if options.progress is not None
        else OutputWriter(options.output_dir)
    )
    signer = Signer.for_site(model.site, options.locked)
    notices = list(loaded.notices)
    writer.begin()
    try:
        baker = BakedImages(model.badges)
        write_ob2(model, writer, baker, signer)
        if not write_ob3(model, writer, baker, signer):
            notices.append(
                "Open Badges 3.0 credentials are not published: the site has no Ed25519 key "
                "(create the issuer's keys with: insigne keys new)"
            )
        write_pages(model, theme, writer, now=options.now)
        if options.verify:
            # On the staged tree, before the swap: a failing check leaves the old output live.
            _verify_staged(writer.prune(), options.now)
        # The ledger is saved before the new output goes live: an id may then be reserved and
        # not yet published, but never published and forgotten.
        ledger_updated = loaded.ledger.changed
        if ledger_updated:
            loaded.ledger.save()
        signer.cache.save()
        if signer.signed_now and not model.site.is_preview:
            notices.append(
                f"signed {signer.signed_now} new document(s); commit content/signatures.json so "
                "that builds without the private key can publish them"
            )
        stats = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildResult(model, stats, time.perf_counter() - started, notices, ledger_updated)


def _verify_staged(staging: Path, now: datetime | None) -> None:
    report = check_tree(staging, now)
    if not report.ok:
        raise InsigneError(
            [Problem(None, f"self-check: {line}") for line in report.problems]
            + [
                Problem(
                    None,
                    "the built site failed its self-check; the previous output was kept",
                    hint="this is a bug in Insigne or the theme unless the content put an "
                    "email address in public text; --no-verify skips the check",
                )
            ]
        )
