"""How long after the triggering moment does each live nudge appear, and what does a block cost?

    .venv/bin/python bench/nudge_latency.py               # 16 kHz table, then telephone (8 kHz) table
    .venv/bin/python bench/nudge_latency.py --rate 8000   # telephone only (-55 dBFS noise)
    .venv/bin/python bench/nudge_latency.py --verbose --strict

Eight short synthesised calls (CALLS below) are rendered with flite (cached under bench/out/latency/,
the script's hash in the name) and fed to the full engine (bundled PocketSphinx) in 20 ms blocks, as
the live capture path does. Per nudge: emission = engine.t after the feed() call that returned it.
Trigger: pause -> the agent line's true onset (synthesiser truth); word kinds -> the end (Word.t1) of
the phrase's last word in the final Words of the utterance that holds evidence["heard"]. Exits 0
unless --strict and a target fails.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from coach_app.asr.sphinx import SphinxFactory  # noqa: E402
from coach_app.audio.wavsource import open_call  # noqa: E402
from coach_app.engine import CallEngine  # noqa: E402
from coach_app.events import Event, Nudge, Words  # noqa: E402
from coach_app.prompts import default_rules  # noqa: E402
from coach_app.prompts.lexicon import normalise  # noqa: E402
from coach_app.settings import Settings  # noqa: E402
from coach_app.synth import TruthLine, parse_script, read_truth, render_call, write_call  # noqa: E402

OUT_DIR = BENCH_DIR / "out" / "latency"
BLOCK = 320  # 20 ms at 16 kHz, the capture worker's block
NOISE_DB = {16000: -60.0, 8000: -55.0}  # 16 kHz: a faint floor so the VAD's adaptive floor sees a line
SEED = 7
ATTR_TOL_S = 0.2
PAUSE_TARGET_MS, WORD_TARGET_MS = 150.0, 500.0
WORD_CHANNEL = {"label_emotion": "customer", "help_offer": "customer", "timeframe": "agent",
                "why_question": "agent", "hollow_apology": "agent"}
KINDS = ("pause", *WORD_CHANNEL)

# Each call opens with small talk so both channels have confident final words before a trigger (the
# spotter trusts partials only then). Avoid ordinals/weekdays near "soon": they read as concrete times.
CALLS: dict[str, str] = {
    "double_charge": """
# expect: pause label_emotion help_offer timeframe
customer/slt 0.6: Hello, good morning. I am calling about a payment on my credit card.
agent/rms 0.5: Good morning, thank you for calling, my name is Sam. How can I help you today?
customer 0.7: I was charged twice for the same order, and I am really worried about this.
agent 0.4: Okay. Can I have the order number, please?
customer 0.6: It is four five six seven eight.
agent 0.8: Thank you. I can see both payments here. The refund will arrive soon.
customer 0.7: Alright, thank you very much.
end 1.0""",
    "late_parcel": """
# expect: pause label_emotion help_offer why_question hollow_apology
customer/kal16 0.6: Hi there. I ordered a new lamp from your web shop a while ago.
agent/awb 0.5: Thank you for calling. Could I have your name and your order number, please?
customer 0.6: My name is Daniel Brown, and the order number is nine eight seven six.
agent 0.7: Thank you Daniel. What can I do for you?
customer 0.7: My parcel did not arrive, and honestly I am very frustrated with your company.
agent 0.5: Why did you choose the standard delivery and not the express one?
customer 0.8: Because it was the cheapest option on the website.
agent 0.6: We apologize for any inconvenience this may have caused.
end 1.0""",
    "app_login": """
# expect: pause label_emotion help_offer timeframe
customer/slt 0.6: Hello. I have been using your banking app for a few years now.
agent/rms 0.5: Thank you for calling, my name is Priya. How can I help you today?
customer 0.7: Since last night I cannot log in to the app, and I am so confused about it.
agent 0.3: Right, we will send it soon, and you will get an email with a new password.
customer 0.8: Okay, and what should I do after that?
agent 0.6: Just open the app and type in the code from the message.
end 1.0""",
    "medical_payment": """
# expect: pause label_emotion help_offer hollow_apology timeframe
customer/kal16 0.6: Good afternoon. I am calling about the payment for my mother's hospital bill.
agent/rms 0.5: Good afternoon, thank you for calling. How can I help you?
customer 0.7: The payment has not been paid yet, and I am really anxious about my mother.
agent 0.6: Can you give me the reference number of the payment?
customer 0.7: Yes, it is three three four four five.
agent 0.8: We apologise for the inconvenience. We will send it shortly.
customer 0.6: Thank you, I will wait for it then.
end 1.0""",
    "internet_down": """
# expect: pause label_emotion help_offer why_question timeframe
customer/slt 0.6: Hi, I am calling about the internet connection at my house.
agent/awb 0.5: Thank you for calling, my name is Grace. What can I do for you?
customer 0.7: The internet is not working at all, and I am really upset about this.
agent 0.5: Why did you not restart the router before you called us?
customer 0.8: I did restart it, two times, and nothing changed.
agent 0.7: Okay, we will send a technician soon and he will check the line.
end 1.0""",
    "broken_phone": """
