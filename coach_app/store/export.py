"""Export of one call, only when the agent asks: the audio, the transcript (readable text, and JSONL
that `coach-app analyze --transcript` reads back) and the agent's notes. Nothing is overwritten."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from coach_app.report.timeline import clock
from coach_app.store import StoreError

if TYPE_CHECKING:
    from coach_app.store.library import CallDetail


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    audio_missing: bool  # the call's recording was gone or unreadable: transcript and notes only


def write_export(detail: CallDetail, dest_dir: Path) -> ExportResult:
    base = f"call-{detail.call.id}-{detail.call.started_at[:19].replace(':', '').replace('T', '-')}"
    audio_ok = not detail.audio_problem
    names = [f"{base}.transcript.txt", f"{base}.transcript.jsonl", f"{base}.notes.txt"]
    if audio_ok:
        names.insert(0, base + (detail.audio_path.suffix or ".wav"))
    targets = [dest_dir / name for name in names]
    clash = [t for t in targets if t.exists()]
    if clash:  # checked before writing anything: no half exports
        raise StoreError(f"{clash[0]} already exists; choose another folder or move it away")
    dest_dir.mkdir(parents=True, exist_ok=True)
    it = iter(targets)
    if audio_ok:
        with open(detail.audio_path, "rb") as src, _private(next(it), "wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    lines = detail.utterances
    with _private(next(it), "w") as out:
        out.writelines(f"{clock(u['t0'])}  {u['channel'].upper():9s} {u['text']}\n" for u in lines)
    with _private(next(it), "w") as out:
        out.writelines(json.dumps({k: u[k] for k in ("channel", "t0", "t1", "text")}, ensure_ascii=False) + "\n"
                       for u in lines)
    with _private(next(it), "w") as out:
        out.writelines(f"{clock(n['t'])}  [{n['kind']}] {n['text']}\n" for n in detail.notes)
    return ExportResult(targets, audio_missing=not audio_ok)


@contextmanager
def _private(path: Path, mode: str) -> Iterator[IO]:
    """Owner-only, and O_EXCL so a file that appeared meanwhile is not clobbered."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as f:
        yield f
