"""The English coaching rules at the event level: hand-made Speech/Words/Prosody events, no audio.

Every test builds a short call from `say(...)` (SpeechStarted, SpeechEnded, final Words, as the
engine and the transcript loader produce them) and runs it through `RuleRunner(default_rules(...))`,
then looks at the nudges of one kind and how each was resolved.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach_app.events import Channel, Event, Nudge, NudgeResolved, Prosody, SpeechEnded, SpeechStarted, Word, Words
from coach_app.prompts import KINDS, default_rules
from coach_app.prompts.runner import RuleRunner
from coach_app.settings import EmotionSettings, HelpOfferSettings, RuleSettings, Settings, TimeframeSettings

# --- helpers -------------------------------------------------------------------------------------


def timed(text: str, t0: float, t1: float, conf: float = 0.9) -> tuple[Word, ...]:
    """Per-word times for `text`, evenly spread over [t0, t1], all with confidence `conf`."""
    tokens = text.split()
    step = (t1 - t0) / len(tokens)
    return tuple(Word(tok, round(t0 + i * step, 3), round(t0 + (i + 1) * step, 3), conf) for i, tok in enumerate(tokens))


def say(channel: Channel, t0: float, t1: float, text: str, words: tuple[Word, ...] = ()) -> list[Event]:
    """One utterance as the engine reports it: onset, end, then the final words."""
    return [SpeechStarted(channel, t0), SpeechEnded(channel, t1, t0), Words(channel, t0, t1, text, words, True)]


def heard_as(t0: float, t1: float, *words: tuple[str, float]) -> list[Event]:
    """An agent utterance with the recogniser's own confidence for each word, evenly timed."""
    step = (t1 - t0) / len(words)
    timed_words = tuple(Word(w, round(t0 + i * step, 3), round(t0 + (i + 1) * step, 3), c) for i, (w, c) in enumerate(words))
    return say("agent", t0, t1, " ".join(w for w, _ in words), timed_words)


def say_timed(channel: Channel, t0: float, t1: float, text: str, conf: float = 0.9) -> list[Event]:
    return say(channel, t0, t1, text, timed(text, t0, t1, conf))


def partial(channel: Channel, t0: float, t1: float, text: str) -> Words:
    return Words(channel, t0, t1, text, (), False)


def end_time(events: list[Event]) -> float:
    return max(getattr(e, "t1", getattr(e, "t", 0.0)) for e in events)


def run(events: list[Event], t_end: float | None = None, settings: Settings | None = None) -> list[Event]:
    """Dispatch everything through the default English rules, then finish the call."""
    runner = RuleRunner(default_rules(settings or Settings()))
    out = runner.dispatch(events)
    return out + runner.finish(end_time(events) if t_end is None else t_end)


def run_live(events: list[Event]) -> list[Event]:
    """As the live engine does: each event dispatched as it happens, so a nudge lands right after its cause."""
    runner = RuleRunner(default_rules(Settings()))
    return [e for event in events for e in runner.dispatch([event])]


def nudges(out: list[Event], kind: str) -> list[Nudge]:
    return [e for e in out if isinstance(e, Nudge) and e.kind == kind]


def resolution(out: list[Event], nudge: Nudge) -> NudgeResolved | None:
    found = [e for e in out if isinstance(e, NudgeResolved) and e.id == nudge.id]
    assert len(found) <= 1, f"{nudge.id} resolved more than once: {found}"
    return found[0] if found else None


def outcomes(out: list[Event], kind: str) -> list[str | None]:
    return [(r.outcome if (r := resolution(out, n)) else None) for n in nudges(out, kind)]


def only(out: list[Event], kind: str) -> tuple[Nudge, NudgeResolved | None]:
    found = nudges(out, kind)
    assert len(found) == 1, f"expected one {kind} nudge, got {found}"
    return found[0], resolution(out, found[0])


def word_end(words: list[Event], token: str) -> float:
    """The end time of `token` in the (single) timed final Words among `words`."""
    final = next(e for e in words if isinstance(e, Words))
    return next(w.t1 for w in final.words if w.text.strip(",.?!").lower() == token)


def baseline(t0: float = 0.0, n: int = 8) -> list[Prosody]:
    """`n` ordinary customer windows, one a second: -30 dBFS at 180 Hz."""
    return [Prosody("customer", t0 + i, -30.0, 180.0) for i in range(n)]


# --- label_emotion -------------------------------------------------------------------------------


def test_label_emotion_fires_at_the_end_of_the_emotion_word():
    customer = say_timed("customer", 0.0, 4.0, "I'm really frustrated with this bill")
    nudge, _ = only(run(customer), "label_emotion")
    assert nudge.t == pytest.approx(word_end(customer, "frustrated"))
    assert nudge.evidence["emotion"] == "frustrated" and nudge.evidence["heard"] == "frustrated"
    assert "frustrating" in nudge.suggestion


