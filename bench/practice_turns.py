"""Live practice: how soon does the simulated customer speak after the trainee stops?

    .venv/bin/python bench/practice_turns.py            # 3 scenarios, good and quick answers
    .venv/bin/python bench/practice_turns.py --quick    # 1 scenario

A scripted trainee (flite answers, paced at real time like a microphone) answers each line through
the same SimulatedCustomer -> LiveSession (worker thread, child-process recognisers) a practice run
in the window uses. For every line after the first it measures:

  audio  the trainee's last answer sample -> the next line's first sample, in call time
  wall   the clock when that last sample was delivered -> the clock when the line was handed to
         the speaker (queueing, VAD, the worker's steps: everything but the sound card's latency)

Target (issue 6): <= 1 s with cached audio. Also the cost of getting the lines ready: cold (flite
renders) vs cached (the peer ratio), since a retry should start at once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

TARGET_S = 1.0
ANSWERS = ["I am so sorry to hear that, it sounds really frustrating. Let me help you with that.",
           "I will have this sorted for you by Thursday at five pm.",
           "Is there anything else I can do for you today?"]


def answers_for(steps: int, wait: float, cache: Path):
    from coach_app.practice import Answer
    from coach_app.synth import render_text

    out = []
    for k in range(steps):
        speech = render_text(ANSWERS[k % len(ANSWERS)], "rms", cache)
        audio = np.concatenate([np.zeros(round(wait * 16000), np.float32), speech * np.float32(0.5 / np.max(np.abs(speech)))])
        out.append(Answer(audio, wait, "bench"))
    return out


def one_run(scenario_id: str, wait: float, cache: Path) -> list[tuple[float, float]]:
    from coach_app.asr.sphinx import SphinxFactory
    from coach_app.live import LiveSession
    from coach_app.practice import find_scenario
    from coach_app.practice.live_run import SimulatedCustomer
    from coach_app.practice.scripted import ScriptedTrainee
    from coach_app.practice.session import customer_audio
    from coach_app.settings import Settings

    scenario = find_scenario(scenario_id)
    trainee = ScriptedTrainee(answers_for(len(scenario.steps), wait, cache), realtime=True)
    customer = trainee.attach(SimulatedCustomer(trainee, customer_audio(scenario), Settings().vad, play=lambda a: None))
    session = LiveSession(customer, Settings(), SphinxFactory().for_live())
    session.start()
    while not customer.done.wait(0.05) and session.running:
        pass
    session.stop()
    out = []
    for k, start in enumerate(customer.starts[1:]):
        out.append((start.t - trainee.voice_ends[k], start.wall - trainee.voice_end_walls[k]))
    return out


def line_cost(scenario_id: str) -> tuple[float, float]:
    """ms to get a scenario's lines: rendered by flite (cold) vs from the cache."""
    from coach_app.practice import find_scenario
    from coach_app.practice.session import customer_audio

    scenario = find_scenario(scenario_id)
    t0 = time.perf_counter()
    customer_audio(scenario)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    customer_audio(scenario)
    return cold * 1000, (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import os

    os.environ["COACH_APP_HOME"] = tempfile.mkdtemp(prefix="coach-bench-")  # a cold line cache
    cache = Path(tempfile.mkdtemp(prefix="coach-bench-answers-"))
    scenarios = ["double_charge"] if args.quick else ["double_charge", "refund_soon", "keeps_talking"]
    cold, warm = zip(*(line_cost(s) for s in scenarios))
    print(f"lines ready: cold (flite) {statistics.mean(cold):.0f} ms per scenario, cached "
          f"{statistics.mean(warm):.1f} ms  (cached is {statistics.mean(cold) / max(statistics.mean(warm), 1e-3):.0f}x faster)")
    delays: list[tuple[float, float]] = []
    for scenario in scenarios:
        for wait, kind in ((2.2, "waits 2.2 s"), (0.3, "answers at once")):
            t0 = time.monotonic()
            got = one_run(scenario, wait, cache)
            delays += got
            shown = ", ".join(f"{a:.2f}/{w:.2f}" for a, w in got)
            print(f"{scenario:14s} trainee {kind:16s} stop->next line audio/wall s: {shown}   "
                  f"(run {time.monotonic() - t0:.0f} s)")
    audio = [a for a, _ in delays]
    wall = [w for _, w in delays]
    worst = max(max(audio), max(wall))
    print(f"\n{len(delays)} line changes: audio median {statistics.median(audio):.2f} s max {max(audio):.2f} s; "
          f"wall median {statistics.median(wall):.2f} s max {max(wall):.2f} s")
    print(f"target <= {TARGET_S:.1f} s: {'PASS' if worst <= TARGET_S else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
