"""The practice window: scenarios listed, a scripted good trainee scored in the window and saved,
retry, and plain words when nothing can play sound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.ui.practice_window import FIRST_RUN, PracticeWindow
from test_practice import GOOD, answers, needs_flite


class FakeSd:
    """sounddevice with the given output channels; records what it was asked to play."""

    def __init__(self, outputs: int) -> None:
        self.outputs, self.played = outputs, []  # type: ignore[var-annotated]

    def query_devices(self) -> list[dict[str, Any]]:
        return [{"name": "mic", "max_input_channels": 1, "max_output_channels": self.outputs,
                 "default_samplerate": 16000.0}]

    def play(self, audio: np.ndarray, rate: int) -> None:
        self.played.append((len(audio), rate))


@pytest.fixture
def library(tmp_path: Path) -> Any:
    lib = Library(tmp_path / "lib")
    yield lib
    lib.close()


def make(qtbot: Any, library: Library | None = None, sd: Any = None) -> PracticeWindow:
    win = PracticeWindow(Settings(), "sphinx", library, sd_module=sd or FakeSd(2))
    qtbot.addWidget(win)
    return win


def good_wavs(folder: Path, cache: Path) -> list[Path]:
    out = []
    for i, audio in enumerate(answers(GOOD, cache), start=1):
        sf.write(folder / f"answer{i}.wav", audio, 16000)
        out.append(folder / f"answer{i}.wav")
    return out


def test_scenarios_are_listed_with_language_and_steps(qtbot: Any) -> None:
    win = make(qtbot)
    texts = [win.picker.item(i).text() for i in range(win.picker.count())]
    assert any(t.startswith("Charged twice, and angry\nen · 2 steps") for t in texts), texts
    assert any("\nzh · " in t for t in texts)
    win.select("double_charge")
    assert win.step_label.text() == "Step 1 of 2 — the customer sounds angry"
    assert "double charged" in win.customer.text()  # the line as text, always


@needs_flite
def test_good_trainee_gets_full_marks_in_the_window_and_the_run_is_saved(
        qtbot: Any, library: Library, tmp_path: Path, flite_cache: Path) -> None:
    win = make(qtbot, library)
    win.select("double_charge")
    assert win.first_run.isVisibleTo(win) and win.first_run.text() == FIRST_RUN
    first, second = good_wavs(tmp_path, flite_cache)
    assert win.use_answer(first)
    assert win.step_label.text() == "Step 2 of 2" and "money back" in win.customer.text()
    assert win.use_answer(second)
    assert win.status.text() == "Scoring your answers…"  # on the worker; the GUI is free
    qtbot.waitUntil(lambda: win.card is not None, timeout=120000)
    assert win.card is not None and (win.card.score, win.card.max) == (4, 4)
    shown = win.scorecard.toPlainText()
    assert "Scorecard: 4/4" in shown and "✗" not in shown
    assert "✓ Waited before answering" in shown and "✓ Gave a concrete timeframe" in shown
    assert "thursday" in shown  # the trainee's own words beside the step
    runs = list(library.db.query("SELECT scenario, call_id, result_json FROM practice_runs"))
    assert [r["scenario"] for r in runs] == ["double_charge"] and '"score": 4' in runs[0]["result_json"]
    practice_call = library.call_detail(runs[0]["call_id"])  # the run is recorded, for the trainee's review
    assert practice_call.call.source == "practice" and practice_call.audio_problem == ""
    assert any("thursday" in u["text"] for u in practice_call.utterances)
    assert oct(practice_call.audio_path.stat().st_mode & 0o777) == "0o600"
    assert win.past_scores() == [100.0] and win.progress.isVisibleTo(win) and not win.first_run.isVisibleTo(win)


def test_retry_clears_the_answers(qtbot: Any, tmp_path: Path) -> None:
    win = make(qtbot)
    win.select("double_charge")
    wav = tmp_path / "a.wav"
    t = np.arange(16000) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    sf.write(wav, np.concatenate([np.zeros(16000, np.float32), tone]), 16000)
    assert win.use_answer(wav) and len(win.answers) == 1
    assert win.step_label.text().startswith("Step 2 of 2")
    win.retry()
    assert win.answers == [] and win.card is None and win.step_label.text().startswith("Step 1 of 2")


def test_a_silent_answer_is_a_message_and_the_step_stays_open(qtbot: Any, tmp_path: Path) -> None:
    win = make(qtbot)
    win.select("double_charge")
    wav = tmp_path / "silence.wav"
    sf.write(wav, np.zeros(16000, np.float32), 16000)
    assert not win.use_answer(wav)
    assert "no speech heard" in win.status.text() and win.answers == []


def test_no_output_device_is_said_plainly_and_the_text_stays(qtbot: Any) -> None:
    sd = FakeSd(0)
    win = make(qtbot, sd=sd)
    win.select("double_charge")
    win.play_line()
    assert win.status.text().startswith("No speaker or headset found")
    assert sd.played == [] and "double charged" in win.customer.text() and win.answer_button.isEnabled()


@needs_flite
def test_plays_the_cached_line_when_a_speaker_exists(qtbot: Any) -> None:
    sd = FakeSd(2)
    win = make(qtbot, sd=sd)
    win.select("double_charge")
    win.play_line()
    assert len(sd.played) == 1 and sd.played[0][1] == 16000 and sd.played[0][0] > 16000


# --- live runs: the microphone is a scripted trainee who answers when the customer stops ----------

class NoMicSd(FakeSd):
    def query_devices(self) -> list[dict[str, Any]]:
        return [{"name": "speakers", "max_input_channels": 0, "max_output_channels": 2, "default_samplerate": 48000.0}]


@needs_flite
def test_a_live_run_coaches_scores_saves_and_replays(qtbot: Any, library: Library, flite_cache: Path) -> None:
    from coach_app.practice import Answer
    from coach_app.practice.scripted import ScriptedTrainee

    sd = FakeSd(2)
    win = make(qtbot, library, sd)
    win.select("double_charge")
    trainee = ScriptedTrainee([Answer(a, 0.0, "good") for a in answers(GOOD, flite_cache)], realtime=True)
    assert win.start_live(mic=trainee)
    assert not win.answer_button.isEnabled()  # one way of answering at a time
    qtbot.waitUntil(lambda: win.live is not None, timeout=30000)
    assert win.live_button.text() == "■ Stop practice" and win.skip_button.isVisibleTo(win)
    overlay = win.live.overlay
    assert overlay.isVisible()  # the same coach as on a real call
    qtbot.waitUntil(lambda: "your turn" in win.step_label.text(), timeout=30000)
    assert win.step_label.text().startswith("Step 1 of 2") and "double charged" in win.customer.text()
    qtbot.waitUntil(lambda: win.card is not None, timeout=120000)
    assert (win.card.score, win.card.max) == (4, 4), win.scorecard.toPlainText()
    assert "thursday" in win.scorecard.toPlainText()
    assert len(sd.played) == 2 and not overlay.isVisible()  # both lines spoken; the overlay closes with the run
    runs = list(library.db.query("SELECT call_id, result_json FROM practice_runs"))
    assert len(runs) == 1 and runs[0]["call_id"] == win.last_call_id and '"score": 4' in runs[0]["result_json"]
    call = library.call_detail(win.last_call_id)
    assert call.call.source == "practice" and any("thursday" in u["text"] for u in call.utterances)
    assert win.replay_button.isEnabled()
    win.replay()
    review = win._review
    assert review.isVisible() and review.view.detail is not None and review.view.detail.call.id == win.last_call_id
    assert review.view.detail.audio_problem == ""  # the run's own recording, ready to play
    win._review.close()


def test_no_microphone_says_so_and_recorded_answers_stay_open(qtbot: Any) -> None:
    win = make(qtbot, sd=NoMicSd(2))
    win.select("double_charge")
    assert not win.start_live()
    assert win.status.text().startswith("No microphone or headset found") and "recorded answers" in win.status.text()
    assert win.live is None and win.answer_button.isEnabled()


@needs_flite
def test_chinese_practice_speaks_mandarin_and_says_which_model_scores_it(qtbot: Any) -> None:
    sd = FakeSd(2)
    win = make(qtbot, sd=sd)
    win.select("zh_double_charge")
    win.play_line()  # espeak-ng's Mandarin voice, cached like flite's lines
    assert len(sd.played) == 1 and sd.played[0][0] > 16000, win.status.text()
    from coach_app.practice.scripted import ScriptedTrainee

    assert win.start_live(mic=ScriptedTrainee([]))  # the recogniser is checked first, on the worker
    qtbot.waitUntil(lambda: not win._busy(), timeout=30000)
    assert "coach-app models install vosk-small-cn" in win.status.text() and win.live is None
    assert win.live_button.isEnabled() and win.answer_button.isEnabled()  # nothing stuck


def test_a_silent_trainee_is_told_how_to_move_on_and_skipping_ends_the_run(qtbot: Any, library: Library) -> None:
    from coach_app.practice import Answer
    from coach_app.practice.scripted import ScriptedTrainee

    win = make(qtbot, library)
    win.select("double_charge")
    assert win.start_live(mic=ScriptedTrainee([Answer(np.zeros(160, np.float32), 0.0, "")] * 2))
    qtbot.waitUntil(lambda: "Next line" in win.step_label.text(), timeout=60000)
    assert win.step_label.text().startswith("Step 1 of 2 — your turn")
    win.skip_button.click()
    qtbot.waitUntil(lambda: win.step_label.text().startswith("Step 2 of 2"), timeout=30000)
    qtbot.waitUntil(lambda: "Next line" in win.step_label.text(), timeout=60000)
    win.skip_button.click()
    qtbot.waitUntil(lambda: win.card is not None, timeout=60000)
    assert len(win.card.steps) == 2 and all(s.answer_text == "" for s in win.card.steps)
    assert "(nothing recognised)" in win.scorecard.toPlainText()
