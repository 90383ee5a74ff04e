"""`coach-app practice SCENARIO --answers ANSWERS.wav [--json]`: rehearse a scenario headless, with
recorded answers as the trainee's voice; `--list` shows the bundled and trainer scenarios.
`--drill CALL [--moment N]`: the same with a missed moment of one of your own calls (`--list`: its moments)."""

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
    from coach_app.practice import Catalogue, Moment, Scenario

EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("practice", help="rehearse a simulated customer and get a scorecard")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario id (see --list) or a .toml file")
    p.add_argument("--list", action="store_true",
                   help="list the bundled and trainer scenarios (with --drill: the call's moments)")
    p.add_argument("--answers", type=Path, action="append", default=[], metavar="WAV",
                   help="the trainee's answers: one WAV (answers separated by silence) or one per step")
    p.add_argument("--json", action="store_true", help="print the scorecard as one JSON object")
    p.add_argument("--drill", type=int, metavar="CALL_ID",
                   help="drill a missed moment of one of your calls (see coach-app review for call ids)")
    p.add_argument("--moment", metavar="N",
                   help="which moment to drill: its number or nudge id (default: the first; see --list)")
    p.add_argument("--window", action="store_true", help="practise in a window: answer into the microphone (or with recorded WAVs)")
    p.add_argument("--engine", choices=ENGINES, default="sphinx", help="recogniser (default: the bundled one)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coach_app.practice import ScenarioError, catalogue, find_scenario  # numpy etc. only when used

    if args.drill is not None:
        return _drill(args)
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
    from coach_app.synth.voices import VOICE_ERRORS

    settings = load_settings(paths.data_dir(create=False) / "settings.toml")
    settings = replace(settings, language=scenario.language)
    answers = load_answers(args.answers, len(scenario.steps), settings.vad)
    choice = choose_engine(args.engine, scenario.language, paths.models_dir(), settings.hints)
    try:
        card = run_practice(scenario, answers, settings, choice.factory)
    except VOICE_ERRORS as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        print("\n".join(render_scorecard(scenario, card)))
    return 0


def _drill(args: argparse.Namespace) -> int:
    from coach_app.practice import DrillError, choose_moment, drill_from_call, drillable
    from coach_app.store import StoreError
    from coach_app.store.library import DB_NAME, Library

    if args.scenario:
        return _fail("--drill takes no scenario: practice --drill CALL_ID [--moment N] "
                     "[--answers ANSWER.wav | --window]")
    root = paths.data_dir(create=False) / "library"
    if not (root / DB_NAME).is_file():
        return _fail(f"there are no saved calls yet ({root}): review or save a call first")
    moment = int(args.moment) if args.moment and args.moment.isdigit() else args.moment
    try:
        with Library(root) as library:  # read, then let go: scoring takes seconds and the app may want it
            if args.list:
                return _list_moments(drillable(library, args.drill), args.json)
            chosen = choose_moment(library, args.drill, moment)
            scenario = drill_from_call(library, args.drill, chosen)
    except (DrillError, StoreError) as exc:
        return _fail(str(exc))
    if args.window:
        from coach_app.ui.practice_window import run_practice_window  # Qt only when a window is wanted

        return run_practice_window(scenario, args.engine)
    if args.answers:
        try:
            return _practice(scenario, args)
        except (AudioFileError, SettingsError, ModelMissing) as exc:
            return _fail(str(exc))
    return _show_drill(scenario, chosen, args)


def _show_drill(scenario: Scenario, moment: Moment, args: argparse.Namespace) -> int:
    step = scenario.steps[0]
    if args.json:
        print(json.dumps({"id": scenario.id, "title": scenario.title, "language": scenario.language,
                          "voice": scenario.voice, "call": args.drill, "moment": moment.number,
                          "nudge_id": moment.nudge_id, "kind": moment.kind, "t": moment.t, "customer": step.customer,
                          "emotion": step.emotion, "expect": list(step.expect), "message": moment.message,
                          "suggestion": moment.suggestion}, ensure_ascii=False))
        return 0
    feeling = "" if step.emotion == "none" else f", sounding {step.emotion}"
    print(f"{scenario.title} ({scenario.id})\n{scenario.description}\n\n"
          f"The customer (a synthesised voice{feeling}) says:\n  {step.customer}\n\n"
          "Record your answer as a WAV (leave your pause before you speak), then score it:\n"
          f"  coach-app practice --drill {args.drill} --moment {moment.number} --answers ANSWER.wav")
    return 0


def _list_moments(moments: list[Moment], as_json: bool) -> int:
    for m in moments:
        if as_json:
            print(json.dumps({"moment": m.number, "nudge_id": m.nudge_id, "kind": m.kind, "t": m.t,
                              "customer": m.customer, "message": m.message}, ensure_ascii=False))
        else:
            minutes, seconds = divmod(int(m.t), 60)
            said = m.customer or "(no customer words recognised)"
            print(f"{m.number:>2}  {minutes}:{seconds:02d}  {m.kind:<14}  {said}")
    if not moments and not as_json:
        print("no missed moments to drill in this call")
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