# expect: pause label_emotion help_offer why_question hollow_apology timeframe
customer/kal16 0.6: Hello, I bought a phone from your store a few weeks ago.
agent/rms 0.5: Hello, thank you for calling, my name is Chen. How can I help you today?
customer 0.7: The screen is broken after one week, and I am really annoyed about it.
agent 0.4: Why do you think the screen is broken?
customer 0.8: It just stopped working when I took it out of my bag.
agent 0.7: We apologize for any inconvenience. We will fix it as soon as possible.
customer 0.6: Good, thank you.
end 1.0""",
    "worried_refund": """
# expect: pause label_emotion help_offer timeframe
customer/kal16 0.6: Hello, thank you for answering. I am calling about my holiday booking.
agent/slt 0.5: Good morning, my name is Maria. What can I do for you today?
customer 0.7: I want a refund for my flight, and I am really worried about this.
agent 0.5: Okay, we will send it soon.
customer 0.8: What does that mean exactly?
agent 0.6: The money will go back to your card, and you will get an email.
end 1.0""",
    "cancel_angry": """
# expect: pause label_emotion help_offer why_question hollow_apology timeframe
customer/kal16 0.6: Hello. I have had a contract with your company for many years.
agent/awb 0.5: Hello, thank you for calling, my name is Ahmed. What can I do for you?
customer 0.7: I want to cancel my contract, and I am really angry about the last bill.
agent 0.3: Why did you not call us earlier about the bill?
customer 0.8: I did call you, and nobody called me back.
agent 0.7: We apologize for any inconvenience caused. Our team will call you back soon, and they will fix the bill.
end 1.0""",
}


# How many nudges of each kind the scripts plant (their "# expect:" lines), so misses show beside n.
EXPECTED: dict[str, int] = {k: sum(line.split(":", 1)[1].split().count(k) for script in CALLS.values()
                                   for line in script.splitlines() if line.startswith("# expect:")) for k in KINDS}


@dataclass
class Sample:
    kind: str
    trigger: float | None  # None: the phrase was not found in the utterance's final words
    emitted: float  # engine.t after the feed() that returned the nudge
    attributed: float  # the nudge's own t


@dataclass
class Run:
    rate: int
    audio_s: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    block_us: list[float] = field(default_factory=list)  # wall clock of each feed() call
    nudge_block_us: list[float] = field(default_factory=list)
    nudge_stage_us: dict[str, float] = field(default_factory=lambda: {"asr": 0.0, "rules": 0.0})  # summed
    others: dict[str, int] = field(default_factory=dict)


def ensure_call(name: str, script: str, rate: int, rerender: bool) -> tuple[Path, list[TruthLine]]:
    """Rendered WAV + truth, cached by script hash so an edited script is rendered again."""
    digest = hashlib.sha1(f"{script}|{NOISE_DB[rate]}|{SEED}".encode()).hexdigest()[:8]
    wav = OUT_DIR / f"{name}_{digest}_{rate // 1000}k.wav"
    truth = wav.with_suffix(".truth.jsonl")
    if rerender or not (wav.is_file() and truth.is_file()):
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        rendered = render_call(parse_script(script.strip(), source=name), sample_rate=rate,
                               noise_db=NOISE_DB[rate], seed=SEED, cache_dir=OUT_DIR / "flite-cache")
        write_call(rendered, wav, truth)
    return wav, read_truth(truth)


def word_trigger(nudge: Nudge, at: int, stream: list[tuple[float, Event]]) -> float | None:
    """End of the heard phrase in the final Words of its utterance: the final emitted with the nudge
    (fired on a final) or the next final on that channel (fired on a partial)."""
    channel = WORD_CHANNEL[nudge.kind]
    target = normalise(str(nudge.evidence.get("heard", ""))).split()
    finals = [(i, ev) for i, (_, ev) in enumerate(stream) if isinstance(ev, Words) and ev.final and ev.channel == channel]
    same = [ev for i, ev in finals if i < at and stream[i][0] == stream[at][0]]
    later = [ev for i, ev in finals if i > at]
    for words in same[-1:] + later[:1]:
        tokens = [normalise(w.text) for w in words.words]
        for k in range(len(tokens) - len(target) + 1):
            if target and tokens[k:k + len(target)] == target:
                return words.words[k + len(target) - 1].t1
    return None


def pause_trigger(emitted: float, truth: list[TruthLine]) -> float | None:
    onsets = [line.t0 for line in truth if line.speaker == "agent" and line.t0 <= emitted]
    return max(onsets) if onsets else None


def run_rate(rate: int, rerender: bool, verbose: bool) -> Run:
    settings, run = Settings(), Run(rate)
    for name, script in CALLS.items():
        wav, truth = ensure_call(name, script, rate, rerender)
        call = open_call(wav)  # resampling to 16 kHz happens here, outside the timed feed() calls
        pcm = np.concatenate(list(call.blocks()))
        run.audio_s += len(pcm) / 16000
        engine = CallEngine(settings, SphinxFactory(), default_rules(settings), ("agent", "customer"))
        stream: list[tuple[float, Event]] = []
        for start in range(0, len(pcm) - BLOCK + 1, BLOCK):
            before = dict(engine.stage_seconds)
            t0 = time.perf_counter_ns()
            out = engine.feed(pcm[start:start + BLOCK])
            us = (time.perf_counter_ns() - t0) / 1000
            run.block_us.append(us)
            if any(isinstance(e, Nudge) for e in out):  # where does a nudge block's time go?
                run.nudge_block_us.append(us)
                for stage in run.nudge_stage_us:
                    run.nudge_stage_us[stage] += 1e6 * (engine.stage_seconds[stage] - before[stage])
            stream += [(engine.t, e) for e in out]
        stream += [(engine.t, e) for e in engine.finish()]
        for i, (clock, ev) in enumerate(stream):
            if not isinstance(ev, Nudge):
                continue
            heard = str(ev.evidence.get("heard", ""))
            if ev.kind not in KINDS or heard == "raised voice":  # no word or onset to time it from
                key = f"{ev.kind} ({heard})" if heard else ev.kind
                run.others[key] = run.others.get(key, 0) + 1
                continue
            trig = pause_trigger(clock, truth) if ev.kind == "pause" else word_trigger(ev, i, stream)
            run.samples.append(Sample(ev.kind, trig, clock, ev.t))
            if verbose:
                tr = "   ?   " if trig is None else f"{trig:7.3f}"
                print(f"  {rate} {name:<16} {ev.kind:<15} {heard!r:<34} trigger {tr}  emitted {clock:7.3f}"
                      f"  t {ev.t:7.3f}", file=sys.stderr)
    return run


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _row(label: str, rows: list[Sample], expected: int, limit: float) -> bool:
    timed = [(s, s.trigger) for s in rows if s.trigger is not None]
    delays = [1000 * (s.emitted - trig) for s, trig in timed]
    attr = sum(abs(s.attributed - trig) <= ATTR_TOL_S for s, trig in timed)
    passed = bool(delays) and _pct(delays, 95) <= limit
    verdict = ("PASS" if passed else "FAIL") if delays else "FAIL (not fired)"
    print(f"  {label:<15} {f'{len(rows)}/{expected}':>5} {len(rows) - len(timed):>4}  {_pct(delays, 50):>16.0f} "
          f"{_pct(delays, 95):>6.0f} {max(delays, default=float('nan')):>6.0f}"
          f"  {f'{attr}/{len(timed)}':>15}  p95 <= {limit:g} ms  {verdict}")
    return passed


def _us(values: list[float]) -> str:
    if not values:
        return "none"
    return f"mean {np.mean(values):.0f} us, p95 {_pct(values, 95):.0f} us, max {max(values):.0f} us"


def report(run: Run) -> bool:
    print(f"Nudge latency at {run.rate} Hz (noise {NOISE_DB[run.rate]:g} dBFS): {len(CALLS)} calls, "
          f"{run.audio_s:.1f} s audio, {SphinxFactory.name}, 20 ms blocks")
    print(f"  {'kind':<15} {'n/exp':>5} {'unm':>4}  {'delay ms: median':>16} {'p95':>6} {'max':>6}"
          f"  {'t within 200 ms':>15}  target")
    ok = True
    for kind in KINDS:
        limit = PAUSE_TARGET_MS if kind == "pause" else WORD_TARGET_MS
        ok &= _row(kind, [s for s in run.samples if s.kind == kind], EXPECTED[kind], limit)
    words = [s for s in run.samples if s.kind in WORD_CHANNEL]
    ok &= _row("all word kinds", words, sum(EXPECTED[k] for k in WORD_CHANNEL), WORD_TARGET_MS)
    if run.others:
        print("  not timed: " + ", ".join(f"{k} x{v}" for k, v in sorted(run.others.items())))
    print(f"  wall clock per feed() of one 20 ms block: all {len(run.block_us)} blocks {_us(run.block_us)}")
    n, total = len(run.nudge_block_us), sum(run.nudge_block_us) or 1.0
    print(f"    the {n} blocks that emitted a nudge: {_us(run.nudge_block_us)}; of their time recogniser "
          f"{100 * run.nudge_stage_us['asr'] / total:.0f}%, rules {run.nudge_stage_us['rules'] / max(n, 1):.0f} us/block")
    print(f"  targets (every row): {'PASS' if ok else 'FAIL'}   n/exp = fired / planted by the scripts; "
          f"unm = phrase not in the final words")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--rate", type=int, choices=sorted(NOISE_DB), help="only this rate (default: 16000 then 8000)")
    p.add_argument("--rerender", action="store_true", help="render the calls again even if cached")
    p.add_argument("--verbose", "-v", action="store_true", help="list every nudge on stderr")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    args = p.parse_args(argv)
    started = time.perf_counter()
    ok = True
    for rate in [args.rate] if args.rate else [16000, 8000]:
        ok &= report(run_rate(rate, args.rerender, args.verbose))
        print()
    print(f"benchmark run took {time.perf_counter() - started:.1f} s")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
