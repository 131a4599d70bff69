"""`insigne build`: content in, a complete static site out (phase two: plan and write)."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator import urls
from generator.content import load_model
from generator.errors import InsigneError, Problem
from generator.keys import default_key_dir
from generator.lock import holding
from generator.manifest import (
    HostedKeys,
    Manifest,
    compiled_templates_dir,
    inputs_digest,
    paused_gc,
)
from generator.model import Award, SiteModel
from generator.outputdir import check_output_dir
from generator.parallel import Latch, SharedChunks, run_pair
from generator.parallel import available as parallel_available
from generator.progress import AwardProgressWriter
from generator.theme import Theme
from generator.writer import OutputWriter, SpareLinker, WriteStats

if TYPE_CHECKING:
    from generator.selfcheck import Report

# With fewer hosted awards' documents to make than this, forking a second process for the
# pages costs more than it saves.
PARALLEL_MIN_AWARDS = 2000


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
    # Told once if another process holds the project's lock (see generator/lock.py).
    waiting: Callable[[str], None] | None = None


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
    content_dir = options.content_dir.resolve()
    # Before anything is read or made beside the output (the lock file too): it might be the
    # project itself.
    check_output_dir(options.output_dir, content_dir)
    try:
        with holding([content_dir, options.output_dir], options.waiting or _quiet):
            return _build(options)
    finally:
        gc.unfreeze()  # what _build froze after loading: collectable again from here


def _quiet(message: str) -> None:
    pass


def _build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    content_dir = options.content_dir.resolve()
    # What is loaded lives as long as the build: out of the collector's way until it ends.
    with paused_gc(freeze=True):
        manifest = Manifest.load(options.output_dir)
        loaded = load_model(
            content_dir,
            options.base_url,
            options.now,
            options.locked,
            manifest,
            previous_output=options.output_dir,
        )
    model = loaded.model
    theme = Theme(content_dir.parent, model.site.theme)
    notices = list(loaded.notices)
    inputs = _inputs_digest(options, content_dir, model, theme)
    if (
        manifest.describes_output
        and manifest.inputs == inputs
        and not loaded.ledger.changed
        and options.output_dir.is_dir()
    ):
        # Nothing this build reads has changed since the build that made the live output:
        # leave it alone (no staging, no swap) and say what that build said.
        stats = WriteStats(unchanged=len(manifest.files))
        notices.extend(manifest.notices)
        return BuildResult(model, stats, time.perf_counter() - started, notices, False)
    # Imported here: a no-change rebuild (above) needs none of them, and they take longer to
    # import (pyld, cryptography, Markdown) than that whole rebuild takes.
    from generator.keys import ED25519
    from generator.pages import render_criteria, write_pages
    from generator.publish_ob2 import (
        BakedImages,
        HostedAssertions,
        hosted_awards,
        hosted_to_write,
        write_ob2,
    )
    from generator.publish_ob3 import write_ob3
    from generator.selfcheck import check_tree
    from generator.signing import Signer

    signer = Signer.for_site(model.site, options.locked)
    theme.keep_compiled(compiled_templates_dir(options.output_dir))
    criteria, manifest.criteria = render_criteria(model, theme, manifest.criteria)
    # Award pages link to the 3.0 credential exactly when write_ob3 publishes one.
    model.credentials = signer.can_sign(ED25519)
    hosted = hosted_awards(model)
    hosted_keys = HostedKeys(model.site)
    parallel = _pays_to_fork(
        manifest,
        hosted,
        lambda enough: hosted_to_write(model, manifest, hosted_keys, hosted, enough),
    )
    progress = _SharedProgress(options.progress, parallel) if options.progress else None
    writer = (
        AwardProgressWriter(options.output_dir, model, progress)
        if progress is not None
        else OutputWriter(options.output_dir)
    )
    writer.begin(manifest)
    if options.verify:
        writer.retain_written()
    # On two cores, the documents of the hosted awards (two files each, most of the files
    # of a site) are shared out in chunks: the documents' process takes them once its other
    # documents are written, the pages' process once its pages are, so neither waits long
    # for the other whichever is slower on this machine.
    # A first build also links the spare tree (see OutputWriter.prelink_spare) before the
    # swap, each process its own files, after its other files and after each chunk of the
    # shared ones, so that the linking is shared as the writing is. With the self-check,
    # each process then checks the files it wrote.
    shared = SharedChunks(hosted) if parallel else None
    first_pair = parallel and writer.is_fresh()
    early_check = options.verify and first_pair
    documents_written = Latch() if early_check else None
    early: list[tuple[set[str], Report]] = []
    parent_spare: list[set[str] | None] = []
    try:

        def share_hosted(baker: BakedImages, linker: SpareLinker | None) -> None:
            """This process's part of the hosted awards; links its files first, if asked."""
            assert shared is not None
            assertions = HostedAssertions(model, writer, baker, hosted_keys)
            if linker is not None:
                linker.catch_up()
            for chunk in shared:
                assertions.write(chunk)
                if linker is not None:
                    linker.catch_up()

        def documents() -> None:
            linker = writer.spare_linker() if first_pair else None
            baker = BakedImages(model.badges)
            writer.write(urls.NO_JEKYLL, b"")
            write_ob2(model, writer, baker, signer, hosted=shared is None, keys=hosted_keys)
            if not write_ob3(model, writer, baker, signer):
                notices.append(
                    "Open Badges 3.0 credentials are not published: the site has no Ed25519 key "
                    "(create the issuer's keys with: insigne keys new)"
                )
            if shared is not None:
                share_hosted(baker, linker)
                HostedAssertions(model, writer, baker, hosted_keys).record_batches(hosted)
            if documents_written is not None:
                documents_written.set()
            if linker is not None:
                linker.catch_up()
                parent_spare.append(linker.linked)
            if early_check:
                mine = writer.produced_paths()
                report = check_tree(
                    writer.staging, options.now, scope=mine, contents=writer.retained
                )
                early.append((mine, report))

        def pages() -> tuple[set[str], Report | None, set[str] | None] | None:
            linker = writer.spare_linker() if first_pair else None
            before = writer.produced_paths()
            write_pages(model, theme, writer, now=options.now, criteria=criteria)
            if shared is not None:
                share_hosted(BakedImages(model.badges), linker)
            if linker is None:
                return None
            linker.catch_up()
            mine = writer.produced_paths() - before
            if documents_written is None:  # no self-check
                return mine, None, linker.linked
            documents_written.wait()  # the whole tree is staged from here on
            report = check_tree(writer.staging, options.now, scope=mine, contents=writer.retained)
            return mine, report, linker.linked

        if parallel:
            # Pages in a forked child, documents here: see generator/parallel.py.
            try:
                paired = run_pair(writer, documents, pages, progress.silence if progress else None)
            finally:
                if documents_written is not None:
                    documents_written.close()
                if shared is not None:
                    shared.close()
            if paired is not None:
                pages_done, pages_report, spare = paired
                if parent_spare:
                    mine = parent_spare[0]
                    spare = None if spare is None or mine is None else spare | mine
                writer.adopt_spare(spare)
                if pages_report is not None:
                    early.append((pages_done, pages_report))
        else:
            documents()
            pages()
        if progress is not None:
            # Kept groups are not counted as they go (see AwardProgressWriter): say "all done".
            progress.done(len(model.awards))
        if options.verify:
            # On the staged tree, before the swap: a failing check leaves the old output live.
            manifest.verified = _verify_staged(writer, manifest, options.now, early)
        else:
            manifest.verified = None
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
        manifest.notices = notices[len(loaded.notices) :]
        if ledger_updated or signer.signed_now:
            # The build itself changed content/ (ledger, signatures): describe it as it is now.
            inputs = _inputs_digest(options, content_dir, model, theme)
        manifest.inputs = inputs
        stats = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildResult(model, stats, time.perf_counter() - started, notices, ledger_updated)