def test_label_emotion_without_word_times_fires_at_the_end_of_the_utterance():
    nudge, _ = only(run(say("customer", 1.0, 3.5, "I am so worried about my mother's payment")), "label_emotion")
    assert nudge.t == pytest.approx(3.5)
    assert nudge.evidence["emotion"] == "worried"
    assert nudge.suggestion == "\"It sounds like you're worried about this.\""


def test_label_emotion_satisfied_when_the_agent_labels_in_their_turn():
    out = run(say("customer", 0.0, 3.0, "This is the third time calling and I'm fed up")
              + say("agent", 5.0, 8.0, "That sounds really frustrating, let me look at it"))
    _, resolved = only(out, "label_emotion")
    assert resolved is not None and resolved.outcome == "satisfied" and resolved.t == pytest.approx(8.0)


def test_label_emotion_satisfied_by_a_label_later_in_the_same_agent_turn():
    out = run(say("customer", 0.0, 3.0, "I am really angry about this")
              + say("agent", 5.0, 6.0, "Okay.")
              + say("agent", 6.5, 9.0, "I can hear how angry this has made you"))
    assert outcomes(out, "label_emotion") == ["satisfied"]


def test_label_emotion_missed_when_the_agent_turn_ends_without_a_label():
    out = run(say("customer", 0.0, 3.0, "I'm so confused by this app")
              + say("agent", 5.0, 7.0, "What is your account number?")
              + say("customer", 8.0, 9.0, "One two three"))
    _, resolved = only(out, "label_emotion")
    assert resolved is not None and resolved.outcome == "missed"
    assert resolved.t == pytest.approx(8.0)  # when the customer speaks again, the agent's turn is over


def test_label_emotion_not_missed_when_the_agent_reply_was_too_garbled_to_hear():
    # fresh6 q09: "I can hear how annoying that is" heard as "i can either hot or not is"
    reply = heard_as(5.0, 9.4, ("i", 0.70), ("can", 0.28), ("either", 0.15), ("hot", 0.02), ("or", 0.02), ("not", 0.18),
                     ("is", 0.52), ("what's", 0.65), ("the", 0.79), ("mobile", 1.00), ("number", 1.00))
    out = run(say("customer", 0.0, 3.0, "It's really annoying") + reply + say("customer", 12.0, 13.0, "Oh seven seven"))
    assert outcomes(out, "label_emotion") == ["retracted"]
    out = run(say("customer", 0.0, 3.0, "It's really annoying") + reply, t_end=20.0)  # nor at call end
    assert outcomes(out, "label_emotion") == ["retracted"]


@pytest.mark.parametrize("heard", [
    (("what's", 0.90), ("the", 0.20), ("mobile", 0.10), ("number", 0.90)),  # two unsure words in a row: the rest was heard
    (("what's", 0.20), ("the", 0.90), ("mobile", 0.10), ("number", 0.90), ("please", 0.10)),  # unsure words, but not in a run
    (("name", 0.04), ("and", 0.04), ("date", 0.03), ("of", 0.99), ("birth", 0.14), ("please", 0.98)),  # a garbled run, but no label begun
])
def test_label_emotion_a_few_unsure_words_do_not_excuse_a_missed_label(heard):
    out = run(say("customer", 0.0, 3.0, "I'm so confused by this app") + heard_as(5.0, 5.0 + 0.4 * len(heard), *heard)
              + say("customer", 12.0, 13.0, "One two three"))
    assert outcomes(out, "label_emotion") == ["missed"]


def test_label_emotion_voiced_again_after_a_missed_label_fires_despite_the_cooldown():
    # ea03: "I'm absolutely fuming." / "Why didn't you check the bill?" / "So it's my fault now. You lot are having a laugh."
    out = run(say("customer", 0.0, 3.0, "I'm absolutely fuming if I'm honest")
              + say("agent", 3.4, 5.5, "Why didn't you check the bill?")
              + say("customer", 6.2, 10.0, "So it's my fault now? This is ridiculous.")
              + say("agent", 12.0, 14.0, "We can look at the account.")
              + say("customer", 15.0, 16.0, "Fine"))
    assert outcomes(out, "label_emotion") == ["missed", "missed"]


def test_label_emotion_a_short_answer_within_the_cooldown_is_the_same_feeling():
    out = run(say("customer", 0.0, 3.0, "I'm absolutely fuming if I'm honest")
              + say("agent", 3.4, 5.5, "Why didn't you ring us?")
              + say("customer", 6.2, 7.5, "I rang three times.")
              + say("agent", 9.5, 11.0, "It's on the system."))
    assert outcomes(out, "label_emotion") == ["missed"]


