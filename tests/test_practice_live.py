"""Live practice: the simulated customer speaks, listens to the trainee's microphone, and moves on
when the trainee stops; the real engine coaches as on a call. Scripted trainees answer with flite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach_app.asr.sphinx import SphinxFactory
from coach_app.audio.capture import Capture, CaptureConfig, CaptureState
from coach_app.events import SpeechStarted
from coach_app.live import LiveSession
from coach_app.practice import Answer, find_scenario
from coach_app.practice.live_run import TURN_END_S, SimulatedCustomer
from coach_app.practice.scripted import ScriptedTrainee
from coach_app.practice.session import customer_audio, score
from coach_app.settings import Settings
from test_capture import FakeDevice, FakeSoundDevice, tone
from test_practice import GOOD, POOR, answers, needs_flite

pytestmark = needs_flite


def as_answers(parts: list[np.ndarray]) -> list[Answer]:
    return [Answer(p, 0.0, f"answer {i}") for i, p in enumerate(parts, 1)]


def run(trainee: ScriptedTrainee, recogniser=None, recorder=None, max_s: float = 90.0):
    """The whole scenario through a LiveSession pumped in this thread; returns (customer, events)."""
    scenario = find_scenario("double_charge")
    played: list[int] = []
    customer = trainee.attach(SimulatedCustomer(trainee, customer_audio(scenario), Settings().vad,
                                                play=lambda audio: played.append(len(audio))))
    session = LiveSession(customer, Settings(), recogniser, recorder=recorder)
    session.start(threaded=False)
    while not customer.done.is_set() and customer.seconds < max_s:
        session.pump()
    customer.played = played  # type: ignore[attr-defined]
    return customer, session.stop()


def test_good_trainee_scores_full_marks_live(flite_cache: Path) -> None:
    trainee = ScriptedTrainee(as_answers(answers(GOOD, flite_cache)))
    customer, events = run(trainee, SphinxFactory())
    card = score(find_scenario("double_charge"), customer.spans, events)
    assert [s.kinds for s in card.steps] == [
        {"pause": True, "label_emotion": True, "help_offer": True}, {"timeframe": True}]
    assert card.score == card.max == 4
    assert "thursday" in card.steps[1].answer_text
    assert len(customer.played) == 2  # each line was handed to the speaker once


def test_poor_trainee_misses_the_expected_steps_live(flite_cache: Path) -> None:
    trainee = ScriptedTrainee(as_answers(answers(POOR, flite_cache)))
    customer, events = run(trainee, SphinxFactory())
    card = score(find_scenario("double_charge"), customer.spans, events)
    assert card.steps[0].kinds["pause"] is False and card.steps[0].kinds["label_emotion"] is False
    assert card.steps[1].kinds == {"timeframe": False}
    assert "order number" in card.steps[0].answer_text


def test_next_line_comes_within_a_second_of_the_trainee_stopping(flite_cache: Path) -> None:
    trainee = ScriptedTrainee(as_answers(answers(POOR, flite_cache)))
    customer, _ = run(trainee)  # no recogniser: turn-taking alone
    second = customer.starts[1]
    delay = second.t - trainee.voice_ends[0]  # audio time from the last answer sample to the next line
    assert TURN_END_S - 0.1 <= delay <= 1.0, delay
    assert abs(second.answer_end - trainee.voice_ends[0]) <= 0.1  # the customer heard where the answer ended
    assert len(customer.spans) == 2 and customer.done.is_set()


def test_a_pause_inside_an_answer_does_not_end_the_turn(flite_cache: Path) -> None:
    """People breathe between sentences; the customer must not cut in after half an answer."""
    first, second = answers([("I am so sorry about this.", 2.2), ("Let me help you with that.", 0.5)], flite_cache)
    parts = answers(POOR, flite_cache)
    trainee = ScriptedTrainee(as_answers([np.concatenate([first, second]), parts[1]]))
    customer, _ = run(trainee)
    assert len(customer.starts) == 2
    assert customer.starts[1].t >= trainee.voice_ends[0]  # not during the second sentence
    assert customer.spans[0].end == pytest.approx(trainee.voice_ends[0], abs=0.1)


def test_talking_over_the_customer_is_a_missed_pause(flite_cache: Path) -> None:
    good = answers([(GOOD[0][0], 0.0), GOOD[1]], flite_cache)
    trainee = ScriptedTrainee(as_answers(good), early_s=1.0)  # starts a second before the line ends
    customer, events = run(trainee, SphinxFactory())
    agent_onset = next(e.t for e in events if isinstance(e, SpeechStarted) and e.channel == "agent")
    assert agent_onset < customer.spans[0].answer  # the engine heard the overlap
    card = score(find_scenario("double_charge"), customer.spans, events)
    assert card.steps[0].kinds["pause"] is False
    assert len(customer.spans) == 2  # the run still went on to the next line


def test_silence_waits_for_the_trainee_and_skip_moves_on() -> None:
    trainee = ScriptedTrainee([Answer(np.zeros(1600, np.float32), 0.0, "silence")] * 2)
    scenario = find_scenario("double_charge")
    customer = trainee.attach(SimulatedCustomer(trainee, customer_audio(scenario), Settings().vad))
    session = LiveSession(customer, Settings(), None)
    session.start(threaded=False)
    while customer.seconds < 20:
        session.pump()
    assert customer.step == 0 and customer.listening and not customer.spans  # still waiting, no rush
    line_end = customer.starts[0].t + len(customer.lines[0]) / 16000
    assert customer.silent_s == pytest.approx(customer.seconds - line_end, abs=0.05)  # the window's hint uses it
    customer.skip()
    while customer.step == 0:
        session.pump()
    assert customer.step == 1 and len(customer.spans) == 1
    session.stop()


def test_recording_holds_the_trainee_left_and_the_customer_right(flite_cache: Path) -> None:
    frames: list[np.ndarray] = []
    trainee = ScriptedTrainee(as_answers(answers(POOR, flite_cache)))
    customer, _ = run(trainee, recorder=frames.append)
    call = np.concatenate(frames)
    t = lambda s: round(s * 16000)
    line = slice(t(customer.starts[0].t) + 1600, t(customer.spans[0].answer) - 1600)
    answer = slice(t(customer.spans[0].answer) + t(0.4), t(customer.spans[0].end) - 1600)
    rms = lambda x: float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    assert rms(call[line, 1]) > 1000 and rms(call[line, 0]) < 50  # the customer speaks, the trainee listens
    assert rms(call[answer, 0]) > 300 and rms(call[answer, 1]) < 50
    assert len(call) == pytest.approx(customer.seconds * 16000, abs=320)


def test_a_microphone_unplugged_mid_run_keeps_the_run_and_says_so() -> None:
    sd = FakeSoundDevice([FakeDevice("Laptop Mic", channels=1)])
    mic = Capture(CaptureConfig(agent_device="Laptop Mic", mic_only=True, refresh_devices=False), sd_module=sd)
    customer = SimulatedCustomer(mic, [tone(32000, 220)[:, 0] / 32768.0], Settings().vad)
    session = LiveSession(customer, Settings(), None)
    session.start(threaded=False)
    sd.play("Laptop Mic", tone(16000, 0, amp=0))  # one second of silence
    session.pump()
    assert customer.speaking and customer.seconds == pytest.approx(1.0, abs=0.03)
    sd.unplug("Laptop Mic")
    session.pump()
    assert customer.state is CaptureState.DEVICE_LOST and "unplugged" in session.stats().message
    assert session.running and customer.seconds == pytest.approx(1.0, abs=0.03)  # nothing lost, nothing crashed
    session.stop()


def test_the_customer_line_leaking_into_the_microphone_is_not_an_answer(flite_cache: Path) -> None:
    """Laptop speakers instead of a headset: the line reaches the mic 25 dB down and 80 ms late. The
    customer must still wait for the real answer, and the coach must not hear the echo as the trainee."""
    trainee = ScriptedTrainee(as_answers(answers(GOOD, flite_cache)), echo_db=-25.0)
    customer, events = run(trainee, SphinxFactory())
    assert len(customer.spans) == 2
    for span, voice_end in zip(customer.spans, trainee.voice_ends):
        assert span.end == pytest.approx(voice_end, abs=0.1)  # the turn ended with the answer, not the echo
    card = score(find_scenario("double_charge"), customer.spans, events)
    assert card.score == card.max == 4


def test_a_chinese_run_takes_turns_with_a_mandarin_customer() -> None:
    """espeak-ng speaks the lines; the turn-taking needs no recogniser (scoring needs the Chinese model)."""
    from coach_app.synth.voices import speak

    scenario = find_scenario("zh_double_charge")
    replies = ["听起来您很生气，我来帮您处理。", "退款会在两个工作日内到账。"]
    trainee = ScriptedTrainee([Answer(np.concatenate([np.zeros(32000, np.float32), 0.5 * speak(r, "cmn")]), 2.0, "")
                               for r in replies])
    customer = trainee.attach(SimulatedCustomer(trainee, customer_audio(scenario), Settings().vad))
    session = LiveSession(customer, Settings(language="zh"), None)
    session.start(threaded=False)
    while not customer.done.is_set() and customer.seconds < 60:
        session.pump()
    session.stop()
    assert len(customer.spans) == len(scenario.steps) == 2
    assert customer.starts[1].t - trainee.voice_ends[0] <= 1.0
    assert all(span.answer - span.start > 1.5 for span in customer.spans)  # each line really was spoken
