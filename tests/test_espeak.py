"""The Chinese practice customer's voice: espeak-ng's Mandarin, through the same cache as flite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.practice.answers import speech_segments
from coach_app.settings import VadSettings
from coach_app.synth import espeak
from coach_app.synth.flite import trim_silence
from coach_app.synth.voices import language_of, speak

LINE = "同一个订单你们扣了两次钱，我真的很生气。"  # 18 syllables


def test_a_mandarin_line_is_real_speech_of_a_plausible_length(tmp_path: Path) -> None:
    audio = speak(LINE, "cmn", tmp_path)
    seconds = len(audio) / 16000
    assert 2.5 < seconds < 7.0, seconds  # 18 syllables at 3-7 per second
    segments = speech_segments(audio, VadSettings())
    assert segments and sum(b - a for a, b in segments) > 0.6 * seconds  # the turn detector hears speech
    assert float(np.max(np.abs(audio))) > 0.1
    cached = list(tmp_path.glob("cmn-*.npy"))
    assert len(cached) == 1 and np.array_equal(np.load(cached[0]), audio)
    assert np.array_equal(speak(LINE, "cmn", tmp_path), audio)  # the second time from the cache


def test_the_pinyin_voice_reads_tones_not_english_digits(tmp_path: Path) -> None:
    """espeak-ng's plain `cmn` voice reads its own pinyin tone numbers in English ("tong two"),
    which makes a line far longer; the voice we use does not."""
    plain = tmp_path / "plain.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(plain), LINE], check=True, capture_output=True)
    audio, rate = sf.read(plain, dtype="float32")
    plain_s = len(trim_silence(audio, rate)) / rate
    ours_s = len(speak(LINE, "cmn")) / 16000
    assert ours_s < 0.8 * plain_s, (ours_s, plain_s)


def test_missing_espeak_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None if name == "espeak-ng" else real_which(name))
    with pytest.raises(espeak.EspeakMissing, match="sudo apt-get install espeak-ng"):
        speak("你好", "cmn")


def test_voices_know_their_language() -> None:
    assert language_of("cmn") == "zh" and language_of("slt") == "en" and language_of("robot") is None


def test_a_call_script_can_give_the_customer_a_mandarin_voice(render) -> None:
    wav, truth = render("customer/cmn 0.5: 我的包裹晚了一个星期，这是我第三次打电话了。\nagent/rms 0.8: I am sorry.\nend 1.0\n")
    audio, _ = sf.read(wav, dtype="float32")
    line = truth[0]
    assert line.speaker == "customer" and line.t1 - line.t0 > 2.0
    inside = audio[round(line.t0 * 16000):round(line.t1 * 16000), 1]
    assert float(np.sqrt(np.mean(inside ** 2))) > 0.01  # the customer's channel carries the Mandarin line
