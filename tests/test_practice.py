"""Practice mode: scenario files, `practice --list`, and scripted trainees through the real engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.practice import ScenarioError, catalogue, parse_scenario
from conftest import run_cli

GOOD_SCENARIO = """\
id = "demo"
title = "Demo"
language = "en"
voice = "slt"

[[steps]]
customer = "I was charged twice."
emotion = "angry"
expect = ["pause", "help_offer"]

[[steps]]
customer = "When?"
expect = ["timeframe"]
"""

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.toml")
    return info.value.problems


def test_a_valid_scenario_loads() -> None:
    scenario = parse_scenario(GOOD_SCENARIO)
    assert scenario.id == "demo" and len(scenario.steps) == 2
    assert scenario.steps[1].emotion == "none" and scenario.steps[1].expect == ("timeframe",)


def test_bad_toml_reports_its_line() -> None:
    assert problems(GOOD_SCENARIO.replace('emotion = "angry"', 'emotion = angry')) == [
        "s.toml:8: invalid TOML: Invalid value (at line 8, column 11)"]


def test_schema_mistakes_are_all_reported_with_their_lines() -> None:
    text = (GOOD_SCENARIO.replace('voice = "slt"', 'voice = "robot"')
            .replace('emotion = "angry"', 'emotion = "grumpy"')
            .replace('expect = ["timeframe"]', 'expect = ["timeframe", "shout"]'))
    assert problems(text) == [
        "s.toml:4: unknown voice 'robot' for language 'en' (voices: slt, rms, awb, kal16, kal)",
        "s.toml:8: step 1: unknown emotion 'grumpy' (use one of none, frustrated, angry, annoyed, worried, upset, confused)",
        "s.toml:13: step 2: unknown coaching kind 'shout' (use pause, label_emotion, help_offer, timeframe, "
        "why_question, hollow_apology, monologue, closing)",
    ]


def test_a_step_without_a_customer_line_points_at_its_table() -> None:
    text = GOOD_SCENARIO.replace('customer = "When?"\n', "")
    assert problems(text) == ["s.toml:11: step 2: the customer's line ('customer') is missing or empty"]


def test_missing_fields_and_unknown_keys() -> None:
    text = GOOD_SCENARIO.replace('title = "Demo"\n', "").replace('expect = ["timeframe"]', 'expects = ["timeframe"]')
    found = problems(text)
    assert "s.toml:1: 'title' is required and must be a non-empty string" in found
    assert any(p.startswith("s.toml:12: step 2: unknown key 'expects'") for p in found)


def test_bundled_scenarios_load() -> None:
    cat = catalogue()
    assert cat.problems == []
    languages = [s.language for s, _ in cat.scenarios]
    assert languages.count("en") >= 8 and languages.count("zh") >= 3
    calm = next(s for s, _ in cat.scenarios if s.id == "calm_information")
    assert all(step.expect == () for step in calm.steps)  # the coach must stay quiet


def test_list_shows_trainer_scenarios_and_reports_broken_ones(private_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = private_home / "scenarios"
    folder.mkdir()
    (folder / "mine.toml").write_text(GOOD_SCENARIO.replace('"demo"', '"trainer_demo"'), encoding="utf-8")
    (folder / "broken.toml").write_text(GOOD_SCENARIO.replace('"slt"', '"robot"'), encoding="utf-8")
    code, out, err = run_cli(capsys, "practice", "--list")
    assert code == 0
    assert any(line.startswith("trainer_demo") and "2 steps" in line and "(trainer)" in line for line in out.splitlines())
    assert "double_charge" in out and "zh_double_charge" in out
    assert "broken.toml:4: unknown voice 'robot'" in err


# --- scripted trainees through the real engine ------------------------------------------------

GOOD = [("It sounds like you are really frustrated. Let me help you with that.", 2.2),
        ("Your refund will be back by Thursday at five pm.", 2.2)]
POOR = [("Okay, what is your order number?", 0.3), ("It will be done soon.", 0.3)]


def answers(lines: list[tuple[str, float]], cache: Path) -> list[np.ndarray]:
    from coach_app.synth import render_text

    out = []
    for text, wait in lines:
        speech = render_text(text, "rms", cache)
        out.append(np.concatenate([np.zeros(round(wait * 16000), np.float32), speech * np.float32(0.5 / np.max(np.abs(speech)))]))
    return out


def write(folder: Path, parts: list[np.ndarray], split: bool) -> list[str]:
    if not split:
        sf.write(folder / "all.wav", np.concatenate(parts), 16000)
        return ["--answers", str(folder / "all.wav")]
    argv = []
    for i, part in enumerate(parts, start=1):
        sf.write(folder / f"answer{i}.wav", part, 16000)
        argv += ["--answers", str(folder / f"answer{i}.wav")]
    return argv


@needs_flite
@pytest.mark.parametrize("split", [False, True], ids=["one-wav", "per-turn"])
def test_good_trainee_scores_full_marks(split: bool, tmp_path: Path, flite_cache: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    argv = write(tmp_path, answers(GOOD, flite_cache), split)
    code, out, err = run_cli(capsys, "practice", "double_charge", *argv, "--json")
    assert code == 0, err
    card = json.loads(out)
    assert card["scenario"] == "double_charge"
    assert card["max"] == 4 and card["score"] == 4, card
    assert [s["kinds"] for s in card["steps"]] == [
        {"pause": True, "label_emotion": True, "help_offer": True}, {"timeframe": True}]
    assert all(s["unexpected"] == [] for s in card["steps"])
    assert "thursday" in card["steps"][1]["answer_text"]


@needs_flite
def test_poor_trainee_misses_the_expected_steps(tmp_path: Path, flite_cache: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "practice", "double_charge", *write(tmp_path, answers(POOR, flite_cache), True))
    assert code == 0, err
    assert "✗ pause" in out and "✗ label_emotion" in out and "✗ timeframe" in out
    assert "order number" in out  # the trainee's own words beside the step
    code, out, _ = run_cli(capsys, "practice", "double_charge", *write(tmp_path, answers(POOR, flite_cache), True), "--json")
    card = json.loads(out)
    assert card["steps"][0]["kinds"]["pause"] is False and card["steps"][0]["kinds"]["label_emotion"] is False
    assert card["steps"][1]["kinds"] == {"timeframe": False}
    assert card["score"] <= 1


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "a.wav"
    sf.write(wav, np.zeros(16000, np.float32), 16000)
    cases = [
        (["nope", "--answers", str(wav)], "no scenario 'nope'"),
        (["double_charge", "--answers", str(tmp_path / "missing.wav")], "no such file"),
        (["double_charge", "--answers", str(wav), "--answers", str(wav), "--answers", str(wav)], "3 answer files"),
        (["double_charge", "--answers", str(wav)], "heard 0 answer(s)"),
        (["double_charge"], "give a scenario"),
    ]
    for argv, message in cases:
        code, out, err = run_cli(capsys, "practice", *argv)
        assert code == 2 and out == "" and message in err, (argv, err)


def test_a_broken_scenario_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_SCENARIO.replace('"pause", ', '"wait", '), encoding="utf-8")
    code, _, err = run_cli(capsys, "practice", str(path), "--answers", str(path))
    assert code == 2 and f"{path}:9: step 1: unknown coaching kind 'wait'" in err


def test_a_voice_of_another_language_is_refused() -> None:
    text = GOOD_SCENARIO.replace('language = "en"', 'language = "zh"')  # an English voice for Chinese lines
    assert problems(text) == ["s.toml:4: unknown voice 'slt' for language 'zh' (voices: cmn)"]


@needs_flite
def test_chinese_practice_is_spoken_and_needs_only_a_chinese_model_to_score(
        tmp_path: Path, flite_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The customer speaks Mandarin (espeak-ng); scoring the trainee's Chinese needs the Vosk model,
    and without it the message names the install command."""
    argv = write(tmp_path, answers(GOOD, flite_cache), True)  # any speech will do: the model is what is missing
    code, out, err = run_cli(capsys, "practice", "zh_double_charge", *argv)
    assert code == 2 and out == ""
    assert "coach-app models install vosk-small-cn" in err and "English only" not in err
