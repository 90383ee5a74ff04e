"""Recorded calls in: every accepted format lands as 16 kHz int16, every bad file gets a clear error."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from coach_app.audio.wavsource import AudioFileError, open_call
from conftest import run_cli


def tone_call(path, rate, subtype="PCM_16", channels=2, seconds=1.0, fmt=None):
    t = np.arange(int(rate * seconds)) / rate
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.25 * np.sin(2 * np.pi * 220 * t)
    data = np.stack([left, right], axis=1)[:, :channels]
    sf.write(str(path), data, rate, subtype=subtype, format=fmt)
    return path


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24"])
def test_rates_and_depths_become_16k_int16(tmp_path, rate, subtype):
    call = open_call(tone_call(tmp_path / "c.wav", rate, subtype))
    assert call.channels == ("agent", "customer") and call.sample_rate == rate
    audio = np.concatenate(list(call.blocks(block_s=0.3)))
    assert audio.dtype == np.int16 and audio.shape[1] == 2
    assert abs(len(audio) - 16000) <= 2  # one second, whatever the input rate
    # left stays left: the agent's tone is twice as loud as the customer's
    rms = np.sqrt(np.mean(audio[1000:-1000].astype(float) ** 2, axis=0))
    assert rms[0] / rms[1] == pytest.approx(2.0, rel=0.05)


def test_flac_is_accepted(tmp_path):
    call = open_call(tone_call(tmp_path / "c.flac", 16000, fmt="FLAC"))
    assert sum(len(b) for b in call.blocks()) == 16000


def test_swap_channels_puts_the_customer_right(tmp_path):
    call = open_call(tone_call(tmp_path / "c.wav", 16000), swap_channels=True)
    audio = np.concatenate(list(call.blocks()))
    rms = np.sqrt(np.mean(audio.astype(float) ** 2, axis=0))
    assert rms[1] > rms[0]


def test_mono_is_mixed_channel(tmp_path):
    call = open_call(tone_call(tmp_path / "m.wav", 8000, channels=1))
    assert call.mono and call.channels == ("mixed",)
    assert np.concatenate(list(call.blocks())).shape[1] == 1


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "not a readable"),
        (lambda p: p.write_text("these are not the samples you are looking for\n" * 20), "not a readable"),
        (lambda p: sf.write(str(p), np.zeros((0, 2)), 16000), "no audio"),
        (lambda p: sf.write(str(p), np.zeros((4000, 2)), 4000), "too low"),
        (lambda p: sf.write(str(p), np.zeros((1600, 4)), 16000), "4 channels"),
    ],
    ids=["empty-file", "truncated-header", "text-file", "zero-samples", "4khz", "4-channels"],
)
def test_bad_files_get_clear_errors(tmp_path, make, words):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioFileError, match=words):
        open_call(path)


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileError, match="no such file"):
        open_call(tmp_path / "nope.wav")


def test_truncated_data_still_analyses_what_is_there(tmp_path):
    path = tone_call(tmp_path / "cut.wav", 16000, seconds=2.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # header says 2 s, only 1 s is there
    audio = np.concatenate(list(open_call(path).blocks()))
    assert 0.9 * 16000 <= len(audio) <= 1.1 * 16000


@pytest.mark.parametrize("content", [b"", b"RIFF\x24\x00\x00\x00WAVEfmt ", b"hello world, not audio" * 10])
def test_cli_bad_input_exit_2_and_writes_nothing(tmp_path, capsys, content, private_home):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    before = sorted(p for p in tmp_path.rglob("*")) + sorted(private_home.rglob("*"))
    code, out, err = run_cli(capsys, "analyze", "--json", str(bad))
    assert code == 2
    assert out == ""
    assert str(bad) in err and "coach-app analyze:" in err
    assert sorted(p for p in tmp_path.rglob("*")) + sorted(private_home.rglob("*")) == before


def test_cli_mono_says_per_speaker_features_are_off(tmp_path, capsys):
    mono = tone_call(tmp_path / "m.wav", 8000, channels=1)
    code, out, err = run_cli(capsys, "analyze", "--json", "--engine", "sphinx", str(mono))
    assert code == 0
    assert "mono" in err and "per-speaker features" in err
    summary = [line for line in out.splitlines() if '"summary"' in line]
    assert len(summary) == 1 and '"turns": null' in summary[0]

