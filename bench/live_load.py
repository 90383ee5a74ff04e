"""What does a live call cost: CPU, memory, dropped audio, event-to-screen latency, start-up time?

    .venv/bin/python bench/live_load.py              # 5 minutes of live call (the issue's figure)
    .venv/bin/python bench/live_load.py --quick      # 1-minute smoke run
    .venv/bin/python bench/live_load.py --minutes 10 --strict

A synthesised two-party call (bench/engine_speed.py's, cached in bench/out/; rendered when missing)
is played with FileSource(realtime=True), i.e. paced at audio speed through the same Capture,
worker thread and CallEngine a headset feeds, into the real CoachOverlay drained by the real
LiveController (40 ms QTimer), under QT_QPA_PLATFORM=offscreen. Each engine runs in a fresh Python
process, so its CPU time and peak RSS are its own:

  sphinx  the bundled PocketSphinx engine (the targets apply to this one)
  vosk    Vosk, when coach_app.asr.models.find_model("en") finds an installed model

Exit status is 0 whether the targets pass or not, unless --strict (then 1 if a bundled-engine
target fails).
"""

from __future__ import annotations

import time

_T_IMPORT = time.monotonic()  # fallback for "process start" when a phase is run by hand

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import queue  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
for p in (str(REPO), str(BENCH_DIR)):  # run from a checkout without installing; engine_speed is a sibling
    if p not in sys.path:
        sys.path.insert(0, p)

TARGET_CPU_PCT = 25.0  # of one core, bundled engine
TARGET_RSS_MB = 350.0
TARGET_DROPPED = 0
TARGET_E2S_P95_MS = 50.0
TARGET_READY_S = 2.0
CPU_WINDOW_S = 30.0  # the worst window of this length is reported beside the average
SAMPLE_EVERY_MS = 5000


# ---------------------------------------------------------------------------------------------
# The phase: one live call in this process (`--phase live --engine NAME --wav PATH`), one JSON line
# ---------------------------------------------------------------------------------------------

