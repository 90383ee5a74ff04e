"""Drills from the agent's own calls: a synthesised call with known misses goes through the real
engine into the library; its missed moments become one-step drills scored like any scenario."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.asr.sphinx import SphinxFactory
from coach_app.audio.wavsource import open_call
from coach_app.batch import CallResult, analyze_call, analyze_transcript
from coach_app.events import Nudge, NudgeResolved, SpeechEnded, SpeechStarted, Words
from coach_app.practice import DrillError, drill_from_call, drillable
from coach_app.report.timeline import nudge_records
from coach_app.settings import Settings
from coach_app.store.library import Library
from coach_app.synth import VOICES
from coach_app.transcript import Utterance
from conftest import RenderFn, run_cli
from test_practice import answers

# The agent cuts in with "why", never offers help, then promises "soon" with a scripted apology: six misses to drill.
CALL = """\
customer 0.5: Hello, I have been charged twice for my order and I am really angry about it.
agent 0.3: Why did you order it twice?
customer 0.8: I did not. When will I get my money back?
agent 0.4: It will be sorted soon, we apologise for any inconvenience.
end 1.5
"""
STARTED = "2025-03-04T09:30:00+00:00"
EMPATHY = "I'm so sorry, let me help you with that."
LABEL = "I can hear how angry this has made you. I'm so sorry, let me help you with that."
BLAME = "Why did you do that?"


@pytest.fixture(scope="module")
def analysed(render: RenderFn) -> tuple[Path, CallResult]:
    wav, _ = render(CALL)
    return wav, analyze_call(open_call(wav), Settings(), SphinxFactory())


@pytest.fixture
def library(private_home: Path) -> Iterator[Library]:
    lib = Library(private_home / "library")  # where `coach-app practice --drill` looks
    yield lib
    lib.close()


@pytest.fixture
def call_id(library: Library, analysed: tuple[Path, CallResult]) -> int:
    wav, result = analysed
    return library.save_call(wav, result.events, result.summary, started_at=STARTED)


def customer_lines(library: Library, call_id: int) -> list[str]:
    return [u["text"] for u in library.call_detail(call_id).utterances if u["channel"] == "customer"]


def test_each_missed_moment_is_cued_by_the_customer_words_before_it(library: Library, call_id: int,
                                                                    analysed: tuple[Path, CallResult]) -> None:
    missed = {n["kind"] for n in nudge_records(analysed[1].events) if n["outcome"] == "missed"}
    assert {"help_offer", "label_emotion", "pause", "why_question", "timeframe", "hollow_apology", "closing"} <= missed
    moments = drillable(library, call_id)
    kinds = [m.kind for m in moments]
    assert "closing" not in kinds  # a whole call's ending is no one-line drill
    assert [m.number for m in moments] == list(range(1, len(moments) + 1))
    assert [m.t for m in moments] == sorted(m.t for m in moments)
    first, second = customer_lines(library, call_id)
    by_kind = {m.kind: m for m in moments}
    # help and label_emotion fire inside the customer's line; pause and why on the agent's reply to it
    for kind in ("help_offer", "label_emotion", "pause", "why_question"):
        assert by_kind[kind].customer == first, kind
    # the vague promise and the scripted apology answer the second customer line, not the first
    for kind in ("timeframe", "hollow_apology"):
        assert by_kind[kind].customer == second, kind
    assert "angry" in first and "money back" in second and "why" not in first + second
    assert by_kind["label_emotion"].emotion == "angry" and by_kind["pause"].emotion == "none"


def test_the_default_drill_is_the_first_miss_as_a_one_step_scenario(library: Library, call_id: int) -> None:
    first = drillable(library, call_id)[0]
    assert first.kind == "help_offer"  # "charged twice" comes before "angry", and no help was offered
    assert drill_from_call(library, call_id).id == f"drill-call{call_id}-help_offer-1"
    scenario = drill_from_call(library, call_id, "label_emotion-1")
    assert scenario.id == f"drill-call{call_id}-label_emotion-1"
    assert scenario.title == "Drill: Name the feeling from your call of 4 March 2025"
    assert scenario.language == "en" and scenario.voice in VOICES
    (step,) = scenario.steps
    assert step.expect == ("label_emotion",) and step.emotion == "angry"
    assert step.customer.lower().rstrip(".") == customer_lines(library, call_id)[0]
    assert "Name the feeling you hear" in scenario.description
    by_id = drill_from_call(library, call_id, "timeframe-1")
    assert by_id.steps[0].expect == ("timeframe",) and "money back" in by_id.steps[0].customer
    assert drill_from_call(library, call_id, 3).id == f"drill-call{call_id}-pause-1"


def test_a_customer_okay_over_the_agents_own_line_is_not_the_cue(library: Library, tmp_path: Path) -> None:
    lines = [Utterance("customer", 0.5, 3.0, "When will I get my money back?"),
             Utterance("agent", 4.0, 8.0, "Let me look into that for you, it will be sorted soon."),
             Utterance("customer", 5.0, 5.4, "okay")]
    call_id = save_transcript(library, tmp_path, lines, "en")
    (moment,) = [m for m in drillable(library, call_id) if m.kind == "timeframe"]
    assert moment.t > 5.4 and moment.customer == "When will I get my money back?"


@pytest.mark.parametrize(("moment", "kind", "good", "poor"), [
    ("pause-1", "pause", (EMPATHY, 2.5), (BLAME, 0.3)),
    ("label_emotion-1", "label_emotion", (LABEL, 2.5), (EMPATHY, 2.5)),
], ids=["pause", "label_emotion"])
def test_a_good_answer_passes_the_drill_and_a_poor_one_fails(
        moment: str, kind: str, good: tuple[str, float], poor: tuple[str, float], call_id: int,
        library: Library, tmp_path: Path, flite_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library.close()  # the command opens the library itself, as it would with the app closed
    cards = {}
    for name, answer in (("good", good), ("poor", poor)):
        sf.write(tmp_path / f"{name}.wav", answers([answer], flite_cache)[0], 16000)
        code, out, err = run_cli(capsys, "practice", "--drill", str(call_id), "--moment", moment,
                                 "--answers", str(tmp_path / f"{name}.wav"), "--json")
        assert code == 0, err
        cards[name] = json.loads(out)
    assert cards["good"]["steps"][0]["kinds"] == {kind: True}, cards["good"]
    assert cards["poor"]["steps"][0]["kinds"] == {kind: False}, cards["poor"]
    assert cards["good"]["score"] == 1 and cards["poor"]["score"] == 0
    assert cards["good"]["scenario"] == f"drill-call{call_id}-{moment}"


def test_the_command_shows_the_drill_and_lists_the_moments(call_id: int, library: Library,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    moments = drillable(library, call_id)
    library.close()
    code, out, err = run_cli(capsys, "practice", "--drill", str(call_id), "--list")
    assert code == 0, err
    rows = out.splitlines()
    assert len(rows) == len(moments)
    assert rows[0].split()[:3] == ["1", "0:02", "help_offer"] and rows[0].endswith(moments[0].customer)
    assert rows[1].split()[:3] == ["2", "0:04", "label_emotion"]
    code, out, err = run_cli(capsys, "practice", "--drill", str(call_id), "--moment", "3")
    assert code == 0, err
    assert "Drill: Pause before answering" in out and moments[2].customer in out.lower()
    assert f"practice --drill {call_id} --moment 3 --answers" in out
    code, out, _ = run_cli(capsys, "practice", "--drill", str(call_id), "--json")
    shown = json.loads(out)
    assert shown["kind"] == "help_offer" and shown["expect"] == ["help_offer"] and shown["moment"] == 1


# --- calls that cannot become drills ----------------------------------------------------------

def silent_wav(folder: Path, seconds: float = 6.0) -> Path:
    path = folder / "call.wav"
    sf.write(path, np.zeros((round(seconds * 16000), 2), np.float32), 16000)
    return path


def save_transcript(library: Library, folder: Path, lines: list[Utterance], language: str | None) -> int:
    result = analyze_transcript(lines, Settings(language=language or "en"))
    return library.save_call(silent_wav(folder), result.events, result.summary, language=language)


def drill_error(library: Library, call_id: int, moment: int | str | None = None) -> str:
    with pytest.raises(DrillError) as info:
        drill_from_call(library, call_id, moment)
    return str(info.value)


def test_an_unknown_call_or_moment_is_a_clear_error(library: Library, call_id: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert drill_error(library, 999) == "call 999 is not in the library (see coach-app review for your calls)"
    with pytest.raises(DrillError, match="not in the library"):
        drillable(library, 999)
    assert "has no moment 9 to drill (moments 1-6" in drill_error(library, call_id, 9)
    library.close()
    code, out, err = run_cli(capsys, "practice", "--drill", "999")
    assert code == 2 and out == "" and "call 999 is not in the library" in err


def test_a_call_without_missed_moments_says_so(library: Library, tmp_path: Path) -> None:
    calm = [Utterance("customer", 0.5, 3.0, "Hi, what are your opening hours on Saturday?"),
            Utterance("agent", 5.5, 8.0, "We are open from nine to five on Saturday.")]
    call_id = save_transcript(library, tmp_path, calm, "en")
    kinds = {n["kind"]: n["outcome"] for n in library.call_detail(call_id).nudges}
    assert kinds == {"closing": "missed"}  # missed, but not a moment one answer can fix
    assert drillable(library, call_id) == []
    assert drill_error(library, call_id) == (f"call {call_id} has no missed moments to drill (only pause, "
                                             "label_emotion, help_offer, timeframe, why_question, "
                                             "hollow_apology can be)")


@pytest.mark.parametrize("stored", ["zh", None], ids=["language-saved", "language-from-transcript"])
def test_a_chinese_call_is_drilled_in_a_mandarin_voice(stored: str | None, library: Library, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    angry = [Utterance("customer", 0.5, 3.0, "我 被 重复 扣款 了 我 非常 生气"),  # as a recogniser spaces it
             Utterance("agent", 3.3, 5.0, "为什么你要下两次单")]
    result = analyze_transcript(angry, Settings(language="zh"))
    call_id = library.save_call(silent_wav(tmp_path), result.events, result.summary, language=stored)
    assert [m.kind for m in drillable(library, call_id)][:2] == ["label_emotion", "help_offer"]
    drill = drill_from_call(library, call_id)
    assert (drill.language, drill.voice) == ("zh", "cmn")  # espeak-ng, never the customer's own voice
    assert drill.steps[0].customer == "我被重复扣款了我非常生气。"
    library.close()
    code, out, err = run_cli(capsys, "practice", "--drill", str(call_id))
    assert code == 0 and "我被重复扣款了我非常生气。" in out, err
    answer = tmp_path / "answer.wav"
    from coach_app.synth.voices import speak

    sf.write(answer, np.concatenate([np.zeros(32000, np.float32), speak("听起来您很生气，我来帮您处理。", "cmn")]), 16000)
    code, _, err = run_cli(capsys, "practice", "--drill", str(call_id), "--answers", str(answer))
    assert code == 2 and "vosk-small-cn" in err  # scoring Chinese needs the Chinese model


def test_a_moment_whose_customer_words_were_not_recognised_says_so(library: Library, tmp_path: Path) -> None:
    # The recogniser heard the customer speak but gave no words (noise, an accent it does not know).
    events = [SpeechStarted("customer", 0.5), SpeechEnded("customer", 3.0, 0.5), SpeechStarted("agent", 3.2),
              Nudge("pause-1", "pause", 3.2, "Pause before answering"),
              Words("agent", 3.3, 4.5, "okay what is your order number"),
              NudgeResolved("pause-1", 3.5, "missed"), SpeechEnded("agent", 4.6, 3.2)]
    call_id = library.save_call(silent_wav(tmp_path), events, None, language="en")
    (moment,) = drillable(library, call_id)
    assert moment.kind == "pause" and moment.customer == ""
    assert drill_error(library, call_id) == (f"call {call_id}, moment 1 (pause): the customer's words before it "
                                             "were not recognised, so there is no line to say again")


def test_drilling_before_any_call_is_saved_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "practice", "--drill", "1")
    assert code == 2 and out == "" and "there are no saved calls yet" in err


def test_review_window_offers_the_missed_moments_and_opens_a_drill(qtbot, library: Library, call_id: int) -> None:
    """From the agent's own call in review to a drill in the practice window, in two clicks."""
    from coach_app.ui.review_window import ReviewWindow

    class Silent:  # no output device: the review and the practice window still work
        def query_devices(self, *args, **kwargs):
            return []

    win = ReviewWindow(library, sd_module=Silent())
    qtbot.addWidget(win)
    assert win.open_call(call_id)
    assert win.drill_button.isVisibleTo(win)
    entries = [a for a in win.drill_button.menu().actions()]
    assert len(entries) == len(drillable(library, call_id))
    assert any("Pause before answering" in a.text() and "angry" in a.text() for a in entries)
    pause = next(a for a in entries if "Pause before answering" in a.text())
    pause.trigger()
    practice = win.practice
    assert practice is not None and practice.isVisible()
    qtbot.addWidget(practice)
    assert practice.scenario is not None and practice.scenario.id.startswith(f"drill-call{call_id}-pause")
    assert "angry" in practice.customer.text() and practice.step_label.text().startswith("Step 1 of 1")
    win.show_list()
    assert not win.drill_button.isVisibleTo(win)  # only on an open call
