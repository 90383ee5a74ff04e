"""Writing the agent's settings file: only the section that changed, everything else kept as typed.

The file is the agent's own (comments, tuned thresholds), so a device choice must not reformat it:
the [capture] table's lines are replaced in the text and the rest is copied byte for byte.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from coach_app.paths import ensure_private_dir
from coach_app.settings import CaptureSettings, SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")


def capture_toml(capture: CaptureSettings) -> str:
    return "[capture]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in asdict(capture).items())


def _toml(v: str | int) -> str:
    if isinstance(v, str):  # device names are free text: escape what TOML's basic strings require
        return '"' + "".join(c if c >= " " and c not in '"\\\x7f' else f"\\u{ord(c):04x}" for c in v) + '"'
    return str(int(v))


def save_capture(path: Path, capture: CaptureSettings) -> None:
    """Replace (or add) the [capture] table of `path`; other settings and comments are kept.

    Raises SettingsError when the file is not valid TOML (we never overwrite what we cannot read)
    and OSError when it cannot be written.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc}); fix it before saving devices") from exc
    new = _replace_section(text, "capture", capture_toml(capture))
    try:
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        after = {}
    before.pop("capture", None)
    if not after or {k: v for k, v in after.items() if k != "capture"} != before or after.get("capture") != asdict(capture):
        # e.g. `capture.x = 1` dotted keys, or a multi-line string that looks like a header
        raise SettingsError(f"{path}: [capture] is written in a form this editor cannot update; edit it by hand")
    _write_private(path, new)


def _replace_section(text: str, name: str, section: str) -> str:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) == name
                  and not line.lstrip().startswith("[[")), None)
    if start is None:
        return text + ("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + section
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():  # keep the blank line before the next table
        end -= 1
    return "".join(lines[:start]) + section + "".join(lines[end:])


def _write_private(path: Path, text: str) -> None:
    """Atomic (a crash leaves the old file or the new one, never half) and owner-only."""
    if not path.parent.exists():
        ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
