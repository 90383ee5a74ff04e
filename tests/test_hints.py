"""The bundled recogniser's hints: a keyword spotter for the rules' phrases gives a second opinion on
the first pass's final words (asr/sphinx.py). Unit tests on hand-made words and spotter hits, then
the rules on the corrected words, then end to end on synthesised speech."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach_app.asr.sphinx import SphinxFactory, Spotted, apply_hints
from coach_app.audio.wavsource import open_call
from coach_app.batch import analyze_call
from coach_app.events import Nudge, SpeechEnded, SpeechStarted, Word, Words
from coach_app.prompts import default_rules
from coach_app.prompts.lexicon import load_lexicon
from coach_app.prompts.runner import RuleRunner
from coach_app.settings import HintSettings, Settings

HINTS = HintSettings()


def heard(*spec: tuple[str, float]) -> list[Word]:
    """First-pass words, 0.3 s each from t=1.0, with the given confidences."""
    return [Word(text, round(1.0 + 0.3 * i, 3), round(1.3 + 0.3 * i, 3), conf) for i, (text, conf) in enumerate(spec)]


def span(words: list[Word], first: int, last: int) -> tuple[float, float]:
    return words[first].t0 + 0.02, words[last].t1 - 0.02


# --- apply_hints: the second opinion -------------------------------------------------------------


def test_a_phrase_both_passes_heard_becomes_sure():
    words = heard(("well", 1.0), ("it", 0.6), ("will", 0.9), ("be", 1.0), ("paid", 1.0), ("soon", 0.02))
    out = apply_hints(words, [Spotted("soon", *span(words, 5, 5), 0.885)], HINTS)
    assert out[5] == replace(words[5], conf=HINTS.verified_conf)
    assert out[:5] == words[:5]  # the other words are untouched


def test_a_sure_word_keeps_its_confidence():
    words = heard(("soon", 0.93),)
    assert apply_hints(words, [Spotted("soon", *span(words, 0, 0), 0.9)], HINTS) == words


def test_one_unsure_word_of_a_long_phrase_is_corrected():
    words = heard(("why", 0.66), ("did", 0.74), ("they", 0.02), ("wait", 0.03))
    out = apply_hints(words, [Spotted("why did you", *span(words, 0, 2), 0.886)], HINTS)
    assert [w.text for w in out] == ["why", "did", "you", "wait"]
    assert [w.conf for w in out] == [0.66, 0.74, HINTS.verified_conf, 0.03]
    assert [(w.t0, w.t1) for w in out] == [(w.t0, w.t1) for w in words]  # times are the first pass's


@pytest.mark.parametrize("why, words, hit", [
    ("the first pass was sure of its own word",
     heard(("a", 0.62), ("week", 0.89), ("later", 0.87)), Spotted("a week late", 1.02, 1.88, 0.898)),
    ("a two-word phrase is too short to overrule the first pass",
     heard(("charged", 0.98), ("nice", 0.14)), Spotted("charged twice", 1.02, 1.58, 0.95)),
    ("the spotter is not sure enough to overrule",
     heard(("why", 0.66), ("did", 0.74), ("they", 0.02)), Spotted("why did you", 1.02, 1.88, 0.87)),
    ("two words differ", heard(("why", 0.66), ("do", 0.2), ("they", 0.02)), Spotted("why did you", 1.02, 1.88, 0.95)),
    ("the phrase was spotted somewhere else", heard(("soon", 0.02), ("ok", 0.9)), Spotted("soon", 5.0, 5.4, 0.95)),
    ("only the spotter heard it: nothing is added", heard(("hello", 0.9),), Spotted("annoyed", 2.0, 2.5, 0.99)),
])
def test_no_change(why, words, hit):
    assert apply_hints(words, [hit], HINTS) == words, why


def test_a_word_a_surer_phrase_settled_is_not_corrected_again():
    words = heard(("i", 0.9), ("still", 1.0), ("have", 1.0), ("notebook", 0.2))
    both = [Spotted("still have not", *span(words, 1, 3), 0.947), Spotted("still have no", *span(words, 1, 3), 0.943)]
    assert [w.text for w in apply_hints(words, both, HINTS)] == ["i", "still", "have", "not"]


def test_thresholds_come_from_the_settings():
    words = heard(("why", 0.66), ("did", 0.74), ("they", 0.02))
    hit = [Spotted("why did you", *span(words, 0, 2), 0.87)]
    assert apply_hints(words, hit, HINTS) == words
    assert apply_hints(words, hit, HintSettings(correct_score=0.85))[2].text == "you"
    soon = heard(("soon", 0.02),)
    assert apply_hints(soon, [Spotted("soon", *span(soon, 0, 0), 0.9)], HintSettings(verified_conf=0.7))[0].conf == 0.7


# --- the rules on the second opinion -------------------------------------------------------------


def agent_says(words: list[Word]) -> list:
    t0, t1 = words[0].t0, words[-1].t1
    text = " ".join(w.text for w in words)
    return [SpeechStarted("agent", t0), SpeechEnded("agent", t1, t0), Words("agent", t0, t1, text, tuple(words), True)]


@pytest.mark.parametrize("kind, spec, hit", [
    ("timeframe", (("it", 0.6), ("will", 0.9), ("be", 1.0), ("paid", 1.0), ("soon", 0.02)), ("soon", 4, 4, 0.885)),
    ("why_question", (("why", 0.66), ("dig", 0.3), ("you", 0.74), ("wait", 0.9)), ("why did you", 0, 2, 0.886)),
])
def test_a_nudge_the_first_pass_alone_loses_fires_with_the_hint(kind, spec, hit):
    words = heard(*spec)
    phrase, first, last, score = hit
    runner = RuleRunner(default_rules(Settings()))
    assert [e for e in runner.dispatch(agent_says(words)) if isinstance(e, Nudge)] == []
    fixed = apply_hints(words, [Spotted(phrase, *span(words, first, last), score)], HINTS)
    runner = RuleRunner(default_rules(Settings()))
    assert [e.kind for e in runner.dispatch(agent_says(fixed)) if isinstance(e, Nudge)] == [kind]


# --- the recogniser ------------------------------------------------------------------------------


def test_the_spotter_listens_for_every_phrase_of_the_english_rules():
    factory = SphinxFactory()
    assert factory.phrases == load_lexicon("en").spoken_phrases()
    assert {"charged twice", "let me help", "soon", "why did you", "sounds like", "anything else"} <= set(factory.phrases)


def test_hints_can_be_switched_off():
    factory = SphinxFactory(HintSettings(enabled=False))
    assert factory.phrases == () and factory.create()._spotter is None


# From bench/corpus/en/03: the first pass hears "need you to the money for my ordered two:0.04
# times:0.17" and "why did he:0.03 wait"; the spotter heard "two times" and "why did you" there.
SCRIPT = """
customer/awb 0.5: My refund still hasn't come through.
agent/kal16 2.4: It will be with you in a bit.
end 1.0
"""


def finals(result) -> list[Words]:
    return [e for e in result.events if isinstance(e, Words) and e.final and e.words]


def kinds(result) -> set[str]:
    return {e.kind for e in result.events if isinstance(e, Nudge)}


def test_hints_only_confirm_or_correct_words_inside_spotted_phrases(render):
    """Same utterances, same number of words at the same times with and without hints; a word differs
    only in confidence or (one word of a long phrase) in text, and only as a word of a rule's phrase."""
    wav, _ = render(SCRIPT)
    plain = finals(analyze_call(open_call(wav), Settings(), SphinxFactory(HintSettings(enabled=False))))
    hinted = finals(analyze_call(open_call(wav), Settings(), SphinxFactory()))
    assert len(plain) == len(hinted) == 2
    changed = []
    for a, b in zip(plain, hinted):
        assert [(w.t0, w.t1) for w in a.words] == [(w.t0, w.t1) for w in b.words]
        for before, after in zip(a.words, b.words):
            if before != after:
                changed.append(after.text)
                assert after.conf >= before.conf and after.conf >= HINTS.verified_conf
                assert any(after.text in phrase.split() for phrase in SphinxFactory().phrases)
    assert {"in", "a", "bit"} <= set(changed)  # "in a bit", confirmed


