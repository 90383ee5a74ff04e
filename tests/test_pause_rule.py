"""The pause rule end to end: `coach-app analyze --json` on synthesised calls."""

from __future__ import annotations

import json

import pytest

from coach_app.events import NudgeResolved, SpeechEnded, SpeechStarted, Words
from coach_app.prompts import PauseRule, load_lexicon
from coach_app.settings import PauseSettings
from conftest import FIXTURES, run_cli


def analyze_json(capsys, wav):
    code, out, err = run_cli(capsys, "analyze", "--json", str(wav))
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()], err


def pauses(records):
    return [r for r in records if r["type"] == "nudge" and r["kind"] == "pause"]


def test_quick_reply_is_a_missed_pause_at_the_agent_onset(render, capsys):
    wav, truth = render((FIXTURES / "quick_reply.call").read_text())
    records, err = analyze_json(capsys, wav)
    assert "engine: pocketsphinx" in err  # auto fell back to the bundled engine, and said so
    nudges = pauses(records)
    assert len(nudges) == 1
    assert nudges[0]["outcome"] == "missed"
    agent_onset = next(line.t0 for line in truth if line.speaker == "agent")
    assert nudges[0]["t"] == pytest.approx(agent_onset, abs=0.2)
    summary = records[-1]
    assert summary["type"] == "summary" and summary["turns"] == 2
    assert summary["median_response_gap"] == pytest.approx(0.4, abs=0.15)
    assert summary["engine"].startswith("pocketsphinx")
    words = [r for r in records if r["type"] == "words"]
    assert {w["channel"] for w in words} == {"agent", "customer"}
    assert set(records[0]) == {"type", "channel", "t0", "t1", "text"}


def test_patient_reply_has_no_nudge(render, capsys):
    wav, _ = render((FIXTURES / "patient_reply.call").read_text())
    records, _ = analyze_json(capsys, wav)
    assert pauses(records) == []
    assert records[-1]["median_response_gap"] == pytest.approx(2.5, abs=0.15)


def test_empathic_interruption_is_retracted(render, capsys):
    wav, _ = render(
        "customer 0.5: My parcel is a week late and nobody has called me back about it.\n"
        "agent 0.3: I'm so sorry, let me help you with that right away.\nend 0.8"
    )
    records, _ = analyze_json(capsys, wav)
    assert [n["outcome"] for n in pauses(records)] == ["retracted"]


def test_quick_answer_to_a_short_customer_reply_is_fine(render, capsys):
    wav, _ = render("agent 0.5: Can I have your order number please?\ncustomer 0.5: Yes.\nagent 0.3: Thank you, one moment.\nend 0.5")
    records, _ = analyze_json(capsys, wav)
    assert pauses(records) == []


def test_text_timeline_is_readable(render, capsys):
    wav, _ = render((FIXTURES / "quick_reply.call").read_text())
    code, out, _ = run_cli(capsys, "analyze", str(wav))
    assert code == 0
    assert "CUSTOMER" in out and "AGENT" in out and "PAUSE" in out and "Summary:" in out


class TestRuleUnit:
    """The rule alone, on hand-made events (no audio)."""

    def rule(self):
        return PauseRule(PauseSettings(), load_lexicon("en"))

    def feed(self, rule, events):
        out = []
        for e in events:
            out += rule.on_event(e)
        return out

    def test_talking_over_a_long_customer_turn(self):
        out = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechStarted("agent", 4.0)])
        assert out == []  # not yet: the customer may be finishing
        out = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechStarted("agent", 4.0),
                                      Words("customer", 1.0, 4.6, "and then it happened again", (), False)])
        assert len(out) == 1 and out[0].evidence["gap_s"] is None and out[0].t == 4.0

    def test_backchannel_is_retracted(self):
        rule = self.rule()
        out = self.feed(rule, [SpeechStarted("customer", 1.0), SpeechStarted("agent", 4.0),
                               SpeechEnded("agent", 4.9, 4.0), Words("agent", 4.0, 4.9, "mm hm")])
        assert isinstance(out[-1], NudgeResolved) and out[-1].outcome == "retracted"

    def test_cooldown(self):
        rule = self.rule()
        out = self.feed(rule, [
            SpeechStarted("customer", 1.0), SpeechEnded("customer", 7.0, 1.0), SpeechStarted("agent", 7.3),
            SpeechEnded("agent", 9.0, 7.3), Words("agent", 7.3, 9.0, "okay"),
            SpeechStarted("customer", 9.5), SpeechEnded("customer", 15.0, 9.5), SpeechStarted("agent", 15.2),
        ])
        assert sum(1 for e in out if e.__class__.__name__ == "Nudge") == 1

    def test_unresolved_nudge_is_missed_at_finish(self):
        rule = self.rule()
        self.feed(rule, [SpeechStarted("customer", 1.0), SpeechEnded("customer", 4.0, 1.0),
                         Words("customer", 1.0, 4.0, "my parcel never arrived"), SpeechStarted("agent", 4.2)])
        assert rule.finish(10.0)[0].outcome == "missed"

    def test_short_factual_answer_needs_no_pause(self):
        out = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechEnded("customer", 3.0, 1.0),
                                      Words("customer", 1.0, 3.0, "it is four five six seven eight"),
                                      SpeechStarted("agent", 3.3)])
        assert out == []

    def test_three_seconds_of_small_talk_is_not_substantive_but_a_problem_is(self):
        small = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechEnded("customer", 4.0, 1.0),
                                        Words("customer", 1.0, 4.0, "good morning how are you today"),
                                        SpeechStarted("agent", 4.3)])
        problem = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechEnded("customer", 2.2, 1.0),
                                          Words("customer", 1.0, 2.2, "I was charged twice"),
                                          SpeechStarted("agent", 2.5)])
        assert small == [] and [type(e).__name__ for e in problem] == ["ListeningWindow", "Nudge"]

    def test_talk_over_at_the_very_end_is_turn_taking(self):
        out = self.feed(self.rule(), [SpeechStarted("customer", 1.0), SpeechStarted("agent", 5.0),
                                      SpeechEnded("customer", 5.2, 1.0), SpeechEnded("agent", 7.0, 5.0)])
        assert out == []  # nothing flashes on screen


def test_listening_window_opens_only_after_a_substantive_turn():
    from coach_app.events import ListeningWindow

    rule = PauseRule(PauseSettings(), load_lexicon("en"))
    short = rule.on_event(SpeechStarted("customer", 1.0)) + rule.on_event(SpeechEnded("customer", 1.8, 1.0))
    short += rule.on_event(Words("customer", 1.0, 1.8, "yes"))
    assert not any(isinstance(e, ListeningWindow) for e in short)
    rule.on_event(SpeechStarted("agent", 2.0))
    rule.on_event(SpeechEnded("agent", 3.0, 2.0))
    out = rule.on_event(SpeechStarted("customer", 4.0)) + rule.on_event(SpeechEnded("customer", 6.0, 4.0))
    out += rule.on_event(Words("customer", 4.0, 6.0, "my parcel never arrived"))
    assert [e for e in out if isinstance(e, ListeningWindow)] == [ListeningWindow(6.0, 8.0)]