def test_label_emotion_label_in_a_later_agent_turn_is_too_late():
    out = run(say("customer", 0.0, 3.0, "I'm so upset about this")
              + say("agent", 5.0, 7.0, "What is your account number?")
              + say("customer", 8.0, 9.0, "One two three")
              + say("agent", 11.0, 13.0, "That sounds upsetting"))
    assert outcomes(out, "label_emotion") == ["missed"]


def test_label_emotion_still_open_at_call_end_is_missed():
    out = run(say("customer", 0.0, 3.0, "I'm really worried") + say("agent", 5.0, 7.0, "Okay, one moment"), t_end=20.0)
    _, resolved = only(out, "label_emotion")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("missed", 20.0)


def test_label_emotion_ignores_the_agent_voicing_an_emotion():
    assert nudges(run(say("agent", 0.0, 3.0, "I am worried we are out of stock")), "label_emotion") == []


# --- label_emotion: raised voice ------------------------------------------------------------------


def test_raised_voice_twice_running_fires_label_emotion():
    out = run(baseline() + [Prosody("customer", 8.0, -18.0, 260.0), Prosody("customer", 9.0, -18.0, 260.0)])
    nudge, _ = only(out, "label_emotion")
    assert nudge.t == 9.0 and nudge.evidence["heard"] == "raised voice"
    assert nudge.evidence["loudness_db"] == -18.0 and nudge.evidence["pitch_hz"] == 260.0


def test_one_raised_window_is_not_enough():
    out = run(baseline() + [Prosody("customer", 8.0, -18.0, 260.0), Prosody("customer", 9.0, -30.0, 180.0),
                            Prosody("customer", 10.0, -18.0, 260.0)])
    assert nudges(out, "label_emotion") == []


def test_loud_without_higher_pitch_is_not_a_raised_voice():
    out = run(baseline() + [Prosody("customer", 8.0, -15.0, 185.0), Prosody("customer", 9.0, -15.0, 185.0)])
    assert nudges(out, "label_emotion") == []


def test_raised_voice_before_a_baseline_exists_does_not_fire():
    loud = [Prosody("customer", float(t), -15.0, 300.0) for t in range(4)]
    assert nudges(run(loud), "label_emotion") == []


def test_raised_voice_on_the_agent_channel_is_ignored():
    agent = [Prosody("agent", float(t), -30.0, 180.0) for t in range(8)]
    agent += [Prosody("agent", 8.0, -15.0, 260.0), Prosody("agent", 9.0, -15.0, 260.0)]
    assert nudges(run(agent), "label_emotion") == []


def test_raised_voice_satisfied_by_a_label_and_missed_without_one():
    loud = baseline() + [Prosody("customer", 8.0, -18.0, 260.0), Prosody("customer", 9.0, -18.0, 260.0)]
    labelled = run(loud + say("agent", 10.0, 12.0, "I can hear this has been really hard"))
    ignored = run(loud + say("agent", 10.0, 12.0, "What is your order number?") + say("customer", 13.0, 14.0, "Five"))
    assert outcomes(labelled, "label_emotion") == ["satisfied"]
    assert outcomes(ignored, "label_emotion") == ["missed"]


# --- help_offer ----------------------------------------------------------------------------------


def test_help_offer_fires_on_a_stated_problem():
    customer = say_timed("customer", 0.0, 3.0, "I was charged twice for my order")
    nudge, _ = only(run(customer), "help_offer")
    assert nudge.t == pytest.approx(word_end(customer, "twice"))
    assert nudge.evidence["heard"] == "charged twice"


def test_help_offer_satisfied_in_the_agents_next_turn():
    out = run(say("customer", 0.0, 3.0, "My parcel never arrived")
              + say("agent", 5.0, 7.0, "Let me help you with that"))
    _, resolved = only(out, "help_offer")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("satisfied", 7.0)


def test_help_offer_satisfied_in_the_agents_second_turn():
    out = run(say("customer", 0.0, 3.0, "I can't log in to the app")
              + say("agent", 5.0, 7.0, "Can I have your email address?")
              + say("customer", 8.0, 10.0, "It's jo at example dot com")
              + say("agent", 12.0, 14.0, "Thanks, I'll take care of this for you"))
    assert outcomes(out, "help_offer") == ["satisfied"]


def test_help_offer_missed_after_two_agent_turns_without_assurance():
    out = run(say("customer", 0.0, 3.0, "The card reader stopped working")
              + say("agent", 5.0, 7.0, "Can I have your email address?")
              + say("customer", 8.0, 10.0, "It's jo at example dot com")
              + say("agent", 12.0, 14.0, "And your postcode?")
              + say("customer", 15.0, 16.0, "AB1 2CD")
              + say("agent", 18.0, 20.0, "Let me help you with that"))
    _, resolved = only(out, "help_offer")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("missed", 15.0)


def test_help_offer_open_at_call_end_is_missed():
    out = run(say("customer", 0.0, 3.0, "I have a complaint") + say("agent", 3.5, 5.0, "What is your account number"),
              t_end=10.0)
    assert outcomes(out, "help_offer") == ["missed"]


