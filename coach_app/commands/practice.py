"""`coach-app practice SCENARIO --answers ANSWERS.wav [--json]`: rehearse a scenario headless, with
recorded answers as the trainee's voice; `--list` shows the bundled and trainer scenarios."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from coach_app import paths
from coach_app.asr.base import ModelMissing
from coach_app.asr.select import ENGINES, choose_engine
from coach_app.audio.wavsource import AudioFileError
from coach_app.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from coach_app.practice import Catalogue, Scenario

EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("practice", help="rehearse a simulated customer and get a scorecard")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario id (see --list) or a .toml file")
    p.add_argument("--list", action="store_true", help="list the bundled and trainer scenarios")
    p.add_argument("--answers", type=Path, action="append", default=[], metavar="WAV",
                   help="the trainee's answers: one WAV (answers separated by silence) or one per step")
    p.add_argument("--json", action="store_true", help="print the scorecard as one JSON object")
    p.add_argument("--window", action="store_true", help="practise in a window (answers as recorded WAVs)")
    p.add_argument("--engine", choices=ENGINES, default="sphinx", help="recogniser (default: the bundled one)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coach_app.practice import ScenarioError, catalogue, find_scenario  # numpy etc. only when used

    if args.list:
        return _list(catalogue(), args.json)
    if args.window:
        from coach_app.ui.practice_window import run_practice_window  # Qt only when a window is wanted

        return run_practice_window(args.scenario, args.engine)
    if not args.scenario or not args.answers:
        return _fail("give a scenario and the trainee's answers: practice SCENARIO --answers ANSWERS.wav "
                     "(or --list)")
    try:
        scenario = find_scenario(args.scenario)
        return _practice(scenario, args)
    except (ScenarioError, AudioFileError, SettingsError, ModelMissing) as exc:
        return _fail(str(exc))


def _practice(scenario: Scenario, args: argparse.Namespace) -> int:
    from coach_app.practice import load_answers, render_scorecard, run_practice
    from coach_app.synth.flite import FliteError, FliteMissing

    if scenario.language != "en":
        # flite's voices read English only; the live window shows the text for other languages.
        return _fail(f"{scenario.id} is a '{scenario.language}' scenario: headless practice needs a "
                     "customer voice in that language, and flite speaks English only")
    settings = load_settings(paths.data_dir(create=False) / "settings.toml")
    settings = replace(settings, language=scenario.language)
    answers = load_answers(args.answers, len(scenario.steps), settings.vad)
    choice = choose_engine(args.engine, scenario.language, paths.models_dir())
    try:
        card = run_practice(scenario, answers, settings, choice.factory)
    except (FliteMissing, FliteError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        print("\n".join(render_scorecard(scenario, card)))
    return 0


def _list(cat: Catalogue, as_json: bool) -> int:
    for problem in cat.problems:
        print(f"warning: {problem}", file=sys.stderr)
    rows = [{"id": s.id, "title": s.title, "language": s.language, "steps": len(s.steps), "source": origin}
            for s, origin in cat.scenarios]
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    width = max((len(s.id) for s, _ in cat.scenarios), default=2)
    for s, origin in cat.scenarios:
        mark = " (trainer)" if origin == "trainer" else ""
        print(f"{s.id:<{width}}  {s.language}  {len(s.steps)} steps  {s.title}{mark}")
    return 0


def _fail(message: str) -> int:
    print(f"coach-app practice: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
