"""`pace` (optional): the agent speaking fast for a sustained stretch, at the event level."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach_app.events import Event, Nudge, NudgeResolved, SpeechEnded, SpeechStarted, Word, Words
from coach_app.prompts import OPTIONAL_KINDS, default_rules
from coach_app.prompts.runner import RuleRunner
from coach_app.settings import PaceSettings, Settings

ON = replace(Settings(), pace=PaceSettings(enabled=True))


def utter(channel: str, t0: float, t1: float, n_words: int, conf: float = 0.9, word: str = "word") -> list[Event]:
    step = (t1 - t0) / n_words
    words = tuple(Word(word, round(t0 + i * step, 3), round(t0 + (i + 1) * step, 3), conf) for i in range(n_words))
    return [SpeechStarted(channel, t0), SpeechEnded(channel, t1, t0),  # type: ignore[arg-type]
            Words(channel, t0, t1, " ".join(w.text for w in words), words, True)]  # type: ignore[arg-type]


def agent_talk(start: float, sentences: int, seconds: float, words: int, gap: float = 0.5, conf: float = 0.9) -> list[Event]:
    """`sentences` agent utterances of `seconds` and `words` each, `gap` apart."""
    out: list[Event] = []
    t = start
    for _ in range(sentences):
        out += utter("agent", t, t + seconds, words, conf)
        t += seconds + gap
    return out


def run(events: list[Event], settings: Settings = ON) -> list[Event]:
    runner = RuleRunner(default_rules(settings))
    return runner.dispatch(events) + runner.finish(max(getattr(e, "t1", getattr(e, "t", 0.0)) for e in events))


def paces(out: list[Event]) -> list[Nudge]:
    return [e for e in out if isinstance(e, Nudge) and e.kind == "pace"]


def test_fast_sustained_talk_gets_one_slow_down_nudge():
    # sentences of 4 s with 16 words, 0.5 s breaths: judged once 15 s of talk are in, at the end of
    # the 4th sentence (17.5 s of talk, 64 words = 219 words a minute)
    out = run(agent_talk(0.0, 5, 4.0, 16))
    [nudge] = paces(out)
    assert nudge.evidence["per_min"] == 219 and nudge.t == 17.5
    assert "219 words a minute" in nudge.suggestion
    resolved = [e for e in out if isinstance(e, NudgeResolved) and e.id == nudge.id]
    assert [r.outcome for r in resolved] == ["missed"]


def test_a_calm_pace_is_fine():
    assert paces(run(agent_talk(0.0, 5, 4.0, 10))) == []  # 50 words in 22 s: about 136 a minute


def test_one_fast_sentence_is_not_sustained():
    assert paces(run(agent_talk(0.0, 2, 4.0, 18))) == []  # 8.5 s of talk < min_talk_s


def test_the_customers_turns_do_not_count_as_the_agents_talk():
    # Fast sentences, each answered by the customer: the agent's talk is only their own sentences.
    events: list[Event] = []
    for i in range(5):
        events += utter("agent", i * 10.0, i * 10.0 + 4.0, 16) + utter("customer", i * 10.0 + 5.0, i * 10.0 + 9.0, 8)
    [nudge] = paces(run(events))
    assert nudge.evidence["per_min"] == 240  # 16 words per 4 s, breaths not padded with the customer's time


def test_breaths_between_the_agents_sentences_count_as_talk():
    # 16 words in 4 s = 240/min alone; with 1 s breaths counted, 64 words in 19 s = 202/min
    [nudge] = paces(run(agent_talk(0.0, 5, 4.0, 16, gap=1.0)))
    assert nudge.evidence["per_min"] == 202
    # a long hold (3 s) is not talk: the rate is that of the sentences alone
    [held] = paces(run(agent_talk(0.0, 5, 4.0, 16, gap=3.0)))
    assert held.evidence["per_min"] == 240


def test_words_the_recogniser_was_unsure_of_are_not_judged():
    assert paces(run(agent_talk(0.0, 5, 4.0, 16, conf=0.3))) == []


def test_the_customer_speaking_fast_is_not_the_agents_pace():
    events: list[Event] = []
    for i in range(5):
        events += utter("customer", i * 4.5, i * 4.5 + 4.0, 16)
    assert paces(run(events)) == []


def test_threshold_and_cooldown_come_from_the_settings():
    talk = agent_talk(0.0, 5, 4.0, 16)
    strict = replace(Settings(), pace=PaceSettings(enabled=True, max_words_per_min=250.0))
    assert paces(run(talk, strict)) == []
    long_talk = agent_talk(0.0, 20, 4.0, 16)  # 90 s of fast talk
    assert len(paces(run(long_talk))) == 1  # cooldown 90 s
    short = replace(Settings(), pace=PaceSettings(enabled=True, cooldown_s=20.0))
    assert len(paces(run(long_talk, short))) >= 3


def test_off_by_default():
    assert "pace" in OPTIONAL_KINDS
    assert all(rule.kind != "pace" for rule in default_rules(Settings()))
    assert paces(run(agent_talk(0.0, 5, 4.0, 16), Settings())) == []


def test_chinese_counts_characters():
    zh = replace(Settings(), language="zh", pace=PaceSettings(enabled=True))

    def say(t0: float, t1: float, text: str) -> list[Event]:
        return [SpeechStarted("agent", t0), SpeechEnded("agent", t1, t0), Words("agent", t0, t1, text, (), True)]

    fast = "您好请您先打开手机应用然后点击右上角的设置按钮再选择账户安全"  # 30 characters in 4 s: 450 a minute
    calm = "您好请您先打开手机应用"  # 11 in 4 s: 165 a minute
    events = [e for i in range(5) for e in say(i * 4.5, i * 4.5 + 4.0, fast)]
    [nudge] = paces(run(events, zh))
    assert nudge.evidence["per_min"] > 330 and "每分钟" in nudge.suggestion
    assert paces(run([e for i in range(5) for e in say(i * 4.5, i * 4.5 + 4.0, calm)], zh)) == []


def test_a_lexicon_without_pace_words_is_reported_when_pace_is_on():
    from coach_app.prompts.lexicon import Lexicon, LexiconError, load_lexicon

    data = {k: v for k, v in load_lexicon("en").data.items() if k != "pace"}
    default_rules(Settings(), Lexicon("en", data))  # off: not needed
    with pytest.raises(LexiconError, match=r"\[pace\]"):
        default_rules(ON, Lexicon("en", data))
