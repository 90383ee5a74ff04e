"""`coach-app` entry point: dispatches to coach_app/commands/*."""

from __future__ import annotations

import argparse
import sys

from coach_app.commands import analyze, app, demo, models, practice, review, settings, synth

COMMANDS = (app, analyze, demo, models, synth, settings, practice, review)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach-app", description="Private, offline coaching for call-centre agents.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["app", *argv]  # bare `coach-app` (with app options) opens the desktop app
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)
