"""The call synthesiser: script parsing, flite rendering, stereo layout, ground truth, CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.commands import synth as synth_cmd
from coach_app.synth import (
    FliteMissing,
    Line,
    ScriptError,
    load_script,
    parse_script,
    read_truth,
    render_call,
    render_text,
    sample_path,
    trim_silence,
)
from coach_app.synth import flite as flite_mod

FIXTURES = Path(__file__).resolve().parent / "fixtures"

THREE_LINES = """\
# customer complains, agent answers, customer talks over the end of the answer
customer 0.5: My order was charged twice.
agent/awb 0.4: Okay, can I have your order number?
customer -0.3: It is four five six.
end 0.7
"""


# --- parsing -------------------------------------------------------------------------------------


def test_parse_defaults_sticky_voice_and_end() -> None:
    script = parse_script(
        "customer/kal16 0.5: One.\n\n# comment\nagent 0.4: Two: with a colon.\ncustomer -0.2: Three.\nend 1.0\n"
    )
    assert script.lines == (
        Line("customer", "kal16", 0.5, "One."),
        Line("agent", "rms", 0.4, "Two: with a colon."),
        Line("customer", "kal16", -0.2, "Three."),
    )
    assert [line.lineno for line in script.lines] == [1, 4, 5]
    assert script.end == 1.0
    assert parse_script("agent 0: Hi.").end == 0.5
    assert parse_script("agent 0: Hi.").lines[0].voice == "rms"
    assert parse_script("customer 0: Hi.").lines[0].voice == "slt"


@pytest.mark.parametrize(
    ("text", "lineno", "fragment"),
    [
        ("customer 0.5: Hi.\nmanager 0.4: Hello.", 2, "unknown speaker 'manager'"),
        ("customer 0.5: Hi.\nagent abc: Hello.", 2, "bad gap 'abc'"),
        ("customer nan: Hi.", 1, "finite"),
        ("# c\ncustomer/bob 0.5: Hi.", 2, "unknown voice 'bob'"),
        ("customer 0.5 Hi there.", 1, "missing ':'"),
        ("customer 0.5: Hi.\n\nagent 0.4:   ", 3, "empty text"),
        ("customer: Hi.", 1, "expected 'SPEAKER[/VOICE] GAP:'"),
        ("customer -0.5: Hi.", 1, "first line cannot overlap"),
        ("customer 0.5: Hi.\ncustomer -0.2: Again.", 2, "cannot overlap their own"),
        ("customer 0.5: Hi.\nend soon", 2, "bad trailing silence 'soon'"),
        ("customer 0.5: Hi.\nend -1", 2, "must not be negative"),
        ("customer 0.5: Hi.\nend 1\nagent 0.2: Hello.", 3, "follow the 'end' line"),
        ("# only a comment\n", 0, "no lines"),
    ],
)
def test_parse_errors_name_file_and_line(text: str, lineno: int, fragment: str) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(text, source="bad.call")
    assert err.value.lineno == lineno
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"bad.call:{lineno}: " if lineno else "bad.call: ")


def test_load_script_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "x.call"
    path.write_text("agent 0.2: fine\nagent 0.x: broken\n")
    with pytest.raises(ScriptError, match=rf"{path}:2: bad gap"):
        load_script(path)


def test_overlap_longer_than_previous_line_is_an_error(flite_cache: Path) -> None:
    script = parse_script("customer 0.5: Hi.\nagent -3.0: Hello there, how can I help?", source="o.call")
    with pytest.raises(ScriptError, match=r"o.call:2: overlap of 3.00 s starts before the previous line"):
        render_call(script, cache_dir=flite_cache)


def test_bundled_sample_and_fixtures_parse() -> None:
    sample = load_script(sample_path("struggling_agent"))
    assert any(line.gap == 2.5 and line.speaker == "agent" for line in sample.lines)
    assert "soon" in " ".join(line.text for line in sample.lines)
    quick, patient = load_script(FIXTURES / "quick_reply.call"), load_script(FIXTURES / "patient_reply.call")
    assert [line.speaker for line in quick.lines] == ["customer", "agent"] == [line.speaker for line in patient.lines]
    assert quick.lines[1].gap == 0.4 and patient.lines[1].gap == 2.5


# --- flite ---------------------------------------------------------------------------------------


def test_trim_silence_finds_the_speech() -> None:
    rate = 16000
    audio = np.zeros(rate, dtype=np.float32)
    audio[4000:12000] = 0.5 * np.sin(np.arange(8000) * 0.3)
    audio[:4000] += 1e-4  # flite's padding is not digital silence
    trimmed = trim_silence(audio, rate)
    assert abs(len(trimmed) - 8000) <= 160


def test_missing_flite_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FliteMissing, match="flite is not installed: sudo apt-get install flite"):
        render_text("hello", "slt")


def test_8k_voice_is_resampled_and_lines_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = render_text("Hello there.", "kal", tmp_path)
    assert first.dtype == np.float32 and 0.3 < len(first) / 16000 < 2.0
    monkeypatch.setattr(flite_mod, "_run_flite", lambda *a: pytest.fail("cache missed"))
    assert np.array_equal(render_text("Hello there.", "kal", tmp_path), first)


# --- rendering -----------------------------------------------------------------------------------


def _active(channel: np.ndarray, rate: int, frame_s: float = 0.01) -> np.ndarray:
    """Per-frame speech flags for a noise-free channel."""
    frame = int(rate * frame_s)
    n = len(channel) // frame
    rms = np.sqrt(np.mean(channel[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1))
    return rms > 10 ** (-45 / 20)


def _spans(flags: np.ndarray, frame_s: float = 0.01) -> list[tuple[float, float]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    spans = [(a * frame_s, b * frame_s) for a, b in zip(edges[::2], edges[1::2])]
    merged: list[tuple[float, float]] = []
    for a, b in spans:  # bridge short within-utterance dips (stops, pauses between words)
        if merged and a - merged[-1][1] < 0.35:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def test_three_line_call_truth_channels_and_overlap(render) -> None:  # type: ignore[no-untyped-def]
    wav, truth = render(THREE_LINES)
    audio, rate = sf.read(wav, dtype="float32")
    assert rate == 16000 and audio.shape[1] == 2
    assert [t.speaker for t in truth] == ["customer", "agent", "customer"]
    c1, a1, c2 = truth
    # truth follows the gaps
    assert abs(c1.t0 - 0.5) < 0.02
    assert abs(a1.t0 - (c1.t1 + 0.4)) < 0.02
    assert abs(c2.t0 - (a1.t1 - 0.3)) < 0.02
    assert abs(len(audio) / rate - (c2.t1 + 0.7)) < 0.02
    # ... and is the audible speech: onsets/offsets measured in the WAV agree within 20 ms
    assert read_truth(wav.with_suffix(".truth.jsonl")) == [
        type(t)(t.speaker, round(t.t0, 4), round(t.t1, 4), t.text) for t in truth
    ]
    left, right = _active(audio[:, 0], rate), _active(audio[:, 1], rate)
    (agent_span,) = _spans(left)
    assert abs(agent_span[0] - a1.t0) < 0.02 and abs(agent_span[1] - a1.t1) < 0.02
    customer_spans = _spans(right)
    assert len(customer_spans) == 2
    for (t0, t1), line in zip(customer_spans, (c1, c2)):
        assert abs(t0 - line.t0) < 0.02 and abs(t1 - line.t1) < 0.02
    # channels separated: the right channel is silent while only the agent speaks, and vice versa
    a_only = slice(int(a1.t0 * rate), int(c2.t0 * rate))
    assert np.max(np.abs(audio[a_only, 1])) < 1e-3 < np.max(np.abs(audio[a_only, 0]))
    c_only = slice(int(c1.t0 * rate), int(c1.t1 * rate))
    assert np.max(np.abs(audio[c_only, 0])) < 1e-3 < np.max(np.abs(audio[c_only, 1]))
    # the overlap is real: both channels carry speech in the last 0.3 s of the agent's line
    assert c2.t0 < a1.t1
    both = slice(int(c2.t0 * rate), int(a1.t1 * rate))
    for ch in (0, 1):
        assert np.sqrt(np.mean(audio[both, ch] ** 2)) > 0.01


def test_8k_output_rate_and_length(render) -> None:  # type: ignore[no-untyped-def]
    wav16, truth16 = render(THREE_LINES)
    wav8, truth8 = render(THREE_LINES, rate=8000)
    info16, info8 = sf.info(wav16), sf.info(wav8)
    assert info8.samplerate == 8000 and info8.channels == 2
    assert info8.frames == round(info16.frames * 8000 / 16000)
    assert truth8 == truth16


def test_noise_is_low_level_and_deterministic(flite_cache: Path) -> None:
    script = parse_script("agent 0.3: Hi.")
    a = render_call(script, noise_db=-50, seed=3, cache_dir=flite_cache)
    b = render_call(script, noise_db=-50, seed=3, cache_dir=flite_cache)
    c = render_call(script, noise_db=-50, seed=4, cache_dir=flite_cache)
    assert np.array_equal(a.audio, b.audio) and not np.array_equal(a.audio, c.audio)
    lead_in = a.audio[: int(0.3 * a.sample_rate)]
    level_db = 20 * np.log10(np.sqrt(np.mean(lead_in.astype(np.float64) ** 2)))
    assert -52 < level_db < -48


# --- command line --------------------------------------------------------------------------------


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="coach-app")
    synth_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.run(args))


def test_cli_writes_stereo_wav_and_truth(tmp_path: Path, flite_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "call.call"
    script.write_text(THREE_LINES)
    out, truth = tmp_path / "out.wav", tmp_path / "out.jsonl"
    argv = ["synth", str(script), "-o", str(out), "--rate", "8000", "--noise-db", "-50", "--truth", str(truth)]
    assert _cli([*argv, "--cache", str(flite_cache)]) == 0
    audio, rate = sf.read(out)
    assert rate == 8000 and audio.ndim == 2 and audio.shape[1] == 2
    rows = [json.loads(row) for row in truth.read_text().splitlines()]
    assert [r["speaker"] for r in rows] == ["customer", "agent", "customer"]
    assert set(rows[0]) == {"speaker", "t0", "t1", "text"}
    assert "out.wav" in capsys.readouterr().out


def test_cli_errors_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.call"
    script.write_text("customer 0.5: Hi.\nboss 0.2: Hello.\n")
    out = tmp_path / "out.wav"
    assert _cli(["synth", str(script), "-o", str(out)]) == 2
    assert f"{script}:2: unknown speaker 'boss'" in capsys.readouterr().err
    assert _cli(["synth", str(tmp_path / "missing.call"), "-o", str(out)]) == 2
    assert "missing.call" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [script]
