"""Export writes exactly the asked call (audio + transcript + notes) and never overwrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach_app.store import StoreError
from coach_app.store.library import Library

from .helpers import SUMMARY, call_events, write_wav


def two_calls(library: Library, tmp_path: Path) -> tuple[int, int]:
    asked = library.save_call(write_wav(tmp_path / "asked.wav", 1.0),
                              call_events(("customer", 0.5, 1.5, "the router keeps dropping"),
                                          ("agent", 2.0, 3.0, "I will call you back by 5 pm")), SUMMARY)
    other = library.save_call(write_wav(tmp_path / "other.wav", 2.0),
                              call_events(("customer", 0.5, 1.5, "secret other call")), SUMMARY)
    library.add_note(asked, 2.0, "gave a timeframe", "good_example")
    library.add_note(other, 1.0, "not for export")
    return asked, other


def test_export_writes_exactly_the_asked_call(library: Library, tmp_path: Path) -> None:
    asked, _ = two_calls(library, tmp_path)
    dest = tmp_path / "for supervisor"
    assert not dest.exists()  # nothing leaves the library before the agent asks

    result = library.export_call(asked, dest)

    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in result.files)
    assert len(result.files) == 4 and not result.audio_missing
    assert all(f"call-{asked}-" in p.name for p in result.files)
    audio, text, jsonl, notes = result.files
    assert audio.read_bytes() == library.call_detail(asked).audio_path.read_bytes()
    everything = "".join(p.read_text(encoding="utf-8") for p in (text, jsonl, notes))
    assert "router keeps dropping" in everything and "call you back by 5 pm" in everything
    assert "secret other call" not in everything and "not for export" not in everything
    assert [json.loads(line)["channel"] for line in jsonl.read_text().splitlines()] == ["customer", "agent"]
    assert "[good_example] gave a timeframe" in notes.read_text()


def test_export_never_overwrites(library: Library, tmp_path: Path) -> None:
    asked, _ = two_calls(library, tmp_path)
    dest = tmp_path / "out"
    library.export_call(asked, dest)
    before = {p: p.read_bytes() for p in dest.iterdir()}
    with pytest.raises(StoreError, match="already exists"):
        library.export_call(asked, dest)
    assert {p: p.read_bytes() for p in dest.iterdir()} == before


def test_export_without_audio_still_gives_transcript_and_notes(library: Library, tmp_path: Path) -> None:
    asked, _ = two_calls(library, tmp_path)
    library.call_detail(asked).audio_path.unlink()
    result = library.export_call(asked, tmp_path / "out")
    assert result.audio_missing
    assert [p.name.split(".", 1)[1] for p in result.files] == ["transcript.txt", "transcript.jsonl", "notes.txt"]
