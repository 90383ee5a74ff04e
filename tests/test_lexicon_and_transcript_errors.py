"""Bad input files give a clear error naming the file (and line or key), never a traceback:
transcripts (TranscriptError), rule lexicons (LexiconError), settings (SettingsError), and the CLI
exits 2 with the message on stderr and nothing on stdout."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from coach_app.prompts import default_rules
from coach_app.prompts import lexicon as lexicon_module
from coach_app.prompts.lexicon import Lexicon, LexiconError, load_lexicon
from coach_app.settings import Settings, SettingsError, load_settings
from coach_app.transcript import TranscriptError, load_transcript
from conftest import run_cli

# --- helpers -------------------------------------------------------------------------------------

GOOD = json.dumps({"channel": "agent", "t0": 0.0, "t1": 1.0, "text": "hello"})


def utterance(**changes: object) -> str:
    obj: dict = {"channel": "customer", "t0": 2.0, "t1": 3.0, "text": "my parcel never arrived"}
    obj.update(changes)
    return json.dumps({k: v for k, v in obj.items() if v is not MISSING})


MISSING = object()


def write_bytes(tmp_path: Path, data: bytes, name: str = "call.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_lines(tmp_path: Path, *lines: str, name: str = "call.jsonl") -> Path:
    return write_bytes(tmp_path, "".join(line + "\n" for line in lines).encode("utf-8"), name)


def english_data() -> dict:
    """A private, editable copy of the shipped English lexicon."""
    return copy.deepcopy(load_lexicon("en").data)


def assert_cli_rejects(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    code, out, err = run_cli(capsys, "analyze", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("coach-app analyze: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err
    return err


# --- transcripts ---------------------------------------------------------------------------------

# (lines of the file, the line at fault, words the message must contain)
BAD_LINES = {
    "bad JSON": ([GOOD, '{"channel": "agent", "t0": 1.0'], 2, "not valid JSON"),
    "not an object": ([GOOD, '["agent", 0, 1, "hi"]'], 2, "expected a JSON object"),
    "unknown channel": ([utterance(channel="supervisor")], 1, "'supervisor'"),
    "t1 before t0": ([GOOD, utterance(t0=5.0, t1=4.0)], 2, "t1 (4.0) is before t0 (5.0)"),
    "missing t0": ([utterance(t0=MISSING)], 1, "'t0'"),
    "negative time": ([utterance(t0=-1.0)], 1, "'t0'"),
    "time as text": ([utterance(t1="3.0")], 1, "'t1'"),
    "missing text": ([GOOD, GOOD, utterance(text=MISSING)], 3, "'text'"),
    "text not a string": ([utterance(text=42)], 1, "'text'"),
    "word conf above 1": ([utterance(words=[{"text": "parcel", "t0": 2.0, "t1": 2.5, "conf": 1.5}])], 1, "'conf'"),
    "word conf not a number": ([utterance(words=[{"text": "parcel", "t0": 2.0, "t1": 2.5, "conf": "high"}])], 1, "'conf'"),
    "word without text": ([utterance(words=[{"t0": 2.0, "t1": 2.5}])], 1, "'text'"),
    "word without times": ([utterance(words=[{"text": "parcel"}])], 1, "'t0'"),
    "words not a list": ([GOOD, utterance(words=5)], 2, "words"),
}


@pytest.mark.parametrize("lines, line_no, needle", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_bad_transcript_line_names_file_and_line(tmp_path, lines, line_no, needle):
    path = write_lines(tmp_path, *lines)
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert str(caught.value).startswith(f"{path}:{line_no}")
    assert needle in str(caught.value)


@pytest.mark.parametrize("lines, line_no, needle", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_cli_bad_transcript_line_exits_2_with_the_message(tmp_path, capsys, lines, line_no, needle):
    path = write_lines(tmp_path, *lines)
    assert_cli_rejects(capsys, ["--transcript", str(path), "--json"], f"{path}:{line_no}", needle)


def test_blank_lines_still_count_for_the_line_number(tmp_path):
    path = write_lines(tmp_path, "", GOOD, "   ", utterance(channel="robot"))
    with pytest.raises(TranscriptError, match=rf"^{path}:4: "):
        load_transcript(path)


@pytest.mark.parametrize("data, needle", [
    (b"", "no utterances"),
    (b"\n  \n\n", "no utterances"),
    ('{"channel": "agent", "t0": 0, "t1": 1, "text": "caf\u00e9"}\n'.encode("latin-1"), "not UTF-8"),
], ids=["empty", "only blank lines", "latin-1"])
def test_unusable_transcript_file_names_the_file(tmp_path, capsys, data, needle):
    path = write_bytes(tmp_path, data)
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert str(caught.value).startswith(str(path)) and needle in str(caught.value)
    assert_cli_rejects(capsys, ["--transcript", str(path)], str(path), needle)


def test_missing_transcript_file(tmp_path, capsys):
    assert_cli_rejects(capsys, ["--transcript", str(tmp_path / "nope.jsonl")], "nope.jsonl", "no such file")


def test_every_transcript_is_checked_before_any_output(tmp_path, capsys):
    good = write_lines(tmp_path, GOOD, name="good.jsonl")
    bad = write_lines(tmp_path, GOOD, "{oops", name="bad.jsonl")
    assert_cli_rejects(capsys, ["--transcript", str(good), "--transcript", str(bad)], f"{bad}:2")


def test_a_good_transcript_with_word_aliases_loads(tmp_path):
    path = write_lines(tmp_path, utterance(words=[{"word": "parcel", "start": 2.0, "end": 2.5, "conf": 0.8}]), GOOD)
    utterances = load_transcript(path)
    assert [u.channel for u in utterances] == ["agent", "customer"]  # sorted by time
    assert utterances[1].words[0].text == "parcel" and utterances[1].words[0].conf == 0.8


# --- lexicons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("section, key", [("timeframe", "concrete_patterns"), ("pause", "factual_patterns")])
def test_bad_regex_is_reported_when_the_rules_are_built(section, key):
    data = english_data()
    data[section][key] = [*data[section][key], "(unclosed"]
    with pytest.raises(LexiconError) as caught:
        default_rules(Settings(), Lexicon("en", data))
    message = str(caught.value)
    assert f"[{section}]" in message and key in message and "(unclosed" in message and "en" in message


SECTIONS = ("pause", "label_emotion", "help_offer", "timeframe", "why_question", "hollow_apology", "monologue", "closing")


@pytest.mark.parametrize("section", SECTIONS)
def test_missing_section_is_reported_before_the_call_starts(section):
    # Not halfway through a live call, when the rule first fires.
    data = english_data()
    del data[section]
    with pytest.raises(LexiconError, match=rf"\[{section}"):
        default_rules(Settings(), Lexicon("en", data))


def test_emotion_without_a_suggestion_is_reported():
    data = english_data()
    del data["label_emotion"]["emotions"]["worried"]["say"]
    with pytest.raises(LexiconError, match=r"label_emotion"):
        default_rules(Settings(), Lexicon("en", data))


def test_phrase_list_given_as_a_string_is_reported():
    # A common TOML slip: `problems = "charged twice"` must not become the letters c, h, a, r, ...
    data = english_data()
    data["help_offer"]["problems"] = "charged twice"
    with pytest.raises(LexiconError, match=r"\[help_offer\] problems"):
        default_rules(Settings(), Lexicon("en", data))


@pytest.mark.parametrize("language, label", [("en", "sounds like"), ("zh", "听起来")])
def test_shipped_lexicons_give_the_listed_label_phrases(language, label):
    labels = load_lexicon(language).phrases("label_emotion", "labels")
    assert label in labels


@pytest.mark.parametrize("language", ["en", "zh"])
def test_shipped_lexicons_build_every_rule(language):
    rules = default_rules(Settings(language=language))
    assert len(rules) == len(SECTIONS)


def test_lexicon_file_that_is_not_toml_names_the_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "en.toml").write_text('[pause]\nmessage = "ok"\nbackchannels = ["mm", oops]\n', encoding="utf-8")
    monkeypatch.setattr(lexicon_module, "resources", SimpleNamespace(files=lambda package: tmp_path))
    with pytest.raises(LexiconError) as caught:
        load_lexicon("en")
    assert "lexicon/en.toml" in str(caught.value) and "line 3" in str(caught.value)


def test_unknown_language():
    with pytest.raises(LexiconError, match="'fr'"):
        load_lexicon("fr")


# --- settings ------------------------------------------------------------------------------------


def write_settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_SETTINGS = {
    "unknown top-level key": ("colour = 'blue'\n", ["'colour'"]),
    "unknown key in a section": ("[pause]\nwindw_s = 2.5\n", ["[pause]", "'windw_s'"]),
    "unknown section": ("[pausing]\nwindow_s = 2.5\n", ["'pausing'"]),
    "text for a number": ("[pause]\nwindow_s = 'two'\n", ["[pause]", "'window_s'", "float"]),
    "bool for an int": ("[vad]\naggressiveness = true\n", ["[vad]", "'aggressiveness'"]),
    "float for an int": ("[fatigue]\nmax_per_10_min = 6.5\n", ["[fatigue]", "'max_per_10_min'"]),
    "number for text": ("language = 3\n", ["'language'"]),
    "value for a section": ("pause = 2.0\n", ["[pause]", "table"]),
    "not TOML": ("[pause\nwindow_s = 2\n", ["not valid TOML"]),
}


@pytest.mark.parametrize("text, needles", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_settings_file_names_file_and_key(tmp_path, text, needles):
    path = write_settings(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(str(path))
    for needle in needles:
        assert needle in str(caught.value)


@pytest.mark.parametrize("text, needles", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_cli_bad_settings_exits_2(tmp_path, capsys, text, needles):
    settings = write_settings(tmp_path, text)
    transcript = write_lines(tmp_path, GOOD)
    assert_cli_rejects(capsys, ["--settings", str(settings), "--transcript", str(transcript)], str(settings), *needles)


def test_settings_not_utf8(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes('language = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(path)


def test_an_int_where_a_float_is_expected_is_fine(tmp_path):
    assert load_settings(write_settings(tmp_path, "[pause]\nwindow_s = 3\n")).pause.window_s == 3.0


def test_cli_missing_settings_file(tmp_path, capsys):
    transcript = write_lines(tmp_path, GOOD)
    assert_cli_rejects(capsys, ["--settings", str(tmp_path / "none.toml"), "--transcript", str(transcript)],
                       "none.toml", "no such settings file")


def test_cli_settings_with_an_unsupported_language_exits_2(tmp_path, capsys):
    settings = write_settings(tmp_path, 'language = "fr"\n')
    transcript = write_lines(tmp_path, GOOD)
    assert_cli_rejects(capsys, ["--settings", str(settings), "--transcript", str(transcript)], "language", "fr")