def _pays_to_fork(manifest: Manifest, hosted: list[Award], to_write: Callable[[int], int]) -> bool:
    """Whether to render the pages in a forked child while the documents are written here.

    The two processes share the hosted awards' documents (see SharedChunks), so the fork pays
    only when many of those are to be made: pages alone would all be rendered by the child
    while the parent waited. `to_write(enough)` counts those to make, up to `enough`.
    """
    if len(hosted) < PARALLEL_MIN_AWARDS or not parallel_available():
        return False
    if not manifest.describes_output:
        return True  # all to make: not worth counting
    return to_write(PARALLEL_MIN_AWARDS) >= PARALLEL_MIN_AWARDS


class _SharedProgress:
    """Progress when pages render in a child: the parent sees only the documents' half."""

    def __init__(self, report: Callable[[int, int], None], parallel: bool) -> None:
        self._report = report
        self._scale = 2 if parallel else 1
        self._silent = False

    def __call__(self, done: int, total: int) -> None:
        if not self._silent:
            self._report(min(total, done * self._scale), total)

    def silence(self) -> None:
        self._silent = True

    def done(self, total: int) -> None:
        self._report(total, total)


def _inputs_digest(options: BuildOptions, content_dir: Path, model: SiteModel, theme: Theme) -> str:
    """One digest of all a build reads, including what the clock changes in the output."""
    now = options.now or datetime.now(UTC)
    expired = sum(1 for a in model.awards if a.expires is not None and a.expires <= now)
    key_dirs = []
    with contextlib.suppress(Exception):  # no key folder is a valid state, not an error
        key_dirs.append(default_key_dir())
    extra = (
        f"base_url={options.base_url}",
        f"locked={options.locked}",
        f"verify={options.verify}",
        f"today={now.date().isoformat()}",
        f"expired={expired}",
        f"held_back={len(model.held_back)}",
    )
    return inputs_digest(content_dir, [*theme.dirs], extra, [d for d in key_dirs if d.exists()])


