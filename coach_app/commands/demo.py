"""`coach-app demo`: a sample call through the real engine and the real overlay, at real time, so a
new user sees the coach work with no headset."""

from __future__ import annotations

import argparse
import sys

from coach_app.asr.select import ENGINES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="play a sample call through the live coach (no headset needed)")
    p.add_argument("--file", default=None, metavar="CALL.wav", help="any stereo call (left agent, right customer)")
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--fast", action="store_true", help="as fast as the engine goes, not real time")
    p.add_argument("--exit-after", type=float, default=None, metavar="SECONDS", help="close after SECONDS (automation)")
    p.add_argument("--screenshot", default=None, metavar="PNG", help="save a screenshot of the overlay before closing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coach_app.audio.wavsource import AudioFileError
    from coach_app.synth.flite import FliteMissing

    try:
        from coach_app.ui.demo import run_demo  # Qt only when a window is wanted

        return run_demo(args.file, args.engine, realtime=not args.fast, exit_after=args.exit_after,
                        screenshot=args.screenshot)
    except (AudioFileError, FliteMissing, FileNotFoundError) as exc:
        hint = " (or pass --file CALL.wav)" if isinstance(exc, FliteMissing) else ""
        print(f"coach-app demo: {exc}{hint}", file=sys.stderr)
        return 2