def test_hints_recover_the_nudges_the_first_pass_misheard(render):
    wav, _ = render(SCRIPT)
    plain = analyze_call(open_call(wav), Settings(), SphinxFactory(HintSettings(enabled=False)))
    hinted = analyze_call(open_call(wav), Settings(), SphinxFactory())
    assert "timeframe" not in kinds(plain)  # if this fails, the first pass got better: pick a harder line
    assert "timeframe" in kinds(hinted)  # "in a bit", spotted


def test_the_spotter_hears_the_rules_phrases_in_speech(render):
    wav, _ = render("agent/awb 0.5: Why did you pick the slow option? It will go out soon.\nend 0.8\n")
    call = open_call(wav)
    rec = SphinxFactory().create()
    rec.start(0.0)
    for block in call.blocks():
        rec.feed(block[:, 0].tobytes())
    rec.end()
    found = {s.phrase for s in rec.spotted()}
    assert {"why did you", "soon"} <= found


def test_live_calls_leave_the_spotter_out_unless_asked(tmp_path) -> None:
    """Its CPU and memory are over a live call's budget (bench/live_load.py); analysis keeps it."""
    from coach_app.asr.select import choose_engine
    from coach_app.settings import load_settings

    batch = choose_engine("sphinx", "en", tmp_path).factory
    assert batch.hints.enabled and batch.phrases
    assert not batch.for_live().inner.hints.enabled
    (tmp_path / "settings.toml").write_text("[hints]\nlive = true\n")
    settings = load_settings(tmp_path / "settings.toml")
    live = choose_engine("sphinx", "en", tmp_path, settings.hints).factory.for_live().inner
    assert live.hints.enabled and live.phrases
    off = choose_engine("sphinx", "en", tmp_path, HintSettings(enabled=False)).factory
    assert not off.hints.enabled and not off.for_live().inner.hints.enabled
