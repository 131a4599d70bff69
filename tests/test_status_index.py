"""Status list indexes: kept once given, drawn from the award key for new awards, never shared."""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

from generator import ob3
from generator.ledger import Entry, Ledger, home_status_index, status_list_size
from tests.conftest import Project

NEW_AWARD = "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n"


def test_a_new_award_takes_the_bit_its_key_points_to_and_old_ones_stay(project: Project) -> None:
    before = {k: e.extra["status"] for k, e in Ledger.load(project.content).entries.items()}
    (project.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    assert project.build().code == 0
    after = {k: e.extra["status"] for k, e in Ledger.load(project.content).entries.items()}
    [new] = set(after) - set(before)
    assert {k: after[k] for k in before} == before
    # Not max + 1 (6), which a second branch would have given its first new award too.
    assert after[new] == home_status_index(new, ob3.STATUS_LIST_BITS) != 6


def test_many_new_awards_get_distinct_bits_and_the_list_grows(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.json", {})
    count = 70_000  # more than half of the minimum list: it must double
    keys = [hashlib.sha256(str(n).encode()).hexdigest()[:32] for n in range(count)]
    for n, key in enumerate(keys):
        ledger.entries[key] = Entry(f"{n:010d}", "salt", "b", "2020-01-01")
    indexes = [ledger.status_index(key) for key in keys]
    assert len(set(indexes)) == count
    assert max(indexes) < status_list_size(count) == 2 * ob3.STATUS_LIST_BITS
    assert ledger.status_index(keys[0]) == indexes[0]  # decided once


def test_the_published_list_covers_the_highest_index() -> None:
    assert ob3.status_list_bits(0) == ob3.STATUS_LIST_BITS
    assert ob3.status_list_bits(ob3.STATUS_LIST_BITS - 1) == ob3.STATUS_LIST_BITS
    assert ob3.status_list_bits(ob3.STATUS_LIST_BITS) == 2 * ob3.STATUS_LIST_BITS
    size = ob3.status_list_bits(200_000)
    encoded = ob3.encode_bitstring({199_999}, size)[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert len(bits) * 8 == size == 262_144
    assert bits[199_999 // 8] == 0x80 >> (199_999 % 8)
