"""The library as the app sees it: save, list, search, open, delete, retention, export, repair.

Layout under `root` (owner-only): `library.db`, `library.lock`, `recordings/*.wav`. The lock is
taken before the database is opened, so a second instance never even migrates it.
At start the app calls `startup_repair()` then `apply_retention(days)`.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import soundfile as sf

from coach_app import paths
from coach_app.events import Event
from coach_app.store import StoreError, rows
from coach_app.store.db import open_db, write_tx
from coach_app.store.export import ExportResult, write_export
from coach_app.store.lock import StoreLock
from coach_app.store.recorder import RecordingDamaged, repair
from coach_app.store.writer import StoreWriter

if TYPE_CHECKING:  # only for save_analyzed's signature: the store does not need the engine
    from coach_app.audio.wavsource import CallAudio
    from coach_app.batch import CallResult

DB_NAME = "library.db"
LOCK_NAME = "library.lock"
RECORDINGS = "recordings"
LIST_COLUMNS = ("id, started_at, saved_at, duration, title, source, status, turns, talk_ratio, median_response_gap, "
                "nudge_counts_json")


def default_root() -> Path:
    return paths.data_dir() / "library"


@dataclass(frozen=True)
class CallRow:
    """One line of the call list."""

    id: int
    started_at: str
    saved_at: str
    duration: float
    title: str
    source: str
    status: str  # recording | complete | repaired | damaged
    turns: int | None
    talk_ratio: float | None
    median_response_gap: float | None
    nudge_counts_json: str = "{}"

    @cached_property
    def nudge_counts(self) -> dict[str, dict[str, int]]:
        """kind -> outcome -> n. Parsed on first use: of 10,000 listed calls a view shows a screenful."""
        counts: dict[str, dict[str, int]] = json.loads(self.nudge_counts_json)
        return counts


@dataclass(frozen=True)
class CallDetail:
    call: CallRow
    audio_path: Path
    audio_problem: str  # "" when the audio plays; else plain words for the review window
    layout: str
    summary: dict[str, Any]
    utterances: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    pauses: list[dict[str, Any]]


@dataclass(frozen=True)
class RepairedCall:
    call_id: int
    path: Path
    duration: float
    status: str  # repaired | damaged
    message: str


class Library:
    """One per app instance. Its connection belongs to the thread that opened it (the UI thread);
    live rows go through `writer()`, which has its own. Close the writer before the library."""

    def __init__(self, root: str | Path) -> None:
        """Raises StoreInUse when another instance has this library open."""
        self.root = paths.ensure_private_dir(Path(root))
        self.recordings_dir = paths.ensure_private_dir(self.root / RECORDINGS)
        self.db_path = self.root / DB_NAME
        self._lock = StoreLock(self.root / LOCK_NAME).acquire()
        try:
            self.db = open_db(self.db_path)
        except BaseException:
            self._lock.release()
            raise

    def close(self) -> None:
        self.db.close()
        self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def writer(self, on_error: Callable[[Exception], None] | None = None) -> StoreWriter:
        """The live call's writer thread (same process, so it shares this instance's lock)."""
        return StoreWriter(self.db_path, self.root, on_error).start()

    def new_recording_path(self, suffix: str = ".wav") -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.recordings_dir / f"{stamp}-{uuid.uuid4().hex[:6]}{suffix}"

    def save_call(self, audio_path: str | Path, events: list[Event], summary: dict[str, Any] | None, *,
                  source: str = "import", layout: str = "agent_left", started_at: str | None = None,
                  language: str | None = None, copy_audio: bool = True) -> int:
        """A whole call at once. `copy_audio`: a private copy goes into the library, so deleting the call
        later never touches the agent's original file."""
        audio_path = Path(audio_path)
        stored = self._private_copy(audio_path) if copy_audio else audio_path
        try:
            with write_tx(self.db):
                call_id = rows.insert_call(self.db, rows.stored_path(self.root, stored), title=audio_path.name,
                                           source=source, layout=layout, started_at=started_at, language=language)
                rows.add_events(self.db, call_id, events)
                duration = float((summary or {}).get("duration") or _audio_duration(stored))
                rows.finish_call(self.db, call_id, duration, summary)
        except BaseException:
            if copy_audio:
                stored.unlink(missing_ok=True)
            raise
        return call_id

    def list_calls(self, search: str | None = None, limit: int | None = None) -> list[CallRow]:
        """Newest first; `search`: calls whose transcript contains the phrase."""
        where = ""
        params: list[Any] = []
        if search and search.strip():
            clause, params = self._match(search)
            where = f"WHERE id IN (SELECT call_id FROM utterances WHERE {clause})"
        sql = f"SELECT {LIST_COLUMNS} FROM calls {where} ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = list(self.db.query(sql, params))
        live = rows.nudge_counts(self.db, [r["id"] for r in found if r["nudge_counts_json"] is None])
        return [_call_row(r, r["nudge_counts_json"] or json.dumps(live.get(r["id"], {}))) for r in found]

    def search_utterances(self, phrase: str, limit: int = 100) -> list[dict[str, Any]]:
        """Transcript lines containing the phrase, with their call and time (for jump-to-line)."""
        clause, params = self._match(phrase)
        sql = (f"SELECT id, call_id, channel, t0, t1, text FROM utterances WHERE {clause} "
               "ORDER BY call_id DESC, t0 LIMIT ?")
        return list(self.db.query(sql, [*params, limit]))

    def call_detail(self, call_id: int) -> CallDetail:
        found = list(self.db.query("SELECT * FROM calls WHERE id = ?", [call_id]))
        if not found:
            raise StoreError(f"call {call_id} is not in the library (it may have been deleted)")
        row = found[0]
        audio = rows.resolve_path(self.root, row["audio_path"] or "")

        def table(name: str, order: str) -> list[dict[str, Any]]:
            return list(self.db.query(f"SELECT * FROM {name} WHERE call_id = ? ORDER BY {order}", [call_id]))

        return CallDetail(
            call=_call_row(row, json.dumps(rows.nudge_counts(self.db, [call_id]).get(call_id, {}))), audio_path=audio,
            audio_problem=_audio_problem(audio), layout=row["layout"], summary=json.loads(row["summary_json"] or "{}"),
            utterances=table("utterances", "t0, id"), nudges=table("nudges", "t, id"), notes=table("notes", "t, id"),
            scores=table("scores", "item"), pauses=table("pauses", "t0"))

    def add_note(self, call_id: int, t: float, text: str, kind: str = "note") -> int:
        with write_tx(self.db):
            return rows.add_note(self.db, call_id, t, text, kind)

    def set_score(self, call_id: int, item: str, value: float | None, edited_by_agent: bool = True) -> None:
        with write_tx(self.db):
            rows.set_score(self.db, call_id, item, value, edited_by_agent)

    def set_nudge_feedback(self, call_id: int, nudge_id: str, feedback: str | None) -> None:
        with write_tx(self.db):
            rows.set_nudge_feedback(self.db, call_id, nudge_id, feedback)

    def not_helpful_counts(self, last_calls: int = 20) -> dict[str, int]:
        """How often the agent marked each kind of nudge "not helpful" in their latest calls."""
        sql = ("SELECT kind, COUNT(*) AS n FROM nudges WHERE feedback = 'not_helpful' AND call_id IN "
               "(SELECT id FROM calls ORDER BY id DESC LIMIT ?) GROUP BY kind")
        return {r["kind"]: int(r["n"]) for r in self.db.query(sql, [last_calls])}

    def forget_feedback(self, kind: str) -> int:
        """Undo what the coach learnt for a kind: its "not helpful" marks are cleared."""
        with write_tx(self.db):
            cursor = self.db.execute("UPDATE nudges SET feedback = NULL WHERE kind = ? AND feedback = 'not_helpful'", [kind])
        return int(cursor.rowcount or 0)

    def add_practice_run(self, scenario: str, call_id: int | None, duration: float, result: dict[str, Any]) -> int:
        with write_tx(self.db):
            return rows.add_practice_run(self.db, scenario, call_id, duration, result)

    def delete_call(self, call_id: int) -> None:
        """Audio first, then rows: a crash in between leaves a row without audio (shown, deletable
        again), never an orphan recording that startup_repair would bring back."""
        for row in self.db.query("SELECT audio_path FROM calls WHERE id = ?", [call_id]):
            audio = rows.resolve_path(self.root, row["audio_path"] or "")
            if self._owns(audio):
                audio.unlink(missing_ok=True)
        with write_tx(self.db):
            rows.delete_rows(self.db, call_id)

    def apply_retention(self, days: int | None, now: datetime | None = None) -> list[int]:
        """Delete calls saved more than `days` ago (None or 0: keep everything); returns their ids."""
        if not days or days <= 0:
            return []
        cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
        old = [r["id"] for r in self.db.query("SELECT id FROM calls WHERE saved_at < ? AND status != 'recording'",
                                              [cutoff])]
        for call_id in old:
            self.delete_call(call_id)
        return old

    def export_call(self, call_id: int, dest_dir: str | Path) -> ExportResult:
        """Audio + transcript + notes of this one call into `dest_dir`, only when the agent asks."""
        return write_export(self.call_detail(call_id), Path(dest_dir))

    def startup_repair(self) -> list[RepairedCall]:
        """Calls left 'recording' by a crash, and recordings whose row never got written: repair the
        WAV (≤ sync interval lost), finish the rows, list them for the agent."""
        done: list[RepairedCall] = []
        known = set()
        for row in list(self.db.query("SELECT id, audio_path FROM calls")):
            known.add(rows.resolve_path(self.root, row["audio_path"] or "").resolve())
        for row in list(self.db.query("SELECT id, audio_path FROM calls WHERE status = 'recording'")):
            done.append(self._repair_call(row["id"], rows.resolve_path(self.root, row["audio_path"] or "")))
        for wav in sorted(self.recordings_dir.glob("*.wav")):
            if wav.resolve() not in known:
                with write_tx(self.db):
                    call_id = rows.insert_call(self.db, rows.stored_path(self.root, wav), title=wav.name)
                done.append(self._repair_call(call_id, wav))
        return done

    def _repair_call(self, call_id: int, audio: Path) -> RepairedCall:
        try:
            fixed = repair(audio)
            status, duration = "repaired", fixed.duration
            message = f"The app stopped during this call; the recording up to {duration:.0f} s was recovered."
        except (RecordingDamaged, OSError) as exc:
            status, duration = "damaged", 0.0
            message = f"The app stopped during this call and its recording could not be recovered ({exc})."
        with write_tx(self.db):
            rows.finish_call(self.db, call_id, duration, None, status=status)
            rows.end_pause(self.db, call_id, duration)
        return RepairedCall(call_id, audio, duration, status, message)

    def _private_copy(self, source: Path) -> Path:
        dest = self.new_recording_path(source.suffix.lower() or ".wav")
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out)
        return dest

    def _owns(self, audio: Path) -> bool:
        try:
            audio.resolve().relative_to(self.recordings_dir.resolve())
            return True
        except ValueError:  # a file the library only points at: not ours to delete
            return False

    def _match(self, phrase: str) -> tuple[str, list[Any]]:
        """A WHERE clause on utterances: FTS phrase match, or LIKE where the trigram index cannot help."""
        phrase = " ".join(phrase.split())
        trigram = "trigram" in (self.db.table("utterances_fts").schema or "")
        if trigram and len(phrase) < 3:
            escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return "text LIKE ? ESCAPE '\\'", [f"%{escaped}%"]
        quoted = '"' + phrase.replace('"', '""') + '"'
        return "id IN (SELECT rowid FROM utterances_fts WHERE utterances_fts MATCH ?)", [quoted]


