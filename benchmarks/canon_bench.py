"""First-time Open Badges 3.0 signing: a straightforward pyld loop against Insigne's fast path.

    python benchmarks/canon_bench.py [--awards 10000] [--seed 7] [--work DIR]

Generates the synthetic association (synth.py) unless DIR already holds one, builds the unsigned
OpenBadgeCredential of every award with `ob3.credential`, then signs all of them twice in the
same run: once with pyld doing the JSON-LD work (the dropped-term check's expansion and URDNA2015,
the proof-config hash cached per `created`, exactly what signing did before fastcanon), once with
`dataintegrity.sign_eddsa_rdfc_2022` (fastcanon, pyld only as fallback). It checks that both give
identical canonical N-Quads and identical signatures for every credential, and prints CPU and
wall times and their ratio. `measure()` returns the figures for benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import synth  # noqa: E402
from generator import dataintegrity, fastcanon, jsonld, ob3  # noqa: E402
from generator.content import load_model  # noqa: E402
from generator.didweb import did_from_base_url  # noqa: E402


def credentials(content: Path) -> list[dict[str, Any]]:
    model = load_model(content).model
    did = did_from_base_url(model.site.base_url)
    return [
        ob3.credential(model.site, model.badges[a.badge], a, did, a.status_index)
        for a in model.awards
    ]


def _pyld_hash_data(
    doc: dict[str, Any], options: dict[str, Any], configs: dict[str, bytes]
) -> tuple[bytes, str]:
    # dataintegrity.hash_data(checked=True) as it was before fastcanon: pyld does all the work.
    config = {**options, "@context": doc["@context"]}
    key = json.dumps(config, sort_keys=True)
    if key not in configs:
        configs[key] = hashlib.sha256(jsonld.canonicalize_pyld(config).encode()).digest()
    nquads = jsonld.canonicalize_pyld(jsonld._expand_checked(doc))
    return configs[key] + hashlib.sha256(nquads.encode()).digest(), nquads


def measure(docs: list[dict[str, Any]]) -> dict[str, Any]:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    method = "did:web:badges.example.org#key-1"

    configs: dict[str, bytes] = {}
    pyld_nquads: list[str] = []
    pyld_proofs: list[str] = []
    cpu, wall = time.process_time(), time.perf_counter()
    for doc in docs:
        options = dataintegrity.proof_options(method, doc["validFrom"])
        data, nquads = _pyld_hash_data(doc, options, configs)
        pyld_proofs.append(key.sign(data).hex())
        pyld_nquads.append(nquads)
    pyld_cpu, pyld_wall = time.process_time() - cpu, time.perf_counter() - wall

    fast_proofs: list[str] = []
    cpu, wall = time.process_time(), time.perf_counter()
    for doc in docs:
        signed = dataintegrity.sign_eddsa_rdfc_2022(doc, key, method, doc["validFrom"])
        fast_proofs.append(signed["proof"]["proofValue"])
    fast_cpu, fast_wall = time.process_time() - cpu, time.perf_counter() - wall

    # Outside the timings: the fast path must have covered every credential, byte for byte.
    covered = sum(fastcanon.canonicalize(d) == n for d, n in zip(docs, pyld_nquads, strict=True))
    same_signatures = sum(
        dataintegrity.base58btc_decode(f[1:]).hex() == p
        for f, p in zip(fast_proofs, pyld_proofs, strict=True)
    )
    return {
        "credentials": len(docs),
        "pyld_cpu_s": round(pyld_cpu, 2),
        "pyld_wall_s": round(pyld_wall, 2),
        "fast_cpu_s": round(fast_cpu, 2),
        "fast_wall_s": round(fast_wall, 2),
        "cpu_ratio": round(pyld_cpu / fast_cpu, 1),
        "wall_ratio": round(pyld_wall / fast_wall, 1),
        "identical_nquads": covered,
        "identical_signatures": same_signatures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="synthetic site directory")
    args = parser.parse_args(argv)
    work = args.work or Path(__file__).parent / "work" / f"canon-{args.awards}"
    if not (work / "content" / "site.yaml").exists():
        synth.main([str(work), "--awards", str(args.awards), "--seed", str(args.seed)])
    docs = credentials(work / "content")
    result = measure(docs)
    print(json.dumps(result, indent=2))
    ok = result["identical_nquads"] == result["identical_signatures"] == len(docs)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
