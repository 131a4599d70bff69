"""Measure Insigne builds against their anchors, on this machine, in one run.

    python benchmarks/run.py [--awards 1000 10000 100000] [--repeat 3] [--scale-repeat 2]
                             [--skip-hugo] [--out DIR]

For each size N it generates the synthetic association (`synth.py`) and measures, each as a
subprocess (wall time, CPU time and peak RSS from wait4's rusage of that very process; files
and bytes written from the output tree's inodes before and after):

- insigne: cold build (empty output), no-change rebuild, add one award, add another one four
  times (the steady state, where the spare staging tree exists), edit one badge's criteria;
  the default build (which runs the self-check) and `--no-verify` (the build alone); above
  10,000 awards, the cold build and the no-change rebuild only;
- Hugo (Debian package `hugo`): the same awards as one HTML page + one JSON file each, from
  templates equivalent to ours, cold;
- then, up to 10,000 awards, `--repeat` more cold builds of each, Hugo, Insigne and Insigne
  `--no-verify` alternating, reported as medians with every wall time (this machine's speed
  drifts from minute to minute), each round with the floor (`floor()`): `insigne check`
  alone and the same files written again from memory (`floor.py`); above 10,000,
  `--scale-repeat` more cold `--no-verify` builds, whose median is set against the 10,000 one;
- openbadges-bakery 2.0.0 (in `.venv-validator`) baking a sample of the same images and
  assertions, against Insigne's baking of the same sample;
- pyld canonicalising a sample of the same awards as Open Badges 3.0 credentials, against
  `generator.jsonld.canonicalize` (checking the N-Quads are identical).

The code measured is a snapshot of `generator/` and `themes/` copied into the work folder at
start and byte-compiled, so that edits made meanwhile in the working tree do not change what is
measured.
Results go to OUT/results.json and a Markdown table on stdout.

Nothing big is deleted while measuring: outputs are moved aside (`set_aside`) and deleted when
the run ends. On ext4 without a journal, as on this machine, creating a file skips every free
inode of its group that was freed less than a minute ago (six when its inode table block is
still dirty): `recently_deleted()` in the kernel's inode allocator, which perf shows taking
most of a cold build's time right after a 30,000-file tree was deleted. A build measured after
a deletion measures the deletion. A run therefore starts by waiting until the last run's
deletion is 400 s old; start it when nothing else deleted a large tree in that time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VALIDATOR_PYTHON = REPO / ".venv-validator" / "bin" / "python"
BAKE_SAMPLE = 1000
ADD_REPEATS = 4
CANON_SAMPLE = 200

sys.path.insert(0, str(HERE))
import synth  # noqa: E402


@dataclass
class Measure:
    name: str
    wall: float
    cpu: float
    peak_rss_mib: float
    files_written: int = 0
    bytes_written: int = 0
    files_removed: int = 0
    returncode: int = 0
    note: str = ""
    written: list[str] = field(default_factory=list, repr=False)


# -- measuring a subprocess -------------------------------------------------------------------


def measured(name: str, cmd: list[str], env: dict[str, str], output: Path | None) -> Measure:
    before = scan(output) if output is not None else {}
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=HERE / "work"
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}):\n{text[-3000:]}")
    after = scan(output) if output is not None else {}
    written = sorted(rel for rel, sig in after.items() if before.get(rel) != sig)
    removed = [rel for rel in before if rel not in after]
    return Measure(
        name,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        len(written),
        sum(after[rel][1] for rel in written),
        len(removed),
        note=text.strip().splitlines()[-1][:200] if text.strip() else "",
        written=written,
    )


def scan(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under root: (inode, size, mtime). A new inode or mtime means written."""
    found: dict[str, tuple[int, int, int]] = {}
    if not root.is_dir():
        return found
    stack = [("", str(root))]
    while stack:
        rel_dir, path = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = f"{rel_dir}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", entry.path))
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[rel] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


# -- the code under test ------------------------------------------------------------------


def snapshot_code(work: Path) -> Path:
    code = work / "code"
    if code.exists():
        shutil.rmtree(code)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "generator", code / "generator", ignore=ignore)
    shutil.copytree(REPO / "themes", code / "themes", ignore=ignore)
    # Byte-compiled, as `pip install` leaves it: where PYTHONDONTWRITEBYTECODE is set (as on
    # this machine), every build would otherwise compile the whole package again (0.05-0.1 s).
    compileall.compile_dir(code, quiet=1)
    return code


