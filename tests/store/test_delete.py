"""Delete a call: its audio and every row are gone; other calls and the agent's original file stay."""

from __future__ import annotations

from pathlib import Path

from coach_app.store.library import Library
from coach_app.store.rows import CHILD_TABLES

from .helpers import SUMMARY, call_events, write_wav


def count(library: Library, table: str, call_id: int) -> int:
    return int(library.db.execute(f"SELECT count(*) FROM {table} WHERE call_id = ?", [call_id]).fetchone()[0])


def fill(library: Library, original: Path) -> int:
    call = library.save_call(original, call_events(("customer", 0.5, 2.0, "cancel my subscription")), SUMMARY)
    library.add_note(call, 1.0, "good pause", "good_example")
    library.set_score(call, "waited_before_answering", 1)
    library.db.table("pauses").insert({"call_id": call, "t0": 0.2, "t1": 0.4})
    library.db.table("practice_runs").insert({"call_id": call, "scenario": "refund", "started_at": "2024-01-01"})
    return call


def test_delete_removes_the_audio_and_all_rows(library: Library, tmp_path: Path) -> None:
    original = write_wav(tmp_path / "original.wav")
    doomed, kept = fill(library, original), fill(library, write_wav(tmp_path / "other.wav"))
    audio = library.call_detail(doomed).audio_path
    assert audio.is_file() and audio.parent == library.recordings_dir

    library.delete_call(doomed)

    assert not audio.exists()
    assert original.is_file()  # the imported original is the agent's, not the library's
    assert [c.id for c in library.list_calls()] == [kept]
    for table in CHILD_TABLES:
        assert count(library, table, doomed) == 0, table
        assert count(library, table, kept) > 0, table
    assert [c.id for c in library.list_calls(search="cancel my subscription")] == [kept]  # index cleaned too
    fts_rows = library.db.execute("SELECT count(*) FROM utterances_fts").fetchone()[0]
    assert fts_rows == library.db.execute("SELECT count(*) FROM utterances").fetchone()[0]
    assert library.call_detail(kept).audio_problem == ""


def test_a_call_whose_audio_is_already_gone_can_still_be_deleted(library: Library, tmp_path: Path) -> None:
    call = fill(library, write_wav(tmp_path / "a.wav"))
    library.call_detail(call).audio_path.unlink()
    assert "missing" in library.call_detail(call).audio_problem  # still opens, with a clear note
    library.delete_call(call)
    assert library.list_calls() == []
