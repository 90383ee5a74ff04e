"""The bundled PocketSphinx engine on synthesised speech, through the whole engine (VAD + pre-roll)."""

from __future__ import annotations

import re

from coach_app.asr.sphinx import SphinxFactory
from coach_app.audio.wavsource import open_call
from coach_app.batch import analyze_call
from coach_app.events import Words
from coach_app.settings import Settings

# Measured 2026-11-23 with pocketsphinx 5.1.1 on this script: 16 kHz 0.08, 8 kHz + noise 0.56.
WER_BOUND_16K = 0.2
WER_BOUND_8K = 0.7  # narrow-band audio is where Vosk matters

SCRIPT = """
customer/slt 0.5: I was charged twice for my order and I want my money back.
agent/rms 1.0: I am sorry about that. Let me help you with that right now.
customer/slt 1.0: My parcel did not arrive and this is the third time I am calling.
agent/awb 1.0: I understand. I will send a new parcel by Thursday.
end 0.8
"""


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def wer(reference: list[str], hypothesis: list[str]) -> float:
    """Word error rate: Levenshtein distance over words / reference length."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != hyp))
    return row[-1] / max(1, len(reference))


def test_wer_helper():
    assert wer(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert wer(["a", "b", "c"], ["a", "x", "c", "d"]) == 2 / 3


def recognise(wav):
    result = analyze_call(open_call(wav), Settings(), SphinxFactory())
    return [e for e in result.events if isinstance(e, Words) and e.final and e.text]


def corpus_wer(truth, finals) -> float:
    errors = total = 0
    for line in truth:
        said = [w for e in finals if e.channel == line.speaker and e.t0 < line.t1 and e.t1 > line.t0 for w in e.words]
        ref = words_of(line.text)
        errors += wer(ref, [w.text for w in said]) * len(ref)
        total += len(ref)
    return errors / total


def test_bundled_engine_wer_16k(render):
    wav, truth = render(SCRIPT)
    finals = recognise(wav)
    assert corpus_wer(truth, finals) <= WER_BOUND_16K


def test_bundled_engine_wer_on_telephone_8k(render):
    wav, truth = render(SCRIPT, rate=8000, noise_db=-55.0)
    assert corpus_wer(truth, recognise(wav)) <= WER_BOUND_8K


def test_word_times_fall_inside_the_line(render):
    wav, truth = render(SCRIPT)
    for e in recognise(wav):
        line = min(truth, key=lambda l: abs(l.t0 - e.t0) if l.speaker == e.channel else 1e9)
        for w in e.words:
            assert line.t0 - 0.35 <= w.t0 < w.t1 <= line.t1 + 0.35, (w, line)


def test_partials_come_before_the_final(render):
    wav, _ = render(SCRIPT)
    result = analyze_call(open_call(wav), Settings(), SphinxFactory())
    agent = [e for e in result.events if isinstance(e, Words) and e.channel == "agent"]
    first_final = next(i for i, e in enumerate(agent) if e.final)
    assert first_final > 0 and not agent[0].final and agent[0].text


def test_live_recognisers_decode_in_child_processes_with_the_same_words(render):
    """Live calls decode each channel in its own process (PocketSphinx holds the GIL while it
    decodes, which froze the window); the words must be exactly those of the in-process engine."""
    from coach_app.asr.isolated import IsolatedFactory

    from coach_app.settings import HintSettings

    live = SphinxFactory().for_live()  # the recogniser hints stay out of live calls by default
    assert isinstance(live, IsolatedFactory) and live.name == SphinxFactory().name
    wav, _ = render(SCRIPT)
    plain = analyze_call(open_call(wav), Settings(), SphinxFactory(HintSettings(enabled=False)))
    assert analyze_call(open_call(wav), Settings(), live).events == plain.events
    hinted = analyze_call(open_call(wav), Settings(), SphinxFactory())  # and with them, when asked for
    assert analyze_call(open_call(wav), Settings(), SphinxFactory(HintSettings(live=True)).for_live()).events == hinted.events


def test_a_live_recogniser_process_ends_with_its_owner():
    from coach_app.asr.isolated import IsolatedRecogniser

    rec = IsolatedRecogniser(SphinxFactory())
    rec.start(0.0)
    rec.feed(b"\x00\x00" * 1600)
    assert rec.end() == []
    rec.close()
    assert not rec._proc.is_alive()