def build_env(code: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGNE_")}
    env["PYTHONPATH"] = str(code)
    # No signing keys: Open Badges 3.0 signing is measured separately (see README).
    env["INSIGNE_KEY_DIR"] = str(work / "no-keys")
    return env


def insigne(code: Path, site: Path, *flags: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--content",
        str(site / "content"),
        "--output",
        str(site / "output"),
        *flags,
    ]


def clean_output(site: Path) -> None:
    for path in (
        site / "output",
        site / ".output.insigne-previous",
        site / ".output.insigne-staging",
    ):
        set_aside(path)
    for path in (site / ".output.insigne-manifest",):
        path.unlink(missing_ok=True)


class _Trash:
    """Where trees go instead of being deleted, until the run ends (see the module docstring)."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.count = 0

    def put(self, path: Path) -> None:
        if not path.exists():
            return
        if self.root is None:
            raise RuntimeError("set_aside before the trash folder was chosen")
        self.root.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path.rename(self.root / f"{self.count}-{path.name}")

    def empty(self) -> None:
        if self.root is not None and self.root.exists():
            shutil.rmtree(self.root.parent)  # this run's trash and any a killed run left
            (self.root.parent.parent / "trash-emptied").write_text(str(time.time()))

    def wait_for_last_emptying(self) -> None:
        """Let the inodes a previous run freed age out of the allocator's window first."""
        stamp = self.root.parent.parent / "trash-emptied" if self.root is not None else None
        if stamp is None or not stamp.exists():
            return
        left = float(stamp.read_text()) + TRASH_SETTLE_S - time.time()
        if left > 0:
            print(f"waiting {left:.0f} s: the last run deleted its outputs", file=sys.stderr)
            time.sleep(left)


TRASH = _Trash()
# The allocator skips inodes freed less than 60 s ago, or 360 s while their inode table block is
# dirty (fs/ext4/ialloc.c, RECENTCY_MIN and RECENTCY_DIRTY); a little more to be safe.
TRASH_SETTLE_S = 400


def set_aside(path: Path) -> None:
    """Move a tree out of the way without deleting it (same file system: a rename)."""
    TRASH.put(path)


def add_award(site: Path, number: int) -> str:
    files = sorted((site / "content" / "awards").glob("*.yaml"))
    email = f"nouvelle.recrue{number}@example.org"
    with open(files[-1], "a", encoding="utf-8") as handle:
        handle.write(f'  - email: {email}\n    name: "Nouvelle Recrue n°{number}"\n')
    return email


def edit_badge(site: Path) -> str:
    badge = sorted((site / "content" / "badges").glob("*.md"))[1]
    with open(badge, "a", encoding="utf-8") as handle:
        handle.write("\nUne précision ajoutée aux critères.\n")
    return badge.stem


def award_ids_by_badge(site: Path) -> dict[str, str]:
    ledger = json.loads((site / "content" / "ledger.json").read_text("utf-8"))
    entries = ledger["awards"] if ledger["version"] == 1 else ledger  # version 2 is flat
    return {e["id"]: e["badge"] for key, e in entries.items() if key != "version"}


def describe_written(measure: Measure, site: Path, badge: str | None = None) -> str:
    kinds: dict[str, int] = {}
    for rel in measure.written:
        kinds[rel.split("/")[0] if "/" in rel else rel] = kinds.get(rel.split("/")[0], 0) + 1
    text = ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items()))
    if badge is not None:
        owner = award_ids_by_badge(site)
        others = [
            rel
            for rel in measure.written
            if rel.startswith(("assertions/", "credentials/", "awards/"))
            and owner.get(Path(rel).stem, badge) != badge
        ]
        text += f"; other badges' award files written: {len(others)}"
    return text


def measure_insigne(code: Path, work: Path, site: Path, n: int) -> list[Measure]:
    env = build_env(code, work)
    results = []
    for flags, label in (((), "insigne build"), (("--no-verify",), "insigne build --no-verify")):
        synth.generate(site, n)  # fresh content: earlier additions removed
        clean_output(site)
        cold = measured(f"{label}: cold", insigne(code, site, *flags), env, site / "output")
        results.append(cold)
        results.append(
            measured(f"{label}: no change", insigne(code, site, *flags), env, site / "output")
        )
        if n > 10_000:
            continue
        # The first addition follows a cold build; the next ones are the steady state, measured
        # a few times since one small build is within this machine's noise.
        for number in range(1, 2 + ADD_REPEATS):
            what = "add one award" if number == 1 else f"add another award ({number})"
            add_award(site, number)
            m = measured(f"{label}: {what}", insigne(code, site, *flags), env, site / "output")
            m.note = describe_written(m, site)
            results.append(m)
        badge = edit_badge(site)
        m = measured(f"{label}: edit one badge", insigne(code, site, *flags), env, site / "output")
        m.note = describe_written(m, site, badge)
        results.append(m)
    return results