@pytest.mark.parametrize("text, kind", [
    ("Forget it. I'll ring back tomorrow and try someone else", "label_emotion"),
    ("I'll sort it myself then, the parcel never arrived anyway", "help_offer"),
])
def test_the_customers_parting_words_are_no_miss(text, kind):
    # the call ends on them: the agent had no turn to answer in
    opening = say("customer", 0.0, 2.0, "Hello") + say("agent", 2.5, 4.0, "Hello, how can I help")
    out = run(opening + say("customer", 5.0, 8.0, text), t_end=9.0)
    assert outcomes(out, kind) == ["retracted"]


def test_help_offer_ignores_the_agent_naming_a_problem():
    assert nudges(run(say("agent", 0.0, 3.0, "We had a problem with the payment system")), "help_offer") == []


@pytest.mark.parametrize("text", ["This is the third time I have called about it", "It is the second time I am calling"])
def test_help_offer_fires_on_a_repeat_call(text):
    # Like "calling again": a customer calling back still has the problem.
    nudge, _ = only(run(say_timed("customer", 0.0, 3.0, text)), "help_offer")
    assert nudge.evidence["heard"] in ("third time", "second time")


def test_a_detail_added_after_the_assurance_is_not_a_new_problem():
    # The agent took the problem on; the customer's next turn adds to it (more than a cooldown later).
    out = run(say_timed("customer", 0.0, 3.0, "My parcel did not arrive")
              + say_timed("agent", 5.0, 8.0, "I am sorry to hear that. Let me help you with that")
              + say_timed("customer", 11.0, 14.0, "This is the third time I have called about it")
              + say_timed("agent", 14.5, 16.0, "Can I have your name please"), t_end=30.0)
    assert outcomes(out, "help_offer") == ["satisfied"]


def test_a_problem_after_the_next_customer_turn_is_new():
    out = run(say_timed("customer", 0.0, 3.0, "My parcel did not arrive")
              + say_timed("agent", 5.0, 8.0, "Let me help you with that")
              + say_timed("customer", 9.0, 12.0, "It is order four five six")
              + say_timed("agent", 12.5, 14.0, "Thank you I see it")
              + say_timed("customer", 15.0, 18.0, "And my card is not working either")
              + say_timed("agent", 18.5, 20.0, "What is the card number"), t_end=30.0)
    assert outcomes(out, "help_offer") == ["satisfied", "missed"]


def test_how_long_a_problem_taken_on_gathers_details_comes_from_the_settings():
    events = (say_timed("customer", 0.0, 3.0, "My parcel did not arrive")
              + say_timed("agent", 5.0, 8.0, "Let me help you with that")
              + say_timed("customer", 11.0, 14.0, "This is the third time I have called about it")  # past the cooldown
              + say_timed("agent", 14.5, 16.0, "What is your name"))
    assert len(nudges(run(events, t_end=20.0), "help_offer")) == 1
    none = replace(Settings(), help_offer=HelpOfferSettings(same_problem_s=0.0))
    assert outcomes(run(events, t_end=20.0, settings=none), "help_offer") == ["satisfied", "missed"]


def test_no_problem_is_politeness_not_a_problem():
    # "No problem" / "not a problem" is a courtesy; a good agent must not be asked to offer help for it.
    out = run(say("agent", 0.0, 2.0, "Could you hold for a moment?") + say("customer", 3.0, 4.0, "No problem, take your time"))
    assert nudges(out, "help_offer") == []


# --- timeframe -----------------------------------------------------------------------------------


def test_timeframe_fires_at_the_end_of_the_vague_word():
    agent = say_timed("agent", 0.0, 3.0, "Your refund will come through soon okay")
    nudge, _ = only(run(agent), "timeframe")
    assert nudge.t == pytest.approx(word_end(agent, "soon")) and nudge.evidence["heard"] == "soon"


@pytest.mark.parametrize("vague", ["shortly", "in a bit", "as soon as possible", "ASAP", "later"])
def test_timeframe_fires_on_each_vague_time(vague):
    out = run(say("agent", 0.0, 3.0, f"We will send the replacement {vague}."))
    assert len(nudges(out, "timeframe")) == 1


@pytest.mark.parametrize("concrete", ["by Thursday at five pm", "within 24 hours", "by tomorrow",
                                      "in three business days", "by the 15th", "at noon", "by five today",
                                      "before ten tomorrow", "by half past six", "within the next hour"])
def test_timeframe_vague_with_a_concrete_time_in_the_same_utterance_is_fine(concrete):
    out = run(say("agent", 0.0, 3.0, f"It will be fixed soon, {concrete}."))
    assert all(o == "satisfied" for o in outcomes(out, "timeframe"))


