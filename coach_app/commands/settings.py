"""`coach-app settings`: show every threshold and where to change it; `--init` writes the file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, is_dataclass

from coach_app import paths
from coach_app.settings import Settings, SettingsError, load_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="show the coaching thresholds and the file that changes them")
    p.add_argument("--init", action="store_true", help="write the current settings to the settings file if it does not exist")
    p.add_argument("--forget-feedback", metavar="KIND", help="undo what the coach learnt from your 'not helpful' marks on KIND")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = paths.settings_file()
    try:
        settings = load_settings(path)
    except SettingsError as exc:
        print(f"coach-app settings: {exc}", file=sys.stderr)
        return 2
    if args.forget_feedback:
        return _forget(args.forget_feedback)
    text = to_toml(settings)
    if args.init:
        if path.exists():
            print(f"{path} already exists; edit it, or delete it to start again.", file=sys.stderr)
            return 1
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        print(f"wrote {path}")
        return 0
    print(f"# {path} ({'in use' if path.exists() else 'not created yet: coach-app settings --init'})")
    print(text, end="")
    for line in _learnt(settings):
        print(f"# {line}  (undo: coach-app settings --forget-feedback {line.split(':')[0]})")
    return 0


def _learnt(settings: Settings) -> list[str]:
    """What the coach learnt from the agent's 'not helpful' marks (the library is read, never created)."""
    from coach_app.prompts.adaptation import quieter
    from coach_app.store import StoreError
    from coach_app.store.library import Library, default_root

    if not (default_root() / "library.db").exists():
        return []
    try:
        with Library(default_root()) as library:
            counts = library.not_helpful_counts(settings.fatigue.feedback_calls)
    except StoreError as exc:
        return [f"(your library is busy, so what the coach learnt is not shown: {exc})"]
    return list(quieter(settings, counts)[1].values())


def _forget(kind: str) -> int:
    from coach_app.prompts import KINDS
    from coach_app.store import StoreError
    from coach_app.store.library import Library, default_root

    if kind not in KINDS:
        print(f"coach-app settings: unknown kind '{kind}' (kinds: {', '.join(KINDS)})", file=sys.stderr)
        return 2
    try:
        with Library(default_root()) as library:
            n = library.forget_feedback(kind)
    except StoreError as exc:
        print(f"coach-app settings: {exc}", file=sys.stderr)
        return 1
    print(f"forgot {n} 'not helpful' marks on {kind}: it coaches at its normal threshold again")
    return 0


def to_toml(settings: Settings) -> str:
    top, sections = [], []
    for f in fields(settings):
        value = getattr(settings, f.name)
        if is_dataclass(value):
            body = "".join(f"{g.name} = {_value(getattr(value, g.name))}\n" for g in fields(value))
            sections.append(f"\n[{f.name}]\n{body}")
        else:
            top.append(f"{f.name} = {_value(value)}\n")
    return "".join(top) + "".join(sections)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)
