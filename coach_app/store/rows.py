"""Events and review actions -> rows. Plain functions on a Database, shared by the synchronous
`Library` and the `StoreWriter` thread, so a call written live and one imported at once look alike."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table

from coach_app.events import Event, Nudge, NudgeResolved, Words
from coach_app.store.db import NOTE_KINDS, utc_now, write_tx

SUMMARY_COLUMNS = ("turns", "talk_ratio", "median_response_gap", "overlaps", "engine")


def stored_path(root: Path, audio: Path) -> str:
    """Recordings inside the library are stored relative to it, so a moved portable install works."""
    try:
        return Path(audio).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(Path(audio).resolve())


def resolve_path(root: Path, stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else root / path


def insert_call(db: Database, audio_path: str, *, title: str = "", source: str = "live", layout: str = "agent_left",
                started_at: str | None = None, language: str | None = None, status: str = "recording") -> int:
    now = utc_now()
    row = {"started_at": started_at or now, "saved_at": now, "title": title, "audio_path": audio_path,
           "layout": layout, "source": source, "status": status, "language": language}
    return _pk(db.table("calls").insert(row))


def add_events(db: Database, call_id: int, events: Iterable[Event]) -> None:
    """Final words become utterances, nudges become rows, resolutions set their outcome."""
    utterances, nudges = [], []
    for e in events:
        if isinstance(e, Words) and e.final and e.text:
            words = [[w.text, w.t0, w.t1, w.conf] for w in e.words]
            utterances.append({"call_id": call_id, "channel": e.channel, "t0": e.t0, "t1": e.t1, "text": e.text,
                               "words_json": json.dumps(words, ensure_ascii=False) if words else None})
        elif isinstance(e, Nudge):
            nudges.append({"call_id": call_id, "nudge_id": e.id, "kind": e.kind, "t": e.t, "message": e.message,
                           "suggestion": e.suggestion, "evidence_json": _json(e.evidence)})
        elif isinstance(e, NudgeResolved):
            _flush(db, utterances, nudges)
            db.execute("UPDATE nudges SET outcome = ?, resolved_t = ? WHERE call_id = ? AND nudge_id = ?",
                       [e.outcome, e.t, call_id, e.id])
    _flush(db, utterances, nudges)


def finish_call(db: Database, call_id: int, duration: float, summary: dict[str, Any] | None,
                status: str = "complete") -> None:
    """The call's figures; a nudge never resolved counts as missed (as in the printed timeline)."""
    values: dict[str, Any] = {"duration": duration, "status": status}
    if summary is not None:
        values.update({k: summary.get(k) for k in SUMMARY_COLUMNS})
        values["summary_json"] = _json(summary)
    db.execute("UPDATE nudges SET outcome = 'missed' WHERE call_id = ? AND outcome IS NULL", [call_id])
    values["nudge_counts_json"] = _json(nudge_counts(db, [call_id]).get(call_id, {}))
    db.table("calls").update(call_id, values)


def nudge_counts(db: Database, ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """call id -> kind -> outcome -> n ("pending" while the call is still going)."""
    counts: dict[int, dict[str, dict[str, int]]] = {}
    sql = ("SELECT call_id, kind, outcome, count(*) AS n FROM nudges WHERE call_id IN "
           "(SELECT value FROM json_each(?)) GROUP BY call_id, kind, outcome")
    for r in db.query(sql, [json.dumps(ids)]) if ids else ():
        counts.setdefault(r["call_id"], {}).setdefault(r["kind"], {})[r["outcome"] or "pending"] = r["n"]
    return counts


def add_note(db: Database, call_id: int, t: float, text: str, kind: str = "note") -> int:
    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind must be one of {', '.join(NOTE_KINDS)}, got {kind!r}")
    row = {"call_id": call_id, "t": t, "text": text, "kind": kind, "created_at": utc_now()}
    return _pk(db.table("notes").insert(row))


def set_score(db: Database, call_id: int, item: str, value: float | None, edited_by_agent: bool) -> None:
    db.execute("INSERT INTO scores (call_id, item, value, edited_by_agent, updated_at) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT (call_id, item) DO UPDATE SET value = excluded.value, "
               "edited_by_agent = excluded.edited_by_agent, updated_at = excluded.updated_at",
               [call_id, item, value, int(edited_by_agent), utc_now()])


def set_nudge_feedback(db: Database, call_id: int, nudge_id: str, feedback: str | None) -> None:
    db.execute("UPDATE nudges SET feedback = ? WHERE call_id = ? AND nudge_id = ?", [feedback, call_id, nudge_id])


def add_pause(db: Database, call_id: int, t0: float, t1: float | None = None) -> int:
    return _pk(db.table("pauses").insert({"call_id": call_id, "t0": t0, "t1": t1}))


def end_pause(db: Database, call_id: int, t1: float) -> None:
    db.execute("UPDATE pauses SET t1 = ? WHERE call_id = ? AND t1 IS NULL", [t1, call_id])


def add_practice_run(db: Database, scenario: str, call_id: int | None, duration: float,
                     result: dict[str, Any]) -> int:
    row = {"call_id": call_id, "scenario": scenario, "started_at": utc_now(), "duration": duration,
           "result_json": _json(result)}
    return _pk(db.table("practice_runs").insert(row))


CHILD_TABLES = ("utterances", "nudges", "notes", "scores", "pauses", "practice_runs")


def delete_rows(db: Database, call_id: int) -> None:
    with write_tx(db):
        for table in CHILD_TABLES:  # children first: foreign keys are on
            db.execute(f"DELETE FROM {table} WHERE call_id = ?", [call_id])
        db.execute("DELETE FROM calls WHERE id = ?", [call_id])


def _flush(db: Database, utterances: list[dict[str, Any]], nudges: list[dict[str, Any]]) -> None:
    if utterances:
        db.table("utterances").insert_all(utterances)
        utterances.clear()
    if nudges:
        db.table("nudges").insert_all(nudges, ignore=True)  # a nudge replayed twice is one nudge
        nudges.clear()


def _pk(table: Table) -> int:
    if table.last_pk is None:
        raise RuntimeError("insert wrote no row")
    return int(table.last_pk)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
