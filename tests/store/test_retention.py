"""Retention: calls older than N days are deleted at start, newer ones are kept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from coach_app.store.library import Library

from .helpers import SUMMARY, call_events, write_wav

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=timezone.utc)


def saved(library: Library, tmp_path: Path, days_ago: float) -> int:
    call = library.save_call(write_wav(tmp_path / f"{days_ago}.wav"), call_events(), SUMMARY)
    when = (NOW - timedelta(days=days_ago)).isoformat(timespec="seconds")
    library.db.table("calls").update(call, {"saved_at": when})
    return call


def test_only_calls_older_than_the_setting_are_removed(library: Library, tmp_path: Path) -> None:
    old, edge, recent = saved(library, tmp_path, 45), saved(library, tmp_path, 30.01), saved(library, tmp_path, 29.9)
    today = saved(library, tmp_path, 0)
    old_audio = library.call_detail(old).audio_path

    assert sorted(library.apply_retention(30, now=NOW)) == sorted([old, edge])

    assert {c.id for c in library.list_calls()} == {recent, today}
    assert not old_audio.exists()
    assert library.db.execute("SELECT count(*) FROM nudges WHERE call_id IN (?, ?)", [old, edge]).fetchone()[0] == 0


def test_no_retention_setting_keeps_everything(library: Library, tmp_path: Path) -> None:
    calls = {saved(library, tmp_path, 400), saved(library, tmp_path, 1)}
    assert library.apply_retention(None, now=NOW) == []
    assert library.apply_retention(0, now=NOW) == []
    assert {c.id for c in library.list_calls()} == calls