def save_analyzed(call: CallAudio, result: CallResult, root: Path | None = None) -> int:
    """`coach-app analyze CALL --save`: a private copy of the recording and its analysis in the library."""
    layout = "mono" if call.mono else "customer_left" if call.swap else "agent_left"
    recorded = datetime.fromtimestamp(call.path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    with Library(root or default_root()) as library:
        return library.save_call(call.path, result.events, result.summary, source="import", layout=layout,
                                 started_at=recorded)


def _call_row(r: dict[str, Any], counts: str) -> CallRow:
    return CallRow(r["id"], r["started_at"], r["saved_at"], r["duration"] or 0.0, r["title"] or "", r["source"],
                   r["status"], r["turns"], r["talk_ratio"], r["median_response_gap"], counts)


def _audio_problem(audio: Path) -> str:
    if not audio.is_file():
        return f"The recording for this call is missing ({audio}); the transcript and notes are still here."
    try:
        sf.info(str(audio))
    except Exception as exc:  # libsndfile's errors vary by version
        return f"The recording for this call cannot be played ({exc}); the transcript and notes are still here."
    return ""


def _audio_duration(audio: Path) -> float:
    try:
        return float(sf.info(str(audio)).duration)
    except Exception:
        return 0.0


__all__ = ["CallDetail", "CallRow", "ExportResult", "Library", "RepairedCall", "default_root", "save_analyzed"]
