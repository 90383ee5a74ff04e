"""Faster playback at the same pitch (issue 5): what Rubber Band costs, and whether playback keeps up.

Speech is flite (agent `slt` on the left, customer `rms` on the right), looped to the length needed,
16 kHz stereo. Figures, at 1.25x and 1.5x:
  - stretching 10 s in one go: ms and x real time, against the old sample skipping on the same audio
    in the same run (the peer ratio);
  - chunks as playback makes them (audio/stretch.py, 2 s each) over a 60 s call: the worst one,
    against the time a chunk plays for (the worker's budget; target: a quarter of it);
  - the audio callback: worst time to copy one 512-frame block out of ready chunks, against 32 ms;
  - 8 s of real-time playback with the worker thread: blocks that had to skip samples while the first
    chunk was made (what a seek costs) and after it (target: none);
  - pitch: median F0 after stretching vs the original (target within 3%), and after sample skipping.

    .venv/bin/python bench/playback_speed.py [--strict]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from coach_app.audio import stretch  # noqa: E402
from coach_app.audio.prosody import estimate_pitch  # noqa: E402

RATE, BLOCK = 16000, 512
SPEEDS = (1.25, 1.5)
FLITE_CACHE = Path(__file__).resolve().parent / "out" / "flite-cache"
AGENT = "I understand how frustrating that must be. Let me check that for you right away."
CUSTOMER = "I was charged twice for my order and nobody has called me back about it."
CHUNK_SHARE, BLOCK_SHARE, PITCH_TOLERANCE = 0.25, 0.1, 0.03


def speech(seconds: float) -> np.ndarray:
    from coach_app.synth.flite import render_text

    def lane(text: str, voice: str, lead: int) -> np.ndarray:
        line = render_text(text, voice, FLITE_CACHE)
        one = np.concatenate([np.zeros(lead, np.float32), line, np.zeros(RATE // 2, np.float32)])
        return np.tile(one, int(seconds * RATE) // len(one) + 1)[: int(seconds * RATE)]

    both = np.stack([lane(AGENT, "slt", 0), lane(CUSTOMER, "rms", RATE)], axis=1)
    return np.round(both * 20000).astype(np.int16)


def ms(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def skip_all(audio: np.ndarray, speed: float) -> None:
    frame = 0.0
    while frame < len(audio):
        stretch.skip(audio, frame, speed, BLOCK)
        frame += BLOCK * speed


def median_f0(x: np.ndarray) -> float:
    f0 = [estimate_pitch(x[i:i + 640].astype(np.float32) / 32768, RATE) for i in range(0, len(x) - 640, 320)]
    return float(np.median([f for f in f0 if f]))


def chunk_times(audio: np.ndarray, speed: float) -> list[float]:
    stretcher, times = stretch.ChunkStretcher(audio, RATE), []
    for k in range(stretcher.last + 1):
        t0 = time.perf_counter()
        stretcher.fill(speed, k)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def read_times(audio: np.ndarray, speed: float) -> list[float]:
    stretcher, out, frame, times = stretch.ChunkStretcher(audio, RATE), np.zeros((BLOCK, 2), np.int16), 0.0, []
    while frame < len(audio):
        while not stretcher.read(out, frame, speed):
            stretcher.fill(speed, stretcher.chunk_at(round(frame / speed), speed))
        t0 = time.perf_counter()
        stretcher.read(out, frame, speed)
        times.append((time.perf_counter() - t0) * 1000)
        frame += BLOCK * speed
    stretcher.close(wait=1.0)
    return times


def real_time(audio: np.ndarray, speed: float, seconds: float = 8.0) -> tuple[int, int, int]:
    """(blocks, blocks skipped in the first 0.25 s, blocks skipped after) playing from 10 s in."""
    stretcher, out, frame = stretch.ChunkStretcher(audio, RATE), np.zeros((BLOCK, 2), np.int16), 10.0 * RATE
    stretcher.want(frame, speed)  # what Playback does when the stream starts
    start, blocks, early, late = time.perf_counter(), 0, 0, 0
    while blocks * BLOCK / RATE < seconds:
        due = start + blocks * BLOCK / RATE
        time.sleep(max(0.0, due - time.perf_counter()))
        if not stretcher.read(out, frame, speed):
            if blocks * BLOCK / RATE < 0.25:
                early += 1
            else:
                late += 1
        frame += BLOCK * speed
        blocks += 1
    stretcher.close(wait=1.0)
    return blocks, early, late


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args()
    if stretch.problem():
        print(stretch.problem())
        return 1
    import pedalboard

    ten, long = speech(10.0), speech(60.0)
    print(f"pedalboard {pedalboard.__version__}; 10 s and 60 s of 16 kHz stereo flite speech; block {BLOCK} frames "
          f"({BLOCK / RATE * 1000:.0f} ms); chunks {stretch.CHUNK_S:g} s + {stretch.PAD_S:g} s context each side")
    failures = []
    for speed in SPEEDS:
        print(f"\n--- {speed:g}x ---")
        whole = ms(lambda s=speed: stretch.stretch(ten, RATE, s))
        old = ms(lambda s=speed: skip_all(ten, s))
        print(f"stretch 10 s          {whole:7.1f} ms  {10000 / whole:6.1f}x real time")
        print(f"sample skip 10 s      {old:7.1f} ms  {10000 / old:6.1f}x real time  (the old way, in {BLOCK}-frame blocks)")
        print(f"peer ratio            {whole / old:7.1f}  (stretching costs this many times the sample skip)")

        chunks = chunk_times(long, speed)
        plays_ms = stretch.CHUNK_S / speed * 1000
        worst = max(chunks)
        ok = worst <= CHUNK_SHARE * plays_ms
        print(f"chunk (60 s call)     median {statistics.median(chunks):5.1f} ms, worst {worst:5.1f} ms = "
              f"{worst / plays_ms:.1%} of the {plays_ms:.0f} ms it plays; target <= {CHUNK_SHARE:.0%}  {verdict(ok)}")
        print(f"                      (worst chunk = {worst / (BLOCK / RATE * 1000):.1f} output blocks of work: on the "
              "worker thread, never in the callback)")
        failures += [] if ok else [f"chunk time at {speed:g}x"]

        reads = read_times(ten, speed)
        budget = BLOCK / RATE * 1000
        ok = max(reads) <= BLOCK_SHARE * budget
        print(f"callback copy         median {statistics.median(reads) * 1000:5.0f} us, worst {max(reads) * 1000:5.0f} us "
              f"of a {budget:.0f} ms block; target <= {BLOCK_SHARE:.0%}  {verdict(ok)}")
        failures += [] if ok else [f"callback at {speed:g}x"]

        blocks, early, late = real_time(long, speed)
        ok = late == 0
        print(f"real-time playback    {blocks} blocks: {early} with skipped samples while the first chunk was made "
              f"(after a seek), {late} after it  {verdict(ok)}")
        failures += [] if ok else [f"real-time at {speed:g}x"]

        for lane, name in ((0, "agent slt"), (1, "customer rms")):
            base = median_f0(ten[:, lane])
            kept = median_f0(stretch.stretch(ten, RATE, speed)[:, lane]) / base - 1
            raised = median_f0(stretch.skip(ten, 0.0, speed, int(len(ten) / speed))[:, lane]) / base - 1
            ok = abs(kept) <= PITCH_TOLERANCE
            print(f"pitch {name:13s}   {base:5.0f} Hz: stretched {kept:+6.1%}, sample skip {raised:+6.1%}; "
                  f"target within {PITCH_TOLERANCE:.0%}  {verdict(ok)}")
            failures += [] if ok else [f"pitch {name} at {speed:g}x"]
    print("\nALL PASS" if not failures else "\nFAIL: " + ", ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
