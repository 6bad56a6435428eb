"""`python -m pocc solution pack`: the importable solution zip from `solution/`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pocc.solution.layout import SolutionLayoutError
from pocc.solution.pack import pack

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="solution_action", required=True)
    pack_parser = actions.add_parser("pack", help="build the solution zip")
    pack_parser.add_argument(
        "--managed",
        action="store_true",
        help="build a managed solution (default: unmanaged)",
    )
    pack_parser.add_argument(
        "--version", help="the version to stamp, X.Y.Z.W (default: Solution.xml's)"
    )
    pack_parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "dist",
        help="the folder to write the zip into (default: dist/)",
    )
    pack_parser.add_argument(
        "--solution-dir",
        type=Path,
        default=PROJECT_ROOT / "solution",
        help=argparse.SUPPRESS,
    )


def run(args: argparse.Namespace) -> int:
    try:
        packed = pack(args.solution_dir, args.out, args.managed, args.version)
    except SolutionLayoutError as error:
        logger.error("cannot pack the solution: %s", error)
        return 1

    print(packed.path)
    return 0
