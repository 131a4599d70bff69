"""Write the files of a built site again, and nothing else: the disk's share of a cold build.

    python benchmarks/floor.py SOURCE DEST

Reads every file under SOURCE into memory first, then times only creating the same tree under
DEST (which must not exist) from two processes, each writing every other file, as a build on
two cores does. Prints one JSON object: files, bytes, wall seconds.

No build can create its files faster than this on the same disk, whatever it computes first:
`run.py` sets it against Hugo's cold build, measured in the same rounds.
"""

from __future__ import annotations

import json
import os
import sys
import time

from generator.writer import write_and_close


def read_tree(source: str) -> tuple[list[str], list[tuple[str, bytes]]]:
    folders: list[str] = []
    files: list[tuple[str, bytes]] = []
    for root, dirs, names in os.walk(source):
        rel_root = os.path.relpath(root, source)
        folders.extend(os.path.normpath(os.path.join(rel_root, d)) for d in dirs)
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                files.append((os.path.normpath(os.path.join(rel_root, name)), handle.read()))
    return sorted(folders), files


def write_files(dest: str, files: list[tuple[str, bytes]]) -> None:
    for rel, data in files:
        fd = os.open(os.path.join(dest, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        write_and_close(fd, data)  # as the build's writer writes a file


def main(source: str, dest: str) -> dict[str, float | int]:
    folders, files = read_tree(source)
    started = time.perf_counter()
    os.mkdir(dest)
    for folder in folders:
        os.mkdir(os.path.join(dest, folder))
    child = os.fork()
    if child == 0:
        try:
            write_files(dest, files[1::2])
        finally:
            os._exit(0)
    write_files(dest, files[0::2])
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the writing child failed")
    wall = time.perf_counter() - started
    return {"files": len(files), "bytes": sum(len(d) for _, d in files), "wall": round(wall, 3)}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
