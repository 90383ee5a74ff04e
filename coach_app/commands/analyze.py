"""`coach-app analyze CALL.wav...`: the live engine over recordings, faster than real time."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from coach_app import paths
from coach_app.asr.base import ModelMissing
from coach_app.asr.select import ENGINES, Choice, choose_engine
from coach_app.audio.wavsource import AudioFileError, CallAudio, open_call
from coach_app.batch import CallResult, analyze_call, analyze_transcript
from coach_app.events import Event, Words, event_to_dict
from coach_app.prompts.lexicon import LANGUAGES
from coach_app.report.timeline import nudge_records, render_summary, render_timeline
from coach_app.settings import Settings, SettingsError, load_settings
from coach_app.store import StoreError
from coach_app.transcript import TranscriptError, load_transcript

EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse recorded calls and print a timeline with coaching nudges")
    p.add_argument("files", nargs="*", metavar="CALL", help="WAV (8-48 kHz, 16/24-bit) or FLAC; stereo = left agent, right customer")
    p.add_argument("--transcript", type=Path, action="append", default=[], metavar="JSONL",
                   help="analyse a timed transcript instead (one utterance per line: channel, t0, t1, text)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--engine", choices=ENGINES, default="auto", help="recogniser (auto = Vosk if installed, else bundled)")
    p.add_argument("--lang", choices=LANGUAGES, default=None, help="language of the call (default from settings)")
    p.add_argument("--swap-channels", action="store_true", help="the customer is on the left channel")
    p.add_argument("--settings", type=Path, default=None, help="settings TOML (default: the data dir's)")
    p.add_argument("--save", action="store_true", help="also keep each call in your private library (a copy of the recording, transcript, nudges)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.files and not args.transcript:
        print("coach-app analyze: give a recording (CALL.wav) or --transcript FILE.jsonl", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        settings = load_settings(_settings_path(args))
        settings = replace(settings, language=args.lang or settings.language)
        # every input is checked before any output
        transcripts = [(path, load_transcript(path)) for path in args.transcript]
        calls = [open_call(f, swap_channels=args.swap_channels) for f in args.files]
    except (AudioFileError, SettingsError, TranscriptError) as exc:
        print(f"coach-app analyze: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path, utterances in transcripts:
        _report(analyze_transcript(utterances, settings), f"{path.name}: transcript, {len(utterances)} utterances",
                args.json, words=True)
    if not calls:
        return 0
    language = settings.language
    try:
        choice = choose_engine(args.engine, language, paths.models_dir(), settings.hints)
    except ModelMissing as exc:
        print(f"coach-app analyze: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if choice.note:
        print(f"note: {choice.note}", file=sys.stderr)
    print(f"engine: {choice.factory.name}", file=sys.stderr)
    for call in calls:
        try:
            _analyze(call, settings, choice, args.json, args.save)
        except (AudioFileError, StoreError) as exc:
            print(f"coach-app analyze: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return 0


def _analyze(call: CallAudio, settings: Settings, choice: Choice, as_json: bool, save: bool = False) -> None:
    if call.mono:
        print(f"note: {call.path.name} is mono: agent and customer are mixed, so per-speaker features "
              "(turns, response gaps, talk ratio, pause nudges) are off. Record in stereo for full coaching.",
              file=sys.stderr)
    if not as_json:
        print(call.describe())
    result = analyze_call(call, settings, choice.factory, _print_words if as_json else None)
    _report(result, call.describe(), as_json, words=False)
    if save:
        from coach_app.store.library import save_analyzed  # SQLite only when saving
        print(f"saved: {call.path.name} is call {save_analyzed(call, result)} in your library", file=sys.stderr)


def _report(result: CallResult, title: str, as_json: bool, words: bool) -> None:
    """Print a finished call; `words`: also print the words (audio calls stream them as they come)."""
    if as_json:
        if words:
            _print_words(result.events)
        for record in nudge_records(result.events):
            print(json.dumps(record, ensure_ascii=False))
        print(json.dumps(result.summary, ensure_ascii=False))
    else:
        if words:
            print(title)
        for line in render_timeline(result.events) + [""] + render_summary(result.summary, result.events):
            print(line)
    sys.stdout.flush()


def _print_words(events: list[Event]) -> None:
    for e in events:
        if isinstance(e, Words) and e.final and e.text:
            record = event_to_dict(e)
            print(json.dumps({k: record[k] for k in ("type", "channel", "t0", "t1", "text")}, ensure_ascii=False))


def _settings_path(args: argparse.Namespace) -> Path:
    if args.settings is not None:
        if not args.settings.is_file():
            raise SettingsError(f"{args.settings}: no such settings file")
        return args.settings
    return paths.data_dir(create=False) / "settings.toml"
