"""`coach-app` / `coach-app app`: the desktop window."""

from __future__ import annotations

import argparse

from coach_app.asr.select import ENGINES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the desktop app (the default)")
    p.add_argument("--exit-after", type=float, default=None, metavar="SECONDS", help="close after SECONDS (automation)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help="recogniser (auto = Vosk if installed, else bundled)")
    p.add_argument("--open", default=None, metavar="CALL", help="analyse this recording at start")
    p.add_argument("--screenshot", default=None, metavar="PNG", help="save a screenshot before closing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coach_app.ui.main import run_app  # Qt only when a window is wanted

    return run_app(args.engine, exit_after=args.exit_after, screenshot=args.screenshot, open_file=args.open)
