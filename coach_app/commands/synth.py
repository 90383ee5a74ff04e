"""`coach-app synth SCRIPT -o OUT.wav`: render a call script to a stereo WAV (left agent, right customer)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach_app.synth import (
    FliteError,
    FliteMissing,
    ScriptError,
    load_script,
    render_call,
    sample_names,
    sample_path,
    write_call,
)

RATES = (8000, 16000, 44100, 48000)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "synth",
        help="render a call script to a stereo WAV with flite voices",
        description="Render a call script (lines of 'SPEAKER[/VOICE] GAP: TEXT') to a stereo WAV: "
        "left = agent, right = customer. SCRIPT may also name a bundled sample: "
        + ", ".join(sample_names()),
    )
    parser.add_argument("script", metavar="SCRIPT", help="call script file, or a bundled sample name")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.wav")
    parser.add_argument("--rate", type=int, default=16000, choices=RATES, help="output sample rate (default 16000)")
    parser.add_argument("--noise-db", type=float, default=None, metavar="DB", help="add white noise at this RMS dBFS, e.g. -50")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--truth", type=Path, default=None, metavar="OUT.jsonl", help="write the ground-truth timeline as JSON lines")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR", help="reuse rendered lines from this directory")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        script_file = Path(args.script)
        if not script_file.exists() and args.script in sample_names():
            script_file = sample_path(args.script)
        script = load_script(script_file)
        rendered = render_call(script, sample_rate=args.rate, noise_db=args.noise_db, seed=args.seed, cache_dir=args.cache)
        write_call(rendered, args.output, args.truth)
    except (ScriptError, FliteMissing, FliteError, OSError) as exc:
        print(f"coach-app synth: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.output}: {rendered.duration:.1f} s, {rendered.sample_rate} Hz stereo (left agent, right customer), "
        f"{len(rendered.truth)} lines" + (f"; truth in {args.truth}" if args.truth else "")
    )
    return 0
