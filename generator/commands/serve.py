"""`insigne serve`: a local preview that rebuilds and reloads as you edit."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from pathlib import Path
from types import FrameType

from generator.commands import add_content_argument
from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.serve import Preview, ServeOptions

EXAMPLES = """examples:
  insigne serve                        http://127.0.0.1:8000/, rebuilt on every save
  insigne serve --port 8080
  insigne serve --bind 0.0.0.0         reachable from other devices on the network
  insigne serve --port 0               any free port (the address is printed)

The preview is built into .insigne-serve/ beside content/ (not output/), for the local
address. New awards get their ids in content/ledger.json as with 'insigne build'.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="preview the site locally, rebuilding and reloading on change",
        description=(
            "Build the site for http://BIND:PORT/, serve it, watch content/ and themes/, "
            "rebuild on change and reload open pages. Errors show in the terminal and over the "
            "page; the last good build stays served. Ctrl-C stops."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any)")
    parser.add_argument(
        "--bind", default="127.0.0.1", metavar="ADDRESS", help="address (default: 127.0.0.1)"
    )
    add_content_argument(parser)
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="preview build folder (default: .insigne-serve beside the content folder)",
    )
    parser.set_defaults(func=run)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, console: Console) -> int:
    if not args.content.is_dir():
        raise InsigneError(
            Problem(
                args.content,
                "content folder not found",
                hint="run insigne from your project folder, or pass --content DIR",
            )
        )
    options = ServeOptions(
        content_dir=args.content,
        output_dir=args.output,
        bind=args.bind,
        port=args.port,
        log_requests=console.verbose,
    )
    try:
        preview = Preview(options, console.info, console.error)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InsigneError(
                f"port {args.port} is already in use: try --port {args.port + 1}"
            ) from None
        raise
    # Ctrl-C even when started from a shell that ignores SIGINT in background jobs, and
    # SIGTERM (e.g. from a process manager): both stop cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        console.info(f"building {args.content} for {preview.url} into {preview.output_dir}")
        preview.start()
        console.info(f"serving on {preview.url} (Ctrl-C to stop)")
        preview.wait()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while stopping must not print a traceback either.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        preview.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print("stopped", file=sys.stderr, flush=True)
    return 0
