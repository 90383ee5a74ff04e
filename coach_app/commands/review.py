"""`coach-app review`: the review window on the most recent call."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="review your recorded calls: waveform, transcript, notes, scorecard")
    p.add_argument("--exit-after", type=float, default=None, metavar="SECONDS", help="close after SECONDS (automation)")
    p.add_argument("--screenshot", default=None, metavar="PNG", help="save a screenshot before closing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coach_app.store import StoreError
    from coach_app.store.library import Library, default_root

    try:  # before Qt: a library open elsewhere is a message, not a window
        library = Library(default_root())
    except StoreError as exc:
        print(f"coach-app review: {exc}", file=sys.stderr)
        return 2
    try:
        from coach_app.ui.review_window import run_review  # Qt only when a window is wanted

        return run_review(library, exit_after=args.exit_after, screenshot=args.screenshot)
    finally:
        library.close()
