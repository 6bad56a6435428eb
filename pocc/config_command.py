"""`python -m pocc config`: the effective settings, secrets masked, or a new key."""

from __future__ import annotations

import argparse
import os
import sys

from pocc.config import describe, load_settings
from pocc.errors import ConfigurationError
from pocc.vault import new_key


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--new-key",
        action="store_true",
        help="print a fresh key for POCC_SECRET_KEY and exit",
    )


def run(args: argparse.Namespace) -> int:
    if args.new_key:
        print(new_key())
        return 0

    rows = describe(os.environ)
    width = max(len(name) for name, _, _ in rows)

    for name, shown, description in rows:
        print(f"{name:<{width}}  {shown}")
        print(f"{'':<{width}}  # {description}")

    try:
        load_settings(os.environ)
    except ConfigurationError as error:
        print(f"\n{error}", file=sys.stderr)
        return 2

    print("\nThe configuration is valid.")
    return 0