def test_timeframe_concrete_time_in_the_next_agent_turn_satisfies():
    out = run(say("agent", 0.0, 2.0, "The engineer will call you soon")
              + say("customer", 3.0, 4.0, "When exactly?")
              + say("agent", 5.0, 7.0, "By tomorrow at noon"))
    _, resolved = only(out, "timeframe")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("satisfied", 7.0)


def test_timeframe_vague_twice_without_a_concrete_time_is_missed():
    out = run(say("agent", 0.0, 2.0, "The engineer will call you soon")
              + say("customer", 3.0, 4.0, "When exactly?")
              + say("agent", 5.0, 7.0, "Soon, I promise")
              + say("customer", 8.0, 9.0, "Okay")
              + say("agent", 10.0, 12.0, "Thanks for calling"))
    _, resolved = only(out, "timeframe")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("missed", 10.0)


def test_timeframe_open_at_call_end_is_missed():
    out = run(say("agent", 0.0, 2.0, "We will get back to you soon"), t_end=10.0)
    assert outcomes(out, "timeframe") == ["missed"]


def test_timeframe_ignores_the_customer_saying_soon():
    assert nudges(run(say("customer", 0.0, 2.0, "I need it soon")), "timeframe") == []


def test_an_ordinal_word_is_not_a_concrete_time():
    # "first" here is a step, not a date: the vague "soon" still needs a real time.
    out = run(say("agent", 0.0, 4.0, "I'll get back to you soon, first I need to check your account"))
    assert outcomes(out, "timeframe") == ["missed"]


# --- why_question and hollow_apology ------------------------------------------------------------


def test_why_question_is_missed_when_asked():
    agent = say_timed("agent", 0.0, 3.0, "Why did you not update the app?")
    nudge, resolved = only(run(agent), "why_question")
    assert nudge.t == pytest.approx(word_end(agent, "did")) and nudge.evidence["heard"] == "why did"
    assert resolved is not None and (resolved.outcome, resolved.t) == ("missed", nudge.t)
    assert "What happened" in nudge.suggestion


def test_why_in_an_explanation_is_not_a_why_question():
    assert nudges(run(say("agent", 0.0, 3.0, "That's why the charge shows twice")), "why_question") == []


def test_hollow_apology_is_missed_when_said():
    nudge, resolved = only(run(say("agent", 0.0, 4.0, "We apologize for any inconvenience this may have caused.")),
                           "hollow_apology")
    assert resolved is not None and resolved.outcome == "missed"
    assert nudge.suggestion == "\"I'm sorry this happened to you.\""


def test_personal_apology_is_not_hollow():
    assert nudges(run(say("agent", 0.0, 3.0, "I'm so sorry this happened to you")), "hollow_apology") == []


# --- monologue -----------------------------------------------------------------------------------


def test_monologue_after_forty_seconds_of_agent_talk():
    nudge, resolved = only(run(say("agent", 0.0, 45.0, "Let me explain how the billing cycle works")), "monologue")
    assert nudge.t == 40.0 and nudge.evidence["talked_s"] == 45.0
    assert resolved is not None and resolved.outcome == "missed"


def test_monologue_counts_across_short_agent_breaths():
    out = run(say("agent", 0.0, 15.0, "First") + say("agent", 16.0, 30.0, "then") + say("agent", 31.0, 45.0, "and"))
    assert [n.t for n in nudges(out, "monologue")] == [40.0]


def test_monologue_fires_live_on_the_first_event_past_forty_seconds():
    events: list[Event] = [SpeechStarted("agent", 0.0)] + [Prosody("agent", float(t), -25.0, 120.0) for t in range(1, 50)]
    out = run_live(events)
    index = next(i for i, e in enumerate(out) if isinstance(e, Nudge) and e.kind == "monologue")
    assert out[index - 1] == Prosody("agent", 40.0, -25.0, 120.0)


def test_no_monologue_under_forty_seconds():
    assert nudges(run(say("agent", 0.0, 39.0, "A long but not too long explanation")), "monologue") == []


def test_no_monologue_when_the_customer_gets_a_word_in():
    out = run(say("agent", 0.0, 20.0, "So the plan") + say("customer", 20.5, 21.0, "Mm-hm")
              + say("agent", 21.5, 45.0, "and then the rest"))
    assert nudges(out, "monologue") == []


def test_no_monologue_when_the_agent_pauses_two_seconds():
    out = run(say("agent", 0.0, 20.0, "So the plan") + say("agent", 22.0, 45.0, "and then the rest"))
    assert nudges(out, "monologue") == []


# --- closing -------------------------------------------------------------------------------------


def test_closing_missed_when_the_call_ends_without_anything_else():
    out = run(say("customer", 0.0, 5.0, "Hello I need help") + say("agent", 6.0, 90.0, "Sure")
              + say("customer", 91.0, 95.0, "Thanks bye"), t_end=100.0)
    nudge, resolved = only(out, "closing")
    assert nudge.t == 91.0  # the last onset of the call
    assert resolved is not None and (resolved.outcome, resolved.t) == ("missed", 100.0)