def _verify_staged(
    writer: OutputWriter,
    manifest: Manifest,
    now: datetime | None,
    early: list[tuple[set[str], Report]],
) -> tuple[str, set[str]]:
    """Check the staged tree; return the verdict to record for the next build.

    Files this build did not write are the live output's own (hard links), which passed the
    check of the build that made it, if that build ran it with the same code: then only the
    files written or removed now are checked (see `selfcheck.check_tree`). When parts of the
    tree were checked already (`early`: their paths and reports), the rest of it is checked.
    """
    from generator.manifest import code_digest
    from generator.selfcheck import Report, check_tree

    staging = writer.prune()
    previous = manifest.verified if manifest.describes_output else None
    if previous is not None and previous[0] == code_digest():
        changed = {*writer.stats.written_paths, *writer.stats.removed_paths}
        report = check_tree(
            staging,
            now,
            changed,
            previous[1],
            files=writer.produced_paths(),
            contents=writer.retained,
        )
    elif early:
        report = Report()
        for _paths, part in early:
            report.merge(part)
        rest = writer.produced_paths().difference(*(paths for paths, _part in early))
        if rest:
            report.merge(
                check_tree(
                    staging, now, known_shapes=report.shapes, scope=rest, contents=writer.retained
                )
            )
    else:
        report = check_tree(staging, now, contents=writer.retained)
    if not report.ok:
        raise InsigneError(
            [Problem(None, f"self-check: {line}") for line in report.problems]
            + [
                Problem(
                    None,
                    "the built site failed its self-check; the previous output was kept",
                    hint=_self_check_hint(report.problems),
                )
            ]
        )
    return (code_digest(), report.shapes)


def _self_check_hint(problems: list[str]) -> str:
    """What to do about a failed self-check: fix the content or report a bug, never skip it."""
    if any("email address" in line for line in problems):
        return (
            "an email address would be published: find it in the content (names, narratives, "
            "evidence, criteria, translations, descriptions in site.yaml, image metadata), "
            "remove it and build again; only the issuer's own address may be published"
        )
    return (
        "this is a bug in Insigne or in the theme: keep the output as it is and report the "
        "lines above (with the theme, if it is not the default one)"
    )
