"""The single writer thread: the live worker's calls return at once, rows land in order, a bad
write is reported without losing the others."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from coach_app.events import Words
from coach_app.store import StoreError
from coach_app.store.library import Library
from coach_app.store.writer import StoreWriter

from .helpers import SUMMARY, call_events


def utterance(i: float) -> Words:
    return Words("agent", i, i + 0.5, f"line {i:g}")


def test_the_live_worker_never_waits_on_sqlite(library: Library) -> None:
    writer = library.writer()
    blocker = sqlite3.connect(library.db_path, timeout=0, check_same_thread=False)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database, as a slow disk would
        released = threading.Timer(1.0, blocker.rollback)
        released.start()
        slowest = 0.0
        call = writer.start_call(library.new_recording_path())
        for i in range(200):
            start = time.perf_counter()
            writer.add_events(call, [utterance(i)])
            slowest = max(slowest, time.perf_counter() - start)
        assert slowest < 0.05  # while every write waits ~1 s for the lock
        assert call.id is None  # nothing written yet, and nobody waited for it
        released.join()
        assert writer.flush(10)
    finally:
        blocker.close()
        writer.close()
    texts = [u["text"] for u in library.call_detail(call.wait_id(1)).utterances]
    assert texts == [f"line {i}" for i in range(200)]


def test_rows_arrive_in_order_for_interleaved_calls(library: Library) -> None:
    with library.writer() as writer:
        a, b = writer.start_call(library.new_recording_path()), writer.start_call(library.new_recording_path())
        for i in range(5):
            writer.add_events(a, [utterance(i)])
            writer.add_events(b, [utterance(10 + i)])
        writer.add_note(a, 1.0, "bookmark here", "bookmark")
        writer.add_events(a, call_events(nudges=1, resolve=False))
        writer.add_events(b, call_events(nudges=1, resolve=False))
        writer.finish_call(a, 5.0, SUMMARY)
    # close() wrote everything that was submitted
    detail_a, detail_b = library.call_detail(a.wait_id(0)), library.call_detail(b.wait_id(0))
    assert [u["t0"] for u in detail_a.utterances] == [0, 1, 2, 3, 4]
    assert [u["t0"] for u in detail_b.utterances] == [10, 11, 12, 13, 14]
    assert detail_a.call.status == "complete" and detail_b.call.status == "recording"
    nudges = {c.id: c.nudge_counts for c in library.list_calls()}
    assert nudges == {a.id: {"pause": {"missed": 1}}, b.id: {"pause": {"pending": 1}}}  # b is still going
    assert [n["kind"] for n in detail_a.notes] == ["bookmark"]


def test_a_failing_write_is_reported_and_the_rest_is_kept(library: Library) -> None:
    seen: list[Exception] = []
    writer = library.writer(on_error=seen.append)
    try:
        call = writer.start_call(library.new_recording_path())
        writer.add_events(call, call_events(("agent", 0.5, 1.0, "before"), nudges=0))

        def bad(db: Database) -> None:
            db.execute("INSERT INTO no_such_table VALUES (1)")

        writer.submit(bad)
        writer.add_events(call, call_events(("agent", 2.0, 3.0, "after"), nudges=0))
        assert writer.flush(5)
    finally:
        writer.close()
    assert len(seen) == 1 and "no_such_table" in str(seen[0]) and writer.errors == seen
    assert [u["text"] for u in library.call_detail(call.wait_id(0)).utterances] == ["before", "after"]


def test_a_writer_that_cannot_open_the_database_says_so_at_start(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot be opened"):
        StoreWriter(tmp_path / "missing-dir" / "library.db", tmp_path).start()