def test_closing_asked_early_in_a_long_call_does_not_count():
    out = run(say("agent", 0.0, 20.0, "Is there anything else I can do for you?")
              + say("customer", 21.0, 95.0, "Actually yes, a long story"), t_end=100.0)
    assert outcomes(out, "closing") == ["missed"]


def test_no_closing_nudge_when_asked_near_the_end():
    out = run(say("customer", 0.0, 5.0, "Hello I need help") + say("agent", 6.0, 80.0, "Sure")
              + say("agent", 85.0, 90.0, "Is there anything else I can help you with today?")
              + say("customer", 91.0, 95.0, "No thanks bye"), t_end=100.0)
    assert nudges(out, "closing") == []


# --- pause (through the runner) ------------------------------------------------------------------


def test_pause_missed_when_the_agent_answers_a_problem_at_once():
    out = run(say("customer", 0.0, 4.0, "My parcel never arrived and nobody called me back")
              + say("agent", 4.5, 6.0, "Can I have your order number?"))
    nudge, resolved = only(out, "pause")
    assert nudge.t == 4.5 and resolved is not None and resolved.outcome == "missed"


def test_pause_retracted_when_the_agent_opens_with_empathy():
    out = run(say("customer", 0.0, 4.0, "My parcel never arrived and nobody called me back")
              + say("agent", 4.5, 6.0, "I'm so sorry, let me help you with that"))
    assert outcomes(out, "pause") == ["retracted"]


def test_no_pause_nudge_after_a_two_second_pause():
    out = run(say("customer", 0.0, 4.0, "My parcel never arrived and nobody called me back")
              + say("agent", 6.5, 8.0, "Can I have your order number?"))
    assert nudges(out, "pause") == []


def test_quick_answer_to_a_long_plain_question_is_no_missed_pause():
    question = "Hello, I wanted to ask what time your shop in the town centre opens on Saturday"
    statement = "Hello, I moved house last month and my new address is forty two Station Road in Leeds"
    asked = run(say("customer", 0.0, 5.5, question) + say("agent", 6.0, 8.0, "We open at nine on Saturday"))
    told = run(say("customer", 0.0, 5.5, statement) + say("agent", 6.0, 8.0, "Thanks, and the postcode?"))
    assert nudges(asked, "pause") == []
    assert outcomes(told, "pause") == ["missed"]  # the same length of explanation does want the pause


def test_a_question_that_voices_a_problem_still_wants_the_pause():
    out = run(say("customer", 0.0, 4.0, "Why has my parcel still not arrived after two weeks")
              + say("agent", 4.5, 6.0, "Can I have your order number?"))
    assert outcomes(out, "pause") == ["missed"]


# --- cooldowns -----------------------------------------------------------------------------------


def test_why_question_cooldown():
    out = run(say("agent", 0.0, 2.0, "Why did you cancel?") + say("agent", 10.0, 12.0, "Why did you wait?")
              + say("agent", 30.0, 32.0, "Why did you call?"),
              settings=replace(Settings(), why_question=RuleSettings(cooldown_s=20.0)))
    assert [n.t for n in nudges(out, "why_question")] == [2.0, 32.0]


def test_cooldown_comes_from_the_settings():
    settings = replace(Settings(), why_question=RuleSettings(cooldown_s=5.0))
    out = run(say("agent", 0.0, 2.0, "Why did you cancel?") + say("agent", 10.0, 12.0, "Why did you wait?"),
              settings=settings)
    assert len(nudges(out, "why_question")) == 2


def test_label_emotion_cooldown():
    out = run(say("customer", 0.0, 2.0, "I am so angry") + say("agent", 3.0, 4.0, "That sounds awful")
              + say("customer", 10.0, 12.0, "Really angry") + say("agent", 13.0, 14.0, "I understand")
              + say("customer", 40.0, 42.0, "Still angry"),
              settings=replace(Settings(), label_emotion=EmotionSettings(cooldown_s=20.0)))
    assert [n.t for n in nudges(out, "label_emotion")] == [2.0, 42.0]


def test_help_offer_cooldown():
    out = run(say("customer", 0.0, 2.0, "It is broken") + say("agent", 3.0, 4.0, "Let me help")
              + say("customer", 10.0, 12.0, "And the charger is broken too") + say("agent", 13.0, 14.0, "I'll check")
              + say("customer", 40.0, 42.0, "The app is not working either"),
              settings=replace(Settings(), help_offer=RuleSettings(cooldown_s=20.0)))
    assert [n.t for n in nudges(out, "help_offer")] == [2.0, 42.0]


