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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = paths.settings_file()
    try:
        settings = load_settings(path)
    except SettingsError as exc:
        print(f"coach-app settings: {exc}", file=sys.stderr)
        return 2
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