def cold_rounds(
    code: Path, work: Path, site: Path, n: int, hugo_dir: Path | None, repeat: int
) -> dict[str, Any]:
    """Cold builds again, Hugo and Insigne alternating: this disk's speed drifts by the minute.

    One cold build per tool is not enough here (creating the same 30,000 files took from 1 s
    to 16 s of system time from one run to the next), so the ratio is taken between medians
    of builds interleaved in time, and the spread is reported beside it.
    """
    synth.generate(site, n)  # the same awards as Hugo's: earlier additions and edits removed
    env = build_env(code, work)
    walls: dict[str, list[float]] = {
        "hugo": [],
        "insigne": [],
        "insigne_no_verify": [],
        "floor_load": [],
        "floor_write": [],
    }
    for round_ in range(repeat):
        if hugo_dir is not None:
            hugo = measure_hugo(hugo_dir)
            if hugo is not None:
                walls["hugo"].append(round(hugo.wall, 2))
        for flags, key in (((), "insigne"), (("--no-verify",), "insigne_no_verify")):
            clean_output(site)
            cold = measured("cold", insigne(code, site, *flags), env, site / "output")
            walls[key].append(round(cold.wall, 2))
        load, write = floor(work, site, env, round_)
        walls["floor_load"].append(load)
        walls["floor_write"].append(write)
    report: dict[str, Any] = {"rounds": repeat, "walls": walls}
    for tool, values in walls.items():
        if values:
            report[f"{tool}_median"] = round(statistics.median(values), 3)
    report["floor_median"] = round(report["floor_load_median"] + report["floor_write_median"], 2)
    if walls["hugo"] and walls["insigne"]:
        hugo_median = report["hugo_median"]
        report["ratio_of_medians"] = round(report["insigne_median"] / hugo_median, 2)
        report["floor_ratio"] = round(report["floor_median"] / hugo_median, 2)
    return report


def floor(work: Path, site: Path, env: dict[str, str], round_: int) -> list[float]:
    """What no cold build of this site can go below, in wall seconds: [load, write].

    load: `insigne check` (start, imports, reading and validating the content, no output);
    write: creating the files of the last cold build again, from memory (`floor.py`).
    """
    check = [sys.executable, "-m", "generator", "check", "--content", str(site / "content")]
    load = measured("floor: load", check, env, None)
    dest = work / f"floor-{round_}"
    set_aside(dest)
    done = subprocess.run(
        [sys.executable, str(HERE / "floor.py"), str(site / "output"), str(dest)],
        env=env,  # the measured code's writer
        capture_output=True,
        text=True,
        check=True,
    )
    set_aside(dest)
    return [round(load.wall, 2), json.loads(done.stdout)["wall"]]


def scale_rounds(code: Path, work: Path, site: Path, n: int, repeat: int) -> dict[str, Any]:
    """More cold `--no-verify` builds of the largest size (one is within this machine's noise),
    to set the median against the smaller size's `--no-verify` median (see cold_rounds)."""
    synth.generate(site, n)
    env = build_env(code, work)
    walls = []
    for _ in range(repeat):
        clean_output(site)
        cold = measured("cold", insigne(code, site, "--no-verify"), env, site / "output")
        walls.append(round(cold.wall, 2))
    return {"rounds": repeat, "walls": walls, "median": statistics.median(walls)}


# -- Hugo ---------------------------------------------------------------------------------


def hugo_site(code: Path, site: Path, hugo_dir: Path) -> None:
    """The same awards as Hugo content: one page per award, HTML and JSON outputs."""
    sys.path.insert(0, str(code))
    from generator.content import load_model
    from generator.dates import ob_datetime

    model = load_model(site / "content").model
    set_aside(hugo_dir)
    # Config and templates equivalent to the default theme's award page and our assertion.
    shutil.copytree(HERE / "hugo", hugo_dir)
    awards = hugo_dir / "content" / "awards"
    awards.mkdir(parents=True)
    for award in model.awards:
        badge = model.badges[award.badge]
        front: dict[str, Any] = {
            "title": award.id,
            "id": award.id,
            "badge": badge.slug,
            "badge_name": badge.name,
            "image_type": badge.image_type,
            "salt": award.salt,
            "identity": award.identity,
            "issued_on": award.issued_on.date().isoformat(),
            "issued_on_full": ob_datetime(award.issued_on),
            "name": award.spec.recipient.name if award.spec.recipient.public else "",
        }
        if award.expires is not None:
            front["expires"] = award.expires.date().isoformat()
        if award.spec.narrative:
            front["narrative"] = award.spec.narrative
        if award.spec.evidence:
            front["evidence"] = [
                {"type": "Evidence", "id": e.url, "url": e.url, "name": e.name or ""}
                for e in award.spec.evidence
            ]
        (awards / f"{award.id}.md").write_text(json.dumps(front, ensure_ascii=False) + "\n")