def test_timeframe_cooldown():
    out = run(say("agent", 0.0, 1.0, "Soon") + say("agent", 1.5, 3.0, "by Friday at noon")
              + say("agent", 3.5, 10.0, "and a letter soon") + say("agent", 10.5, 11.0, "on Monday")
              + say("agent", 18.0, 20.0, "We will call you soon"),
              settings=replace(Settings(), timeframe=TimeframeSettings(cooldown_s=15.0)))
    assert [n.t for n in nudges(out, "timeframe")] == [1.0, 20.0]


def test_monologue_cooldown():
    first = say("agent", 0.0, 45.0, "Long") + say("customer", 46.0, 47.0, "Okay")
    soon_after = say("agent", 48.0, 95.0, "Longer") + say("customer", 96.0, 97.0, "Right")
    later = say("agent", 110.0, 155.0, "Longest")
    assert [n.t for n in nudges(run(first + soon_after + later), "monologue")] == [40.0, 150.0]


# --- confidence and partial results --------------------------------------------------------------


@pytest.mark.parametrize("channel, text, kind", [
    ("customer", "I am frustrated", "label_emotion"),
    ("customer", "the screen is broken", "help_offer"),
    ("agent", "it arrives soon", "timeframe"),
])
@pytest.mark.parametrize("conf, expected", [(0.2, 0), (0.9, 1)])
def test_a_single_unsure_word_never_fires(channel, text, kind, conf, expected):
    words = timed(text, 0.0, 2.0, 0.95)
    words = words[:-1] + (replace(words[-1], conf=conf),)  # the trigger word is the last one
    assert len(nudges(run(say(channel, 0.0, 2.0, text, words)), kind)) == expected


def reliable_customer() -> list[Event]:
    """An earlier customer utterance the recogniser was sure of: later partials may be trusted."""
    return say_timed("customer", 0.0, 3.0, "hello I am calling about my account", conf=0.9)


def test_partial_fires_on_a_channel_the_recogniser_is_sure_of():
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated with")]
    out = run_live(events)
    nudge = nudges(out, "label_emotion")[0]
    assert nudge.t == 11.5
    assert out.index(nudge) == out.index(events[-1]) + 1  # straight after the partial, before any final


def test_partial_does_not_fire_on_a_channel_with_no_sure_words_yet():
    out = run([SpeechStarted("customer", 0.0), partial("customer", 0.0, 1.5, "I am so frustrated with")])
    assert nudges(out, "label_emotion") == []