def _cpu_s() -> float:
    """This process plus its recogniser processes (live calls decode each channel in a child)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children already ended and reaped
    return ru.ru_utime + ru.ru_stime + done.ru_utime + done.ru_stime + _live_children_cpu_s()


def _live_children_cpu_s() -> float:
    import multiprocessing

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in multiprocessing.active_children():
        try:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def _children_rss_mb() -> float:
    """Resident memory of the live recogniser processes (they hold the acoustic model)."""
    import multiprocessing

    total = 0.0
    for child in multiprocessing.active_children():
        try:
            for line in Path(f"/proc/{child.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _hwm_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _thread_cpu() -> dict[str, float]:
    """CPU seconds per live Python thread (Linux /proc/self/task/<tid>/stat utime + stime)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for th in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{th.native_id}/stat").read_text().rsplit(")", 1)[1].split()
            out[th.name] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def _phase_live(wav: Path, engine: str, spawned_at: float | None) -> dict:
    process_start = spawned_at if spawned_at is not None else _T_IMPORT
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # must be set before Qt is imported
    import PySide6
    from PySide6.QtCore import QEvent, QObject, QTimer, qVersion
    from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

    from coach_app.live import FileSource
    from coach_app.settings import Settings
    from coach_app.ui.coach_overlay import CoachOverlay
    from coach_app.ui.live_controller import DRAIN_MS, LiveController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = Settings()

    # Same order as coach_app/ui/demo.py: engine choice (Vosk loads its model here), file, overlay,
    # session, show, start.
    t_create = time.monotonic()
    if engine == "sphinx":
        from coach_app.asr.sphinx import SphinxFactory

        factory = SphinxFactory().for_live()  # what a live call uses: one process per channel
    else:
        from coach_app.asr.vosk_engine import load_vosk

        factory = load_vosk("en")
    source = FileSource(wav, realtime=True)
    overlay = CoachOverlay(factory.name, settings.fatigue)
    overlay.set_recording(False, "benchmark — not recorded")
    overlay.rec_button.hide()
    session = source.session(settings, factory)
    controller = LiveController(session, overlay, source.done)

    # --- instrumentation (this process only; the app's code is unchanged) ----------------------
    # When the worker queues an event: a Queue whose put() stamps the event first.
    queued: dict[int, float] = {}  # id(event) -> perf_counter; the session keeps every event alive

    class StampedQueue(queue.Queue):
        def put(self, item, block=True, timeout=None):  # noqa: ANN001
            queued[id(item)] = time.perf_counter()
            super().put(item, block, timeout)

    session._out = StampedQueue()

    # Ready: the engine is loaded and the first audio block has gone through it, i.e. the moment
    # session.stats() would first show engine != "loading" and seconds > 0. Taken in the worker
    # right after that block, rather than by polling stats(), so it is exact to the block.
    ready: dict[str, float] = {}
    orig_feed = session._feed

    def feed(frames):  # noqa: ANN001
        orig_feed(frames)
        if "t" not in ready and session._frames > 0 and session._engine is not None:
            ready["t"] = time.monotonic()

    session._feed = feed

    # Event to screen. Measured on the real update path, not with repaint(): we wrap overlay.apply()
    # and watch QEvent.Paint with an event filter on the overlay and every widget in it. Forcing
    # overlay.repaint() after apply would paint synchronously, outside the app's own order (apply,
    # tick, levels, message, then Qt's UpdateRequest paints everything in one pass), and would add
    # paints the app does not make. With the filter the app paints exactly as it does for an agent.
    # The filter sees a Paint event before the widget paints, so the first Paint after an apply
    # schedules a zero-timer; it fires once that whole paint pass (every dirty widget, then the flush
    # to the backing store) has returned to the event loop, and that moment is "painted".
    # Only batches that changed what the overlay shows can be painted (a Words event, or a Prosody
    # reading, changes nothing on screen and Qt rightly paints nothing), so each apply() compares the
    # overlay's visible state before and after; batches that changed nothing are counted apart.
    watched = overlay.findChildren(QWidget)

    def visible_state() -> tuple:
        rows = [(w.isVisibleTo(overlay), w.isEnabled(),
                 w.text() if isinstance(w, (QLabel, QAbstractButton)) else None) for w in watched]
        return (overlay.width(), overlay.height(), tuple(rows))

    lat_total: list[float] = []  # queued -> painted, events of batches that changed the overlay
    lat_apply_paint: list[float] = []  # apply() returned -> painted, per such batch
    lat_queue_apply: list[float] = []  # queued -> apply() returned, every event
    awaiting: list[tuple[float, list[float]]] = []  # (apply returned, queued stamps) not painted yet
    counts = {"events": 0, "shown": 0, "unchanged": 0, "batches_shown": 0, "paints_in_apply": 0,
              "unstamped": 0, "kinds": {}, "shown_kinds": {}}
    state = {"applying": False, "pending": False}

    def painted(batches: list[tuple[float, list[float]]]) -> None:
        t = time.perf_counter()
        state["pending"] = False
        for t_applied, stamps in batches:
            lat_apply_paint.append(t - t_applied)
            lat_total.extend(t - tq for tq in stamps)

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):  # noqa: ANN001, N802
            if event.type() == QEvent.Type.Paint:
                if state["applying"]:
                    counts["paints_in_apply"] += 1
                elif awaiting and not state["pending"]:
                    state["pending"] = True
                    batches = awaiting[:]
                    awaiting.clear()
                    QTimer.singleShot(0, lambda: painted(batches))
            return False

    watch = PaintWatch()
    for w in (overlay, *watched):
        w.installEventFilter(watch)

    orig_apply = overlay.apply

    def apply(events):  # noqa: ANN001
        if not events:
            return orig_apply(events)
        before = visible_state()
        state["applying"] = True
        try:
            orig_apply(events)
        finally:
            state["applying"] = False
        t_applied = time.perf_counter()
        stamps = []
        for ev in events:
            tq = queued.pop(id(ev), None)
            name = type(ev).__name__
            counts["kinds"][name] = counts["kinds"].get(name, 0) + 1
            if tq is None:
                counts["unstamped"] += 1
                continue
            stamps.append(tq)
            lat_queue_apply.append(t_applied - tq)
        counts["events"] += len(events)
        if visible_state() != before:
            counts["shown"] += len(stamps)
            for ev in events:
                name = type(ev).__name__
                counts["shown_kinds"][name] = counts["shown_kinds"].get(name, 0) + 1
            counts["batches_shown"] += 1
            awaiting.append((t_applied, stamps))
        else:
            counts["unchanged"] += len(stamps)

    overlay.apply = apply

    # How far behind the worker runs: the capture queue's backlog, read at every drain. Blocks pile
    # up while the engine loads (by design: no speech is lost); "steady" is after the worker has
    # first caught up with them (backlog back to <= 1 block once ready).
    # The gaps between drains show how long the GUI thread was kept from its timer.
    backlog = {"max": 0, "steady_max": 0, "caught_up": False}
    drains: list[float] = []
    orig_levels = overlay.set_levels

    def set_levels(agent_db, customer_db):  # noqa: ANN001
        drains.append(time.perf_counter())
        b = session.capture.backlog()
        backlog["max"] = max(backlog["max"], b)
        if backlog["caught_up"]:
            backlog["steady_max"] = max(backlog["steady_max"], b)
        elif "t" in ready and b <= 1:
            backlog["caught_up"] = True
        orig_levels(agent_db, customer_db)

    overlay.set_levels = set_levels

    # CPU split by thread, read just before the worker is stopped (it is gone afterwards).
    threads: dict[str, float] = {}
    orig_stop = session.stop

    def stop():  # noqa: ANN202
        if not threads:
            threads.update(_thread_cpu())
        return orig_stop()

    session.stop = stop

    samples: list[tuple[float, float]] = []  # (monotonic, process CPU s), every SAMPLE_EVERY_MS
    sampler = QTimer()
    sampler.setInterval(SAMPLE_EVERY_MS)
    sampler.timeout.connect(lambda: samples.append((time.monotonic(), _cpu_s())))
    peak_children = {"mb": 0.0}  # the recogniser processes' memory, sampled with the CPU
    sampler.timeout.connect(lambda: peak_children.__setitem__("mb", max(peak_children["mb"], _children_rss_mb())))

    end: dict[str, float] = {}

    def finished() -> None:
        end["t"], end["cpu"] = time.monotonic(), _cpu_s()
        end["children_rss_mb"] = _children_rss_mb()
        sampler.stop()
        samples.append((end["t"], end["cpu"]))
        QTimer.singleShot(300, app.quit)  # let the closing events paint

    controller.finished.connect(finished)

    # --- the run --------------------------------------------------------------------------------
    overlay.show()
    cpu_before_start = _cpu_s()
    t_start = time.monotonic()
    samples.append((t_start, cpu_before_start))
    sampler.start()
    controller.start()
    app.exec()
    controller.stop()
    stats = session.stats()
    overlay.close()

    wall = end["t"] - t_start
    cpu = end["cpu"] - cpu_before_start
    worst = 0.0
    for i, (t0, c0) in enumerate(samples):
        for t1, c1 in samples[i + 1:]:
            if t1 - t0 >= CPU_WINDOW_S - 0.5:
                worst = max(worst, (c1 - c0) / (t1 - t0))
                break
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "engine": engine,
        "engine_name": stats.engine,
        "factory_name": factory.name,
        "audio_s": source.call.duration,
        "fed_s": stats.seconds,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_total_process_s": ru.ru_utime + ru.ru_stime,
        "cpu_pct": 100.0 * cpu / wall,
        "cpu_worst_window_pct": 100.0 * worst,
        "threads": threads,
        "rss_peak_kb": ru.ru_maxrss,
        "children_rss_mb": peak_children["mb"],
        "hwm_kb": _hwm_kb(),
        "dropped_blocks": stats.dropped_blocks,
        "padded_s": stats.padded_seconds,
        "gap_s": stats.gap_seconds,
        "error": stats.error,
        "backlog_max_blocks": backlog["max"],
        "backlog_steady_max_blocks": backlog["steady_max"],
        "drain_gaps_ms": [1000 * (b - a) for a, b in zip(drains, drains[1:])],
        "pyside": f"PySide6 {PySide6.__version__} (Qt {qVersion()})",
        "block_ms": source.block_ms,
        "drain_ms": DRAIN_MS,
        "ready_from_process_s": ready["t"] - process_start if "t" in ready else None,
        "ready_from_create_s": ready["t"] - t_create if "t" in ready else None,
        "lat_total_ms": [1000 * x for x in lat_total],
        "lat_apply_paint_ms": [1000 * x for x in lat_apply_paint],
        "lat_queue_apply_ms": [1000 * x for x in lat_queue_apply],
        "never_painted": sum(len(s) for _, s in awaiting),
        "counts": counts,
        "events_total": len(session.events),
        "nudges": sum(1 for e in session.events if type(e).__name__ == "Nudge"),
    }


