""""Not helpful" marks make a kind quieter for that agent: shown, and reversible."""

from __future__ import annotations

from coach_app.events import Nudge, NudgeResolved
from coach_app.prompts.adaptation import quieter
from coach_app.settings import FatigueSettings, Settings
from coach_app.store.library import Library, default_root
from conftest import run_cli


def test_kinds_marked_often_get_stricter_and_others_stay():
    settings, learnt = quieter(Settings(), {"pause": 3, "timeframe": 2})
    assert settings.pause.long_turn_s > Settings().pause.long_turn_s
    assert settings.pause.cooldown_s > Settings().pause.cooldown_s
    assert settings.timeframe == Settings().timeframe and list(learnt) == ["pause"]


def test_learning_can_be_switched_off():
    from dataclasses import replace

    off = replace(Settings(), fatigue=FatigueSettings(learn_from_feedback=False))
    assert quieter(off, {"pause": 10}) == (off, {})


def _library_with_marks(tmp_path, marks):
    wav = tmp_path / "c.wav"
    import numpy as np
    import soundfile as sf

    sf.write(str(wav), np.zeros((1600, 2), np.int16), 16000)
    with Library(default_root()) as library:
        events = []
        for i in range(marks):
            events += [Nudge(f"pause-{i}", "pause", float(i), "m", "s", {}, 60), NudgeResolved(f"pause-{i}", i + 0.5, "missed")]
        call = library.save_call(wav, events, {"duration": 10.0})
        for i in range(marks):
            library.set_nudge_feedback(call, f"pause-{i}", "not_helpful")


def test_settings_shows_what_was_learnt_and_forgets_on_request(tmp_path, capsys, private_home):
    _library_with_marks(tmp_path, 4)
    code, out, _ = run_cli(capsys, "settings")
    assert code == 0 and "pause: marked not helpful 4 times" in out and "--forget-feedback pause" in out
    code, out, _ = run_cli(capsys, "settings", "--forget-feedback", "pause")
    assert code == 0 and "forgot 4" in out
    _, out, _ = run_cli(capsys, "settings")
    assert "marked not helpful" not in out
    assert run_cli(capsys, "settings", "--forget-feedback", "nonsense")[0] == 2