def test_partial_does_not_fire_on_a_channel_with_unsure_words():
    events = say_timed("customer", 0.0, 3.0, "hello I am calling about my account", conf=0.3)
    events += [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated with")]
    assert nudges(run(events), "label_emotion") == []


def test_partial_does_not_fire_on_its_last_unstable_word():
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated")]
    assert nudges(run(events), "label_emotion") == []


def test_partial_nudge_confirmed_by_its_final_stays_open_for_the_agent():
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated with")]
    events += say("customer", 10.0, 12.0, "I am so frustrated with this")[1:]
    events += say("agent", 14.0, 16.0, "That sounds really frustrating")
    assert outcomes(run(events), "label_emotion") == ["satisfied"]


def test_partial_nudge_not_confirmed_by_its_final_is_retracted():
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated with")]
    events += say("customer", 10.0, 12.0, "I am so fast traded with this")[1:]
    _, resolved = only(run(events, t_end=30.0), "label_emotion")
    assert resolved is not None and (resolved.outcome, resolved.t) == ("retracted", 12.0)


def test_partial_timeframe_nudge_satisfied_as_the_concrete_time_is_heard():
    events = say_timed("agent", 0.0, 3.0, "thanks for holding I have your account", conf=0.9)
    events += [SpeechStarted("agent", 5.0), partial("agent", 5.0, 6.0, "it will arrive soon and"),
               partial("agent", 5.0, 7.5, "it will arrive soon and by Thursday at five")]
    events += say("agent", 5.0, 8.0, "it will arrive soon and by Thursday at five pm")[1:]
    nudge, resolved = only(run(events), "timeframe")
    assert nudge.t == 6.0 and resolved is not None and (resolved.outcome, resolved.t) == ("satisfied", 7.5)


def _held_partials(channel: Channel, t0: float, *texts: str) -> list[Event]:
    return [SpeechStarted(channel, t0)] + [partial(channel, t0, t0 + 0.24 * (k + 1), text) for k, text in enumerate(texts)]


def test_a_phrase_held_still_in_the_partials_of_an_unsure_channel_fires_early():
    # A noisy telephone line: the recogniser is unsure of its finals, so partials are not trusted by
    # default; a phrase that stands unchanged for three partials while the sentence moves on is.
    unsure = say_timed("customer", 0.0, 3.0, "hello I am calling about my account", conf=0.3)
    held = _held_partials("customer", 10.0, "my parcel did not", "my parcel did not arrive", "my parcel did not arrive and",
                          "my parcel did not arrive and the", "my parcel did not arrive and the driver")
    out = run_live(unsure + held)
    nudge = nudges(out, "help_offer")[0]
    assert out.index(nudge) == out.index(held[4]) + 1  # the third partial to hold "did not arrive", with more after it
    assert nudges(run_live(unsure + held[:4]), "help_offer") == []  # held twice only: not yet


@pytest.mark.parametrize("earlier, fires", [(True, True), (False, False)])
def test_one_word_held_in_the_partials_of_an_unsure_channel_fires_once_the_channel_has_finals(earlier, fires):
    # One word is the likeliest to be noise ("appalling" for "a calling" as a call opens): it needs
    # two words after it, and the channel's first finals behind it.
    unsure = say_timed("customer", 0.0, 3.0, "hello I am calling about my account", conf=0.3) if earlier else []
    held = _held_partials("customer", 10.0, "I am so worried", "I am so worried about", "I am so worried about the",
                          "I am so worried about the money")
    out = run_live(unsure + held)
    assert bool(nudges(out, "label_emotion")) is fires
    if fires:
        assert out.index(nudges(out, "label_emotion")[0]) == out.index(held[3]) + 1  # held three times, two words after


def test_a_feeling_in_the_opening_turn_fired_early_is_confirmed_by_its_final():
    # Fired from the partial, the nudge must still count as "before any problem" when its own final
    # confirms it (it used to be taken back: the rule counted itself as an earlier problem).
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so worried about")]
    events += say("customer", 10.0, 12.0, "I am so worried about this")[1:] + say("agent", 12.5, 14.0, "What is your name")
    assert outcomes(run(events, t_end=20.0), "help_offer") == ["missed"]


def test_a_phrase_held_in_the_partials_of_an_unsure_channel_resolves_nothing():
    # Firing early can be taken back by the final; "satisfied" cannot, so it waits for the final.
    events = say_timed("customer", 0.0, 3.0, "my parcel never arrived", conf=0.9)
    events += say_timed("agent", 3.5, 5.0, "hello there thanks for calling", conf=0.3)
    events += _held_partials("agent", 6.0, "let me sort", "let me sort that", "let me sort that out", "let me sort that out for")
    events += say("agent", 6.0, 7.5, "let me start a note for")[1:]
    assert outcomes(run(events, t_end=20.0), "help_offer") == ["missed"]


def test_partial_nudge_still_unconfirmed_at_call_end_is_retracted():
    events = reliable_customer() + [SpeechStarted("customer", 10.0), partial("customer", 10.0, 11.5, "I am so frustrated with")]
    assert outcomes(run(events, t_end=12.0), "label_emotion") == ["retracted"]


# --- whole calls ---------------------------------------------------------------------------------


def bad_call() -> list[Event]:
    return (
        say("customer", 0.0, 5.0, "I was charged twice and I'm really frustrated")
        + say("agent", 5.3, 8.0, "Why did you not check your statement?")
        + say("customer", 9.0, 10.0, "I just did")
        + say("agent", 11.0, 14.0, "We apologize for any inconvenience, it will be refunded soon")
        + say("customer", 15.0, 16.0, "Okay")
        + say("agent", 17.0, 60.0, "Let me read you our refund policy in full")
        + say("customer", 61.0, 62.0, "Bye")
    )


def good_call() -> list[Event]:
    return (
        say("customer", 0.0, 5.0, "I was charged twice and I'm really frustrated")
        + say("agent", 7.5, 11.0, "That sounds really frustrating. Let me help you with that right away")
        + say("customer", 12.0, 13.0, "Thank you")
        + say("agent", 14.0, 18.0, "The refund will reach your card by Thursday at five pm")
        + say("customer", 19.0, 20.0, "Great")
        + say("agent", 21.0, 23.0, "Is there anything else I can do for you today?")
        + say("customer", 24.0, 25.0, "No that's all, bye")
    )


def test_a_bad_call_gets_a_missed_nudge_of_every_kind():
    out = run(bad_call(), t_end=63.0)
    missed = {n.kind for n in out if isinstance(n, Nudge) and resolution(out, n).outcome == "missed"}
    assert missed == set(KINDS)


def test_a_good_call_gets_no_missed_nudges():
    out = run(good_call(), t_end=26.0)
    assert [(n.kind, resolution(out, n)) for n in out if isinstance(n, Nudge)
            if resolution(out, n) is None or resolution(out, n).outcome == "missed"] == []


def test_same_events_give_the_same_output():
    events = bad_call() + baseline(70.0) + [Prosody("customer", 78.0, -15.0, 260.0), Prosody("customer", 79.0, -15.0, 260.0)]
    first, second = run(events, t_end=80.0), run(events, t_end=80.0)
    assert first == second and len(nudges(first, "label_emotion")) == 2
