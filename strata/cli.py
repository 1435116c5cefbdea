"""The ``strata`` command: one subcommand per module, each with its own ``--help``.

A subcommand module has ``DESCRIPTION`` (and optionally ``EPILOG``), ``configure(parser)`` adding
its options and ``run(args) -> int`` returning the exit code. Optionally ``check(args) -> str |
None`` completes the arguments or names what is wrong with them (an argument error: usage and
exit 2), and ``PASSES_ARGS = True`` lets it take arguments it does not know (``args.passed``,
for dbt). Only the module of the command being run is imported (``strata --help`` and
``strata refresh`` do not load numpy, pyarrow or pandas).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType

from strata import __version__

#: name -> (module, the line in `strata --help`), in the order of `strata --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "refresh": (
        "strata.refresh",
        "scheduled refresh: lock, dbt build, publish the marts for BI (docs/refresh.md)",
    ),
    "build": ("strata.build", "dbt build with a short progress view; dbt's log to build.log"),
    "load-raw": (
        "strata.load_raw",
        "copy the raw files into PostgreSQL for the postgres target (README, Spark / PostgreSQL)",
    ),
    "summary": ("strata.summary", "print the tier summary of a built warehouse (make demo's)"),
    "generate": (
        "strata.generate",
        "generate deterministic demo data: transactions, customers, events",
    ),
    "bench": (
        "strata.bench.run",
        "benchmark dbt build at scale against a DuckDB baseline and pandas (docs/benchmark.md)",
    ),
}


def command_module(name: str) -> ModuleType:
    return import_module(COMMANDS[name][0])


def make_parser(
    chosen: str | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``strata`` parser and its subcommand parsers; only ``chosen``'s has its options."""
    parser = argparse.ArgumentParser(
        prog="strata",
        description="Strata: customer tiers (RFM) as a dbt project on DuckDB. dbt runs in the "
        "repository root, from wherever strata is started. README.md has the whole story.",
        epilog="`strata COMMAND --help` shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"strata {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers = {}
    for name, (_, summary) in COMMANDS.items():
        if name != chosen:
            parsers[name] = commands.add_parser(name, help=summary)
            continue
        module = command_module(name)
        parsers[name] = commands.add_parser(
            name,
            help=summary,
            description=module.DESCRIPTION,
            epilog=getattr(module, "EPILOG", None),
            # a command passing options on to dbt must not take an abbreviation of one of them
            allow_abbrev=not getattr(module, "PASSES_ARGS", False),
        )
        module.configure(parsers[name])
    return parser, parsers


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    parser, parsers = make_parser(chosen if chosen in COMMANDS else None)
    args, passed = parser.parse_known_args(argv)
    module, command_parser = command_module(args.command), parsers[args.command]
    if getattr(module, "PASSES_ARGS", False):
        args.passed = passed
    elif passed:
        command_parser.error(f"unrecognized arguments: {' '.join(passed)}")
    check = getattr(module, "check", None)
    problem = check(args) if check is not None else None
    if problem:
        command_parser.error(problem)
    return module.run(args)
