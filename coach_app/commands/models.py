"""`coach-app models list|install NAME`: the Vosk recognition models on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach_app import paths
from coach_app.asr import models

EXIT_FAILED = 1  # network, checksum, disk
EXIT_BAD_NAME = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list or install speech recognition models (Vosk)")
    p.set_defaults(run=run)
    actions = p.add_subparsers(dest="models_command", metavar="ACTION")
    actions.add_parser("list", help="show the catalogue and what is installed where")
    install = actions.add_parser("install", help="download, verify and unpack a model")
    install.add_argument("name", metavar="NAME", help="one of: " + ", ".join(e.name for e in models.catalogue()))
    install.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    root = paths.models_dir()
    if getattr(args, "models_command", None) == "install":
        return _install(args.name, root, progress=not args.quiet)
    return _list(root)


def _list(root: Path) -> int:
    installed = models.installed_models(root)
    by_dir = {m.path.name: m for m in installed}
    rows = [("NAME", "LANGUAGE", "SIZE", "INSTALLED")]
    for entry in models.catalogue():
        size = f"{entry.size / 1e6:.0f} MB" if entry.size else "?"
        found = by_dir.get(entry.dir_name)
        rows.append((entry.name, entry.language, size, str(found.path) if found else "no"))
    for m in installed:  # hand-copied models the catalogue does not know
        if m.name is None:
            rows.append((m.path.name, m.language or "?", "-", str(m.path)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[3])
    print(f"\nModels folder: {root}")
    if not installed:
        print(f"No Vosk model installed; the bundled English engine is used. Install one with: {models.install_command('en')}")
    return 0


def _install(name: str, root: Path, *, progress: bool) -> int:
    try:
        entry = models.get_entry(name)
        target = root / entry.dir_name
        if models.is_model_dir(target):
            print(f"{name} is already installed in {target}; nothing to do.")
            return 0
        size = f", {entry.size / 1e6:.0f} MB" if entry.size else ""
        print(f"Downloading {name}{size} from {models.download_url(name)} into {root}", file=sys.stderr)
        path = models.install_model(name, root, progress=progress)
    except models.UnknownModel as exc:
        print(f"coach-app models: {exc}", file=sys.stderr)
        return EXIT_BAD_NAME
    except models.ModelInstallError as exc:
        print(f"coach-app models: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Installed {name} in {path}")
    return 0
