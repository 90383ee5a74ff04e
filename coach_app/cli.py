"""`coach-app` entry point: dispatches to coach_app/commands/*."""

from __future__ import annotations

import argparse
import sys

from coach_app.commands import analyze, app, demo, models, settings, synth

COMMANDS = (app, analyze, demo, models, synth, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach-app", description="Private, offline coaching for call-centre agents.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:  # bare `coach-app` opens the desktop app
        args = build_parser().parse_args(["app", *(sys.argv[1:] if argv is None else argv)])
    return int(args.run(args) or 0)