def measure_hugo(hugo_dir: Path) -> Measure | None:
    hugo = shutil.which("hugo")
    if hugo is None:
        return None
    out = hugo_dir / "public"
    set_aside(out)
    cmd = [hugo, "--quiet", "--source", str(hugo_dir), "--destination", str(out)]
    m = measured("hugo (HTML + JSON per award): cold", cmd, dict(os.environ), out)
    m.note = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    return m


def ensure_hugo() -> str | None:
    if shutil.which("hugo"):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "hugo"], check=False, capture_output=True)
    if shutil.which("hugo"):
        return None
    return "hugo is not installed: run 'apt-get install -y hugo' (Debian package), then rerun"


# -- baking -------------------------------------------------------------------------------

BAKERY_SCRIPT = """
import json, sys, time, io
from openbadges_bakery import bake
sample = json.load(open(sys.argv[1]))
images = {p: open(p, 'rb').read() for p in {s['image'] for s in sample}}
started = time.perf_counter()
for item in sample:
    out = bake(io.BytesIO(images[item['image']]), item['payload'])
    out.read()
elapsed = time.perf_counter() - started
print(json.dumps({'seconds': elapsed, 'count': len(sample)}))
"""


def baking_sample(code: Path, site: Path, count: int) -> list[dict[str, str]]:
    sys.path.insert(0, str(code))
    from generator import ob2
    from generator.content import load_model

    model = load_model(site / "content").model
    png = [a for a in model.awards if model.badges[a.badge].image_type == "png"]
    svg = [a for a in model.awards if model.badges[a.badge].image_type == "svg"]
    chosen = png[: count // 2] + svg[: count // 2]
    sample = []
    for award in chosen:
        badge = model.badges[award.badge]
        data = ob2.to_json_bytes(ob2.assertion(model.site, badge, award)).decode("utf-8")
        sample.append(
            {
                "image": str(badge.image),
                "slug": badge.slug,
                "kind": badge.image_type,
                "url": ob2.assertion(model.site, badge, award)["id"],
                "payload": data,
            }
        )
    return sample


def measure_baking(code: Path, site: Path, work: Path) -> dict[str, Any]:
    sample = baking_sample(code, site, BAKE_SAMPLE)
    sample_file = work / "bake-sample.json"
    sample_file.write_text(json.dumps(sample, ensure_ascii=False), "utf-8")
    from generator.baking import PngTemplate, SvgTemplate

    started = time.perf_counter()
    templates: dict[str, Any] = {}
    for item in sample:
        template = templates.get(item["slug"])
        if template is None:  # parsed once per badge, as the build does
            data = Path(item["image"]).read_bytes()
            template = PngTemplate(data) if item["kind"] == "png" else SvgTemplate(data)
            templates[item["slug"]] = template
        if item["kind"] == "png":
            template.bake("openbadges", item["payload"])
        else:
            template.bake(keyword="assertion", verify=item["url"], payload=item["payload"])
    ours = (time.perf_counter() - started) / len(sample)
    result: dict[str, Any] = {"sample": len(sample), "insigne_per_image_s": ours}
    if VALIDATOR_PYTHON.exists():
        out = subprocess.run(
            [str(VALIDATOR_PYTHON), "-c", BAKERY_SCRIPT, str(sample_file)],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            bakery = json.loads(out.stdout.strip().splitlines()[-1])
            result["bakery_per_image_s"] = bakery["seconds"] / bakery["count"]
            result["speedup"] = result["bakery_per_image_s"] / ours
        else:
            result["bakery_error"] = out.stderr[-500:]
    else:
        result["bakery_error"] = "no .venv-validator: run bash tests/tools/setup_validator.sh"
    return result


# -- canonicalisation ----------------------------------------------------------------------


def measure_canonicalisation(code: Path, site: Path) -> dict[str, Any]:
    sys.path.insert(0, str(code))
    try:
        from generator import jsonld, ob3
    except ImportError as exc:
        return {"error": f"generator.jsonld / ob3 not available: {exc}"}
    from generator.content import load_model

    model = load_model(site / "content").model
    did = "did:web:" + model.site.base_url.split("/")[2]
    docs = [
        ob3.credential(model.site, model.badges[a.badge], a, did, i)
        for i, a in enumerate(model.awards[:: max(1, len(model.awards) // CANON_SAMPLE)])
    ][:CANON_SAMPLE]
    started = time.perf_counter()
    reference = [jsonld.canonicalize_pyld(d) for d in docs]
    pyld_s = (time.perf_counter() - started) / len(docs)
    started = time.perf_counter()
    ours = [jsonld.canonicalize(d) for d in docs]
    ours_s = (time.perf_counter() - started) / len(docs)
    return {
        "sample": len(docs),
        "pyld_per_credential_s": pyld_s,
        "insigne_per_credential_s": ours_s,
        "speedup": pyld_s / ours_s,
        "identical_nquads": reference == ours,
    }


# -- report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def table(results: dict[str, Any]) -> str:
    lines = [
        "| N | measure | wall s | CPU s | peak RSS MiB | files written | bytes written | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, block in results["sizes"].items():
        for m in block["measures"]:
            lines.append(
                f"| {n} | {m['name']} | {m['wall']:.2f} | {m['cpu']:.2f} | "
                f"{m['peak_rss_mib']:.0f} | {m['files_written']} | {m['bytes_written']} | "
                f"{m['note']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--out", type=Path, default=HERE / "work")
    parser.add_argument("--skip-hugo", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="interleaved cold builds (Hugo, Insigne, Insigne --no-verify) per size up to "
        "10,000 awards (default 3)",
    )
    parser.add_argument(
        "--scale-repeat",
        type=int,
        default=2,
        help="more cold --no-verify builds per size above 10,000 awards (default 2)",
    )
    args = parser.parse_args(argv)
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    TRASH.root = work / "trash" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    TRASH.wait_for_last_emptying()
    code = snapshot_code(work)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "python benchmarks/run.py " + " ".join(argv or sys.argv[1:]),
        "commit": commit,
        "sizes": {},
    }
    hugo_problem = None if args.skip_hugo else ensure_hugo()
    if hugo_problem:
        print(hugo_problem, file=sys.stderr)
    for n in args.awards:
        site = work / f"site-{n}"
        synth.generate(site, n)
        block: dict[str, Any] = {"measures": []}
        if not args.skip_hugo and not hugo_problem:
            hugo_site(code, site, work / f"hugo-{n}")
            hugo = measure_hugo(work / f"hugo-{n}")
            if hugo is not None:
                block["measures"].append(asdict(hugo))
        for m in measure_insigne(code, work, site, n):
            block["measures"].append(asdict(m))
            print(f"{n}: {m.name}: {m.wall:.2f} s, {m.files_written} files", file=sys.stderr)
        if args.repeat > 0 and n <= 10_000:
            hugo_dir = None if args.skip_hugo or hugo_problem else work / f"hugo-{n}"
            block["cold_rounds"] = cold_rounds(code, work, site, n, hugo_dir, args.repeat)
            print(f"{n}: cold rounds: {block['cold_rounds']}", file=sys.stderr)
        elif args.scale_repeat > 0 and n > 10_000:
            block["scale_rounds"] = scale_rounds(code, work, site, n, args.scale_repeat)
            smaller = results["sizes"].get("10000", {}).get("cold_rounds", {})
            if "insigne_no_verify_median" in smaller:
                block["scale_rounds"]["ratio_to_10000_median"] = round(
                    block["scale_rounds"]["median"] / smaller["insigne_no_verify_median"], 2
                )
            print(f"{n}: scale rounds: {block['scale_rounds']}", file=sys.stderr)
        if n == 10_000 or n == args.awards[0]:
            block["baking"] = measure_baking(code, site, work)
            block["canonicalisation"] = measure_canonicalisation(code, site)
        for m in block["measures"]:
            m.pop("written", None)
        results["sizes"][str(n)] = block
        (work / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    TRASH.empty()  # measuring is over: deleting now slows nothing measured
    print(table(results))
    print(
        json.dumps(
            {
                n: {k: v for k, v in b.items() if k != "measures"}
                for n, b in results["sizes"].items()
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
