"""Where coach_app keeps its files.

`COACH_APP_HOME` replaces the per-user data dir everywhere (tests, portable installs). Models live
in `models/` when running from a source checkout, else in the data dir. Everything we create is
owner-only: recordings and transcripts are the agent's private material.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "coach_app"
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def data_dir(create: bool = True) -> Path:
    home = os.environ.get("COACH_APP_HOME")
    path = Path(home).expanduser() if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create:
        ensure_private_dir(path)
    return path


def source_checkout_models() -> Path | None:
    """`models/` beside pyproject.toml when coach_app runs from a source checkout."""
    if (_SOURCE_ROOT / "pyproject.toml").is_file() and (_SOURCE_ROOT / "models").is_dir():
        return _SOURCE_ROOT / "models"
    return None


def models_dir(create: bool = False) -> Path:
    if os.environ.get("COACH_APP_HOME"):
        path = data_dir(create=create) / "models"
    else:
        path = source_checkout_models() or data_dir(create=create) / "models"
    if create:
        ensure_private_dir(path)
    return path


def settings_file() -> Path:
    return data_dir() / "settings.toml"


def ensure_private_dir(path: Path) -> Path:
    # mkdir(parents=True, mode=...) gives the mode to the leaf only: make each missing parent private too
    missing, parent = [], path
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    try:
        path.chmod(0o700)
    except PermissionError:  # a shared parent we do not own: leave it be
        pass
    return path
