"""`insigne recipe HOST`: print a tested deploy recipe (workflow, server block, headers)."""

from __future__ import annotations

import argparse
import sys

from generator.console import Console
from generator.deployrecipes import RECIPES, recipe_bytes

EXAMPLES = """examples:
  insigne recipe                      list the hosts and where each file goes
  insigne recipe gitlab > .gitlab-ci.yml
  insigne recipe nginx | sudo tee /etc/nginx/sites-available/badges
  insigne recipe caddy                then edit the address and the root folder

See docs/deploying.md in Insigne for each host in a few lines.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recipe",
        help="print a deploy recipe for a host (GitHub/GitLab Pages, Netlify, nginx, Caddy...)",
        description="Print the tested configuration file for a host to standard output, to "
        "save where the list (no HOST) says. 'insigne init' already writes the GitHub Pages "
        "workflow and netlify.toml, and every build writes output/_headers.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("host", nargs="?", choices=sorted(RECIPES), help="the host")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.host is None:
        for recipe in RECIPES.values():
            print(f"{recipe.host:<11} {recipe.summary}: save as {recipe.target}")
        return 0
    sys.stdout.write(recipe_bytes(RECIPES[args.host].file).decode("utf-8"))
    return 0
