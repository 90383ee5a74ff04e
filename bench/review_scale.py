"""Review at scale: a library of 10,000 calls plus one 60-minute call.

Targets (issue 5): list + search <= 100 ms; open the 60-minute call in the ReviewWindow (waveform +
transcript shown) <= 0.5 s; memory while it is open is reported (RSS delta). The built store is cached
under bench/out/review_scale/ (rebuilt with --rebuild). Qt runs offscreen.

    .venv/bin/python bench/review_scale.py [--rebuild] [--strict]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from coach_app.store.db import write_tx  # noqa: E402
from coach_app.store.library import Library  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "review_scale"
VERSION = 2  # bump when the generated store changes shape
N_CALLS = 10_000
LONG_MINUTES = 60
LONG_LINES = 900
RATE = 16000
SEARCH = "credit your account"  # in about a tenth of the calls: a realistic, non-trivial hit list
LIST_TARGET_MS, OPEN_TARGET_S = 100.0, 0.5

AGENT = ["Thank you for calling, how can I help you today?", "I understand how frustrating that must be.",
         "Can I have your order number please?", "Let me check that for you.", "I will refund it by Friday.",
         "I can see the parcel left our depot yesterday.", "Is there anything else I can help you with?",
         "I am sorry about the delay, that should not have happened.", "I will call you back before five pm.",
         "Could you confirm the address on the account?", "That has been updated for you now."]
CUSTOMER = ["I was charged twice for my order.", "My parcel never arrived.", "It is four five six seven eight.",
            "I have been waiting for three weeks.", "Nobody called me back last time.", "Yes, that is right.",
            "Why does this keep happening?", "Great, thanks.", "No, that is all, bye.",
            "The address is twelve high street.", "I am really upset about this."]
KINDS = ["pause", "label_emotion", "help_offer", "timeframe", "why_question", "closing"]


def rss_mb() -> float:
    """Resident set size; includes file-backed pages of the memory-mapped WAV the waveform touched."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def lines_for(rng: random.Random, n: int, seconds: float) -> list[dict[str, object]]:
    """`n` alternating utterances spread over `seconds`, with gaps."""
    rows, step = [], seconds / n
    for i in range(n):
        agent = i % 2 == 1
        t0 = i * step + rng.uniform(0.2, 0.8)
        text = rng.choice(AGENT if agent else CUSTOMER)
        rows.append({"channel": "agent" if agent else "customer", "t0": round(t0, 2),
                     "t1": round(min(t0 + step * 0.8, (i + 1) * step), 2), "text": text})
    return rows


def nudges_for(rng: random.Random, n: int, seconds: float) -> list[dict[str, object]]:
    kinds = [rng.choice(KINDS) for _ in range(n)]
    return [{"nudge_id": f"{k}-{i}", "kind": k, "t": round(rng.uniform(1, seconds - 1), 2),
             "message": "Pause before answering", "suggestion": "Count to two",
             "outcome": rng.choice(["missed", "satisfied", "retracted"])} for i, k in enumerate(kinds)]


def counts(nudges: list[dict[str, object]]) -> str:
    out: dict[str, dict[str, int]] = {}
    for n in nudges:
        by = out.setdefault(str(n["kind"]), {})
        by[str(n["outcome"])] = by.get(str(n["outcome"]), 0) + 1
    return json.dumps(out)


def long_wav(path: Path, seconds: int, rng: np.random.Generator) -> None:
    """Stereo 16-bit: speech-like bursts (noise shaped by a syllable-rate envelope), the speakers taking
    turns every few seconds. Written in one-minute blocks so building never holds the hour in memory."""
    with sf.SoundFile(str(path), "w", RATE, 2, "PCM_16") as f:
        for minute in range(seconds // 60):
            t = np.arange(60 * RATE) / RATE + minute * 60
            syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t) ** 2
            agent_turn = (np.floor(t / 4.0) % 2 == 1).astype(np.float32)
            noise = rng.standard_normal((len(t), 2)).astype(np.float32)
            block = noise * 0.15 * syllables[:, None] * np.stack([agent_turn, 1 - agent_turn], axis=1)
            f.write(np.clip(block, -1, 1))


