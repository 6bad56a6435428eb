"""The `python -m pocc` command line: one subcommand per entry point.

Each subcommand lives in its own module, which offers `add_arguments(parser)` and
`run(args) -> int`; this module only wires them together and configures logging.
Only the chosen subcommand's module is imported: `demo` and `bench` need development
requirements (Faker) that a production install, such as the container image, lacks.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# subcommand -> (module with `add_arguments(parser)` and `run(args) -> int`, help)
SUBCOMMANDS = {
    "sandbox": ("pocc.sandbox.server", "run the embedded cloud services"),
    "demo": ("pocc.sandbox.demo", "run the main job end to end on the sandbox"),
    "config": ("pocc.config_command", "print the effective settings, secrets masked"),
    "serve": ("pocc.web.serve", "run the proxy (the same app as gunicorn app:app)"),
    "worker": ("pocc.jobs.worker", "run queued jobs for every configured organisation"),
    "bench": ("pocc.bench.command", "measure Sends of 2,000 to 100,000 recipients"),
    "solution": ("pocc.solution.command", "pack the D365 solution zip from solution/"),
    "usage": ("pocc.billing", "print an organisation's enabled users (billing figure)"),
    "customfields": (
        "pocc.customfields.command",
        "check the custom field mappings of an organisation",
    ),
}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The command line; `chosen` (default: every subcommand) gets its options."""
    parser = argparse.ArgumentParser(prog="python -m pocc")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default: INFO)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)

    for name, (module_name, help_text) in SUBCOMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text)

        if chosen is None or name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(subparser)
            subparser.set_defaults(module=module)

    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    # The first word naming a subcommand is the subcommand: option values never do.
    chosen = next((word for word in words if word in SUBCOMMANDS), "")
    args = build_parser(chosen).parse_args(words)

    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    return args.module.run(args)