# ---------------------------------------------------------------------------------------------
# Parent: the call, one fresh process per engine, the report
# ---------------------------------------------------------------------------------------------

def ensure_wav(minutes: float) -> tuple[Path, bool]:
    """bench/engine_speed.py's synthesised call (16 kHz stereo), rendered when missing. (path, was cached)"""
    import engine_speed

    paths, render_s = engine_speed.ensure_call(minutes)
    return paths["wav16"], render_s == 0.0


def spawn_live(engine: str, wav: Path, minutes: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", "live", "--engine", engine,
           "--wav", str(wav)]
    spawned = time.monotonic()  # CLOCK_MONOTONIC: the same clock in the child
    proc = subprocess.run(cmd + ["--spawned-at", repr(spawned)], capture_output=True, text=True, cwd=str(REPO),
                          timeout=minutes * 60 * 2 + 300)
    if proc.returncode != 0:
        raise RuntimeError(f"live phase ({engine}) failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, -(-len(s) * q // 100) - 1))] if s else float("nan")


def _dist(values: list[float]) -> str:
    if not values:
        return "n/a (none)"
    return f"p50 {_pct(values, 50):.1f} / p95 {_pct(values, 95):.1f} / max {max(values):.1f} ms"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_engine(r: dict, title: str, judged: bool) -> tuple[list[str], bool]:
    out = [f"{title}: {r['factory_name']}" + ("" if judged else "  (targets are for the bundled engine; shown for comparison)")]
    c = r["counts"]
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(c["kinds"].items(), key=lambda kv: -kv[1]))
    out.append(f"  run: {r['fed_s']:.1f} s of audio fed in {r['wall_s']:.1f} s wall; {r['events_total']} events "
               f"({kinds}); {r['nudges']} nudges" + (f"; ERROR: {r['error']}" if r["error"] else ""))
    w = 16
    results = []

    cpu_ok = r["cpu_pct"] <= TARGET_CPU_PCT
    results.append(cpu_ok)
    out.append(f"  {'CPU':<{w}} {r['cpu_pct']:6.1f} % of one core   ({r['cpu_s']:.1f} s CPU over {r['wall_s']:.1f} s; "
               f"worst {CPU_WINDOW_S:g} s window {r['cpu_worst_window_pct']:.1f} %)   "
               f"target <= {TARGET_CPU_PCT:g} %  {_verdict(cpu_ok)}")
    th = r["threads"]
    if th:
        named = {"coach-live": "engine worker", "MainThread": "GUI", "coach-file-source": "file source"}
        parts = [f"{label} {100 * th[name] / r['wall_s']:.1f} %" for name, label in named.items() if name in th]
        rest = r["cpu_s"] - sum(th.get(n, 0.0) for n in named)
        parts.append(f"rest (start-up, engine finish, Qt/other threads) {100 * rest / r['wall_s']:.1f} %")
        out.append(f"  {'':<{w}} by thread: " + ", ".join(parts))

    children_mb = r.get("children_rss_mb", 0.0)
    rss_mb = r["rss_peak_kb"] / 1024 + children_mb
    rss_ok = rss_mb <= TARGET_RSS_MB
    results.append(rss_ok)
    hwm = f", VmHWM {r['hwm_kb'] / 1024:.1f} MB" if r.get("hwm_kb") else ""
    out.append(f"  {'peak RSS':<{w}} {rss_mb:6.1f} MB   (app {r['rss_peak_kb'] / 1024:.1f} MB{hwm} + recogniser "
               f"processes {children_mb:.1f} MB)   target <= {TARGET_RSS_MB:g} MB  {_verdict(rss_ok)}")

    drop_ok = r["dropped_blocks"] <= TARGET_DROPPED
    results.append(drop_ok)
    bms = r["block_ms"]
    out.append(f"  {'dropped blocks':<{w}} {r['dropped_blocks']:6d}      (capture backlog max {r['backlog_max_blocks']} blocks "
               f"= {r['backlog_max_blocks'] * bms} ms incl. engine load, {r['backlog_steady_max_blocks']} = "
               f"{r['backlog_steady_max_blocks'] * bms} ms once caught up; padded {r['padded_s']:.2f} s)   "
               f"target {TARGET_DROPPED}  {_verdict(drop_ok)}")

    lat = r["lat_total_ms"]
    lat_ok = bool(lat) and _pct(lat, 95) <= TARGET_E2S_P95_MS
    results.append(lat_ok)
    shown = ", ".join(f"{k} {v}" for k, v in sorted(c["shown_kinds"].items(), key=lambda kv: -kv[1]))
    out.append(f"  {'event-to-screen':<{w}} {_dist(lat)}   ({len(lat)} events in {c['batches_shown']} drains that "
               f"changed the overlay)   target p95 <= {TARGET_E2S_P95_MS:g} ms  {_verdict(lat_ok)}")
    out.append(f"  {'':<{w}} events in those drains: {shown or 'none'}")
    out.append(f"  {'':<{w}} queued -> applied (all {len(r['lat_queue_apply_ms'])} events, {r['drain_ms']} ms drain): "
               f"{_dist(r['lat_queue_apply_ms'])}")
    out.append(f"  {'':<{w}} applied -> painted (per drain): {_dist(r['lat_apply_paint_ms'])}; "
               f"{c['unchanged']} events changed nothing on screen; never painted {r['never_painted']}; "
               f"paints inside apply {c['paints_in_apply']}")
    gaps = r["drain_gaps_ms"]
    if gaps:
        late = sum(1 for g in gaps if g > 2 * r["drain_ms"])
        out.append(f"  {'':<{w}} GUI drain interval: {_dist(gaps)}; {late} of {len(gaps)} over {2 * r['drain_ms']} ms")

    rp, rc = r["ready_from_process_s"], r["ready_from_create_s"]
    ready_ok = rp is not None and rp <= TARGET_READY_S
    results.append(ready_ok)
    if rp is None:
        out.append(f"  {'start-to-ready':<{w}} never ready   target <= {TARGET_READY_S:g} s  FAIL")
    else:
        out.append(f"  {'start-to-ready':<{w}} {rp:6.2f} s    from process start ({rc:.2f} s from creating the engine "
                   f"and session, after Python, Qt and imports)   target <= {TARGET_READY_S:g} s  {_verdict(ready_ok)}")
    return out, all(results)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0, help="length of the call played live (default 5)")
    p.add_argument("--quick", action="store_true", help="smoke run: a 1-minute call")
    p.add_argument("--strict", action="store_true", help="exit 1 if a bundled-engine target fails")
    p.add_argument("--no-vosk", action="store_true", help="skip the Vosk run even if a model is installed")
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    p.add_argument("--phase", help=argparse.SUPPRESS)
    p.add_argument("--engine", default="sphinx", help=argparse.SUPPRESS)
    p.add_argument("--wav", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--spawned-at", type=float, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.phase:  # child process
        print(json.dumps(_phase_live(args.wav, args.engine, args.spawned_at)))
        return 0

    minutes = 1.0 if args.quick else args.minutes
    if minutes <= 0:
        p.error("--minutes must be positive")
    started = time.perf_counter()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    wav, cached = ensure_wav(minutes)

    from coach_app import paths
    from coach_app.asr.models import find_model

    models_dir = paths.models_dir()
    vosk_model = find_model("en", models_dir)

    results: dict[str, dict] = {}
    print(f"playing {wav.name} live with the bundled engine ({minutes:g} min) ...", file=sys.stderr, flush=True)
    results["sphinx"] = spawn_live("sphinx", wav, minutes)
    if vosk_model is not None and not args.no_vosk:
        print(f"playing it again with Vosk ({vosk_model.name}) ...", file=sys.stderr, flush=True)
        results["vosk"] = spawn_live("vosk", wav, minutes)

    sphinx = results["sphinx"]
    out = ["coach_app live load"]
    out.append(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"{sphinx['pyside']}, load average at start {load_start}")
    out.append(f"  call: {wav.relative_to(REPO)} ({sphinx['audio_s']:.1f} s, stereo 16 kHz, "
               f"{'cached' if cached else 'rendered now'}), FileSource(realtime=True) in {sphinx['block_ms']} ms blocks "
               f"-> LiveSession -> CoachOverlay via LiveController ({sphinx['drain_ms']} ms drain), "
               f"QT_QPA_PLATFORM=offscreen, one fresh process per engine")
    out.append("")
    lines, ok = report_engine(sphinx, "Bundled engine", judged=True)
    out += lines
    out.append("")
    if "vosk" in results:
        lines, _ = report_engine(results["vosk"], "Vosk", judged=False)
        out += lines
    elif vosk_model is None:
        out.append(f"Vosk: not measured - no Vosk model is installed (coach_app.asr.models.find_model('en') found "
                   f"none in {models_dir}); `coach-app models install vosk-small-en-us` adds one.")
    else:
        out.append(f"Vosk: not measured - skipped with --no-vosk (model {vosk_model} is installed).")
    out.append("")
    out.append(f"Bundled engine, all targets: {_verdict(ok)}")
    print("\n".join(out))
    print(f"\nbenchmark run took {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