def build(root: Path) -> int:
    """The store; returns the 60-minute call's id."""
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(5)
    started = datetime(2023, 1, 1, 8, 0, tzinfo=timezone.utc)
    with Library(root) as library:
        db = library.db
        with write_tx(db):
            for start in range(0, N_CALLS, 500):
                calls, utterances, nudges = [], [], []
                for i in range(start, min(start + 500, N_CALLS)):
                    call_id = i + 1
                    duration = rng.uniform(120, 900)
                    lines = lines_for(rng, rng.randint(20, 120), duration)  # ~one line per 5-10 s
                    if rng.random() < 0.1:
                        lines[rng.randrange(len(lines))]["text"] = "I will credit your account by Friday at five pm."
                    found = nudges_for(rng, rng.randint(0, 8), duration)
                    when = (started + timedelta(minutes=70 * i)).isoformat(timespec="seconds")
                    calls.append({"id": call_id, "started_at": when, "saved_at": when, "duration": duration,
                                  "title": f"call-{call_id:05d}.wav", "audio_path": f"recordings/call-{call_id:05d}.wav",
                                  "layout": "agent_left", "source": "live", "status": "complete",
                                  "turns": len(lines), "talk_ratio": rng.uniform(0.3, 0.7),
                                  "median_response_gap": rng.uniform(0.2, 2.5), "nudge_counts_json": counts(found)})
                    utterances += [{"call_id": call_id, **u} for u in lines]
                    nudges += [{"call_id": call_id, **n} for n in found]
                db.table("calls").insert_all(calls)
                db.table("utterances").insert_all(utterances, batch_size=2000)
                db.table("nudges").insert_all(nudges, batch_size=2000)
        seconds = LONG_MINUTES * 60
        wav = library.recordings_dir / "long-60min.wav"
        long_wav(wav, seconds, np.random.default_rng(5))
        found = nudges_for(rng, 60, seconds)
        when = (started + timedelta(minutes=70 * N_CALLS)).isoformat(timespec="seconds")
        with write_tx(db):
            long_id = N_CALLS + 1
            db.table("calls").insert({"id": long_id, "started_at": when, "saved_at": when, "duration": float(seconds),
                                      "title": "long-60min.wav", "audio_path": "recordings/long-60min.wav",
                                      "layout": "agent_left", "source": "live", "status": "complete",
                                      "turns": LONG_LINES, "talk_ratio": 0.5, "median_response_gap": 0.8,
                                      "nudge_counts_json": counts(found)})
            db.table("utterances").insert_all([{"call_id": long_id, **u} for u in lines_for(rng, LONG_LINES, seconds)])
            db.table("nudges").insert_all([{"call_id": long_id, **n} for n in found])
        db.execute("ANALYZE")
    (root / "bench-version").write_text(f"{VERSION} {long_id}\n")
    return long_id


def timed_ms(fn, repeat: int = 7) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median of `repeat` runs after one warm-up (the first read also pulls the file into the page cache)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the store again")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args()
    root = OUT / "library"
    stamp = OUT / "library" / "bench-version"
    if args.rebuild or not stamp.exists() or stamp.read_text().split()[0] != str(VERSION):
        t0 = time.perf_counter()
        long_id = build(root)
        print(f"built {N_CALLS:,} calls + one {LONG_MINUTES}-minute call in {time.perf_counter() - t0:.1f} s -> {root}")
    else:
        long_id = int(stamp.read_text().split()[1])
        print(f"cached store: {root}")

    from PySide6.QtWidgets import QApplication

    from coach_app.ui.review_window import ReviewWindow

    app = QApplication(sys.argv[:1])
    failures = []
    with Library(root) as library:
        n_utt = library.db.execute("SELECT count(*) FROM utterances").fetchone()[0]
        print(f"store: {library.db.execute('SELECT count(*) FROM calls').fetchone()[0]:,} calls, {n_utt:,} utterances, "
              f"{sum(p.stat().st_size for p in root.rglob('*') if p.is_file()) / 1e6:.0f} MB on disk")
        list_ms, rows = timed_ms(lambda: library.list_calls())
        search_ms, hits = timed_ms(lambda: library.list_calls(search=SEARCH))
        lines_ms, _ = timed_ms(lambda: library.search_utterances(SEARCH))
        print(f"list all calls      {list_ms:7.1f} ms  ({len(rows):,} rows)")  # type: ignore[arg-type]
        print(f"search '{SEARCH}' {search_ms:7.1f} ms  ({len(hits):,} calls)")  # type: ignore[arg-type]
        print(f"search lines        {lines_ms:7.1f} ms  (first 100 matching lines)")
        ok = list_ms + search_ms <= LIST_TARGET_MS
        print(f"list + search       {list_ms + search_ms:7.1f} ms  target <= {LIST_TARGET_MS:.0f} ms  {verdict(ok)}")
        failures += [] if ok else ["list + search"]

        window = ReviewWindow(library)
        window.show()
        app.processEvents()
        ui_ms, _ = timed_ms(lambda: (window.calls.search.setText(SEARCH), window.calls.refresh(), app.processEvents()),
                            repeat=3)
        print(f"list window search  {ui_ms:7.1f} ms  (CallList.refresh with the table repainted; not the target)")
        window.calls.search.setText("")
        window.calls.refresh()
        app.processEvents()

        before = rss_mb()
        t0 = time.perf_counter()
        opened = window.open_call(long_id)
        app.processEvents()  # layout + first paint of waveform and transcript
        open_s = time.perf_counter() - t0
        view = window.view
        shown = (opened and view.transcript.count() >= LONG_LINES and view.detail is not None
                 and view.detail.audio_problem == "")
        after = rss_mb()
        ok = shown and open_s <= OPEN_TARGET_S
        print(f"open 60-min call    {open_s * 1000:7.1f} ms  target <= {OPEN_TARGET_S * 1000:.0f} ms  {verdict(ok)}"
              f"  ({view.transcript.count()} transcript rows, waveform {'shown' if shown else 'MISSING'})")
        failures += [] if ok else ["open 60-minute call"]
        print(f"memory while open   {after - before:+7.1f} MB RSS  (process {after:.0f} MB; the WAV is "
              f"{(root / 'recordings' / 'long-60min.wav').stat().st_size / 1e6:.0f} MB, memory-mapped)")
        shot = OUT / "review_60min.png"
        window.grab().save(str(shot))
        print(f"screenshot          {shot}")
        window.show_list()
        window.close()
        app.processEvents()
    print("ALL PASS" if not failures else "FAIL: " + ", ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
