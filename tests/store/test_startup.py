"""At start the app repairs what a crash left and enforces retention, and says so in plain words."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import soundfile as sf

from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.store.startup import on_start

from .helpers import RATE, SUMMARY, call_events, tone, write_wav

# A live call that dies after 72 s of audio: rows say 'recording', the WAV header is stale.
CRASH = """
import os, sys
from coach_app.store.library import Library
from coach_app.store.recorder import WavRecorder
sys.path.insert(0, sys.argv[2])
from helpers import call_events, tone

library = Library(sys.argv[1])
writer = library.writer()
path = library.new_recording_path()
rec = WavRecorder(path, sync_s=30.0)  # a header 12 s stale at the crash: repair must use the file length
call = writer.start_call(path)
block = tone(1.0)
for _ in range(72):
    rec.write(block)
writer.add_events(call, call_events(("customer", 0.1, 0.5, "my refund never came"), nudges=1, resolve=False))
writer.flush()
print(call.id, flush=True)
os._exit(1)
"""


def crash(root: Path) -> int:
    out = subprocess.run([sys.executable, "-c", CRASH, str(root), str(Path(__file__).parent)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr
    return int(out.stdout.split()[0])


def test_a_crashed_recording_is_recovered_and_reported(library_root: Path) -> None:
    call_id = crash(library_root)
    with Library(library_root) as library:
        stamp = datetime.strptime(library.call_detail(call_id).audio_path.name[:15], "%Y%m%d-%H%M%S")

        messages = on_start(library, Settings())

        assert messages == [f"Recovered the call from {stamp:%H:%M} that was interrupted: 1 min 12 s kept."]
        detail = library.call_detail(call_id)
        assert detail.call.status == "repaired" and detail.call.duration == 72.0
        assert detail.audio_problem == ""
        assert sf.info(str(detail.audio_path)).frames == 72 * RATE
        assert [u["text"] for u in detail.utterances] == ["my refund never came"]
        assert [c.id for c in library.list_calls()] == [call_id]
        assert on_start(library, Settings()) == []  # nothing left to say on the next start


def test_an_unrecoverable_recording_is_reported_plainly(library: Library) -> None:
    (library.recordings_dir / "20240630-140200-abcdef.wav").write_bytes(b"RIFF")  # died inside the header
    messages = on_start(library, Settings(), now=datetime(2024, 6, 30, 18, 0).astimezone())
    assert messages == ["The call from 14:02 was interrupted and its recording could not be recovered; "
                        "what was saved of its transcript is kept."]
    assert [c.status for c in library.list_calls()] == ["damaged"]


def _saved(library: Library, tmp_path: Path, days_ago: float, now: datetime) -> int:
    call = library.save_call(write_wav(tmp_path / f"{days_ago}.wav"), call_events(), SUMMARY)
    library.db.table("calls").update(call, {"saved_at": (now - timedelta(days=days_ago)).isoformat(timespec="seconds")})
    return call


def test_old_calls_are_removed_only_when_retention_is_set(library: Library, tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    old = [_saved(library, tmp_path, d, now) for d in (400, 90, 31, 30.5)]
    recent = [_saved(library, tmp_path, d, now) for d in (29, 0)]
    old_audio = [library.call_detail(c).audio_path for c in old]

    assert on_start(library, Settings(), now=now) == []  # default 0: keep forever
    assert {c.id for c in library.list_calls()} == set(old + recent)

    assert on_start(library, replace(Settings(), retention_days=30), now=now) == [
        "Removed 4 calls older than 30 days (your retention setting)."]
    assert {c.id for c in library.list_calls()} == set(recent)
    assert not any(p.exists() for p in old_audio)

    assert on_start(library, replace(Settings(), retention_days=1), now=now) == [
        "Removed 1 call older than 1 day (your retention setting)."]


def test_a_recovered_call_past_retention_is_removed_not_reported_as_kept(library: Library) -> None:
    orphan = library.recordings_dir / "20240101-090000-abcdef.wav"
    sf.write(str(orphan), tone(2.0), RATE, subtype="PCM_16")
    later = datetime.now(timezone.utc) + timedelta(days=40)  # the orphan's row is stamped now

    messages = on_start(library, replace(Settings(), retention_days=30), now=later)

    assert messages == ["Removed 1 call older than 30 days (your retention setting)."]
    assert library.list_calls() == [] and not orphan.exists()


def test_retention_is_a_setting_the_agent_can_write(tmp_path: Path) -> None:
    from coach_app.settings import load_settings

    path = tmp_path / "settings.toml"
    path.write_text("retention_days = 30\n", encoding="utf-8")
    assert load_settings(path).retention_days == 30
    assert Settings().retention_days == 0
