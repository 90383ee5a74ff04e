"""`coach-app analyze CALL --save`: the recording (a private copy) and its analysis in the library."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from coach_app.audio.wavsource import open_call
from coach_app.batch import analyze_transcript
from coach_app.report.timeline import nudge_records
from coach_app.settings import Settings
from coach_app.store import StoreInUse
from coach_app.store.library import Library, save_analyzed
from coach_app.transcript import Utterance

from .helpers import RATE, tone, write_wav

LINES = [Utterance("customer", 0.5, 4.0, "I was charged twice for my order and I want my money back."),
         Utterance("agent", 4.4, 6.0, "Okay, can I have your order number please?")]


def test_save_analyzed_imports_the_call(tmp_path: Path, library_root: Path) -> None:
    original = write_wav(tmp_path / "monday call.wav", 6.5)
    result = analyze_transcript(LINES, Settings())
    assert nudge_records(result.events)  # the rules found something to save

    call_id = save_analyzed(open_call(original), result, library_root)

    with Library(library_root) as library:
        detail = library.call_detail(call_id)
        listed = library.list_calls()
    assert [c.id for c in listed] == [call_id]
    expected: dict[str, dict[str, int]] = {}
    for n in nudge_records(result.events):
        expected.setdefault(n["kind"], {}).setdefault(n["outcome"], 0)
        expected[n["kind"]][n["outcome"]] += 1
    assert listed[0].nudge_counts == detail.call.nudge_counts == expected  # the list's per-kind counts
    assert detail.call.title == "monday call.wav" and detail.call.source == "import"
    assert detail.audio_path.parent == library_root / "recordings"
    assert detail.audio_path.read_bytes() == original.read_bytes()
    assert detail.layout == "agent_left" and detail.call.duration == result.summary["duration"]
    assert [u["text"] for u in detail.utterances] == [u.text for u in LINES]
    saved = [(n["kind"], n["t"], n["outcome"], n["message"]) for n in detail.nudges]
    assert saved == [(n["kind"], n["t"], n["outcome"], n["message"]) for n in nudge_records(result.events)]
    assert detail.summary == result.summary and detail.call.talk_ratio == result.summary["talk_ratio"]


@pytest.mark.parametrize(("channels", "swap", "layout"), [(2, True, "customer_left"), (1, False, "mono")])
def test_the_channel_layout_is_remembered(tmp_path: Path, library_root: Path, channels: int, swap: bool,
                                         layout: str) -> None:
    path = tmp_path / "call.wav"
    sf.write(str(path), tone(6.5)[:, :channels], RATE)
    call_id = save_analyzed(open_call(path, swap_channels=swap), analyze_transcript(LINES, Settings()), library_root)
    with Library(library_root) as library:
        assert library.call_detail(call_id).layout == layout


def test_saving_while_the_app_is_open_is_refused(tmp_path: Path, library: Library, library_root: Path) -> None:
    call = open_call(write_wav(tmp_path / "call.wav", 6.5))
    with pytest.raises(StoreInUse, match="already open"):
        save_analyzed(call, analyze_transcript(LINES, Settings()), library_root)
    assert library.list_calls() == [] and list(library.recordings_dir.iterdir()) == []


def test_the_default_library_is_in_the_data_dir(tmp_path: Path, private_home: Path) -> None:
    call_id = save_analyzed(open_call(write_wav(tmp_path / "call.wav", 6.5)), analyze_transcript(LINES, Settings()))
    with Library(private_home / "library") as library:
        assert [c.id for c in library.list_calls()] == [call_id]
