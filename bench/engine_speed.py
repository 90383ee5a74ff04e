"""How fast does the call engine analyse audio, stage by stage, and how much memory does it take?

    .venv/bin/python bench/engine_speed.py            # 5-minute synthesised call (the issue's figure)
    .venv/bin/python bench/engine_speed.py --quick    # 1-minute smoke run
    .venv/bin/python bench/engine_speed.py --minutes 10 --strict

Builds a synthesised two-party call (a generated script, four flite voices, varied gaps, overlaps
and long pauses), caches it under bench/out/ (git-ignored; re-rendered when missing), then runs
each phase in a fresh Python process so every phase's peak RSS is its own:

  vad     CallEngine with recognisers=None (VAD + prosody + rules) over the 16 kHz call
  full    CallEngine with the bundled PocketSphinx engine over the same call
  decode8 open_call(...).blocks() alone over an 8 kHz copy (decode + resample to 16 kHz)
  decode16 the same over the 16 kHz file (decode only), so the resampler's share is visible
  real    the full engine over the real 4-minute 8 kHz call in ../shared/data/real/

Engine time is the time spent inside feed()/finish(); file reading is timed separately (phase
decode*), so "x real time" of the engine does not depend on the disk. Exit status is 0 whether the
target (VAD + rules >= 10 x real time) passes or not, unless --strict.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

OUT_DIR = BENCH_DIR / "out"
FLITE_CACHE = OUT_DIR / "flite-cache"
REAL_CALL = Path(os.environ.get("COACH_APP_REAL_CALL", REPO.parent / "shared" / "data" / "real" / "auto_repairs_40_stereo_8k.wav"))
TARGET_X = 10.0  # VAD + rules must run at least this many times faster than real time
SCRIPT_VERSION = 1  # bump when the generator changes, so cached calls are re-rendered
SEED = 20240501
NOISE_DB = -60.0  # a faint noise floor, so the VAD's adaptive floor sees something like a line

AGENT_VOICES = ("rms", "awb")
CUSTOMER_VOICES = ("slt", "kal16")

_CUSTOMER = [
    "I was charged twice for the same order and I would like to know why.",
    "My car has been making a grinding noise whenever I brake.",
    "I have been on hold for {n} minutes already.",
    "The order number is {digits}.",
    "Yes, that is right.",
    "No, I already tried restarting it twice.",
    "It started on {day}, just after the last service.",
    "I really need this sorted out before the weekend.",
    "Honestly, this is the third time I have called about the same problem.",
    "Can you tell me exactly when the technician will arrive?",
    "My name is {name}, and my account number is {digits}.",
    "Okay.",
    "That does not help me at all, I need the car for work.",
    "How much is that going to cost me?",
    "The warranty should cover this, shouldn't it?",
    "I paid {amount} dollars last month for the same repair.",
    "Fine, but I want that in writing.",
    "Could you spell that for me, please?",
    "Mm hm, go on.",
    "I am not sure, let me check my email.",
    "Right, I found it, the reference is {digits}.",
    "Is there really nothing faster?",
    "Thank you, that is all I was asking for.",
    "The light on the dashboard keeps flashing orange.",
]
_AGENT = [
    "Thank you for calling, my name is {name}, how can I help you today?",
    "I am sorry to hear that, let me help you with that.",
    "Can I have your order number, please?",
    "Let me pull up your account, it will take a moment.",
    "I can see the booking here, it was made on {day}.",
    "That sounds really frustrating, I understand.",
    "I will book a technician for {day} between nine and eleven in the morning.",
    "The repair is covered by the warranty, so there is no charge.",
    "I will send you a confirmation email within the next hour.",
    "Okay.",
    "Could you confirm the registration number of the vehicle?",
    "Just to check, the noise only happens when you brake?",
    "The refund of {amount} dollars will reach your card within five business days.",
    "I have escalated this to my supervisor, and you will get a call by {day}.",
    "Right, thank you.",
    "Is there anything else I can do for you today?",
    "Let me put you on a short hold while I check with the workshop.",
    "Thanks for waiting, I have an update for you.",
    "I will take care of this personally.",
    "Sure, it is {spelled}.",
    "Our workshop opens at eight, so the earliest slot is at half past eight.",
    "I understand, that must be very inconvenient.",
]
_NAMES = ["Sam", "Priya", "Daniel", "Maria", "Chen", "Olivia", "Ahmed", "Grace"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


# ---------------------------------------------------------------------------------------------
# The synthesised call
# ---------------------------------------------------------------------------------------------

def _fill(template: str, rng: random.Random) -> str:
    name = rng.choice(_NAMES)
    return template.format(
        n=rng.choice(["ten", "twenty", "forty five"]),
        digits=" ".join(rng.choice(_DIGIT_WORDS) for _ in range(rng.randint(4, 7))),
        day=rng.choice(_DAYS),
        name=name,
        amount=rng.choice(["eighty", "one hundred and twenty", "two hundred", "three hundred and fifty"]),
        spelled=" ".join(name.upper()),
    )


def generate_script(minutes: float, seed: int = SEED) -> str:
    """A call script of about `minutes` of audio: alternating turns (sometimes two lines in a row),
    gaps mostly 0.3-1.2 s, some long pauses (2-3.5 s), some overlaps (-0.2 to -0.6 s), voices varied.

    Durations come from flite itself (cached), so overlaps are always valid and the length is right."""
    from coach_app.synth.flite import SAMPLE_RATE, render_text

    rng = random.Random(seed)
    target = minutes * 60.0
    end = 1.0
    rows = [f"# generated by bench/engine_speed.py (version {SCRIPT_VERSION}, seed {seed}, {minutes:g} min)"]
    speaker = "customer"
    speech_end = 0.0
    prev_dur = 0.0
    prev_overlapped = True  # the first line cannot overlap
    first = True
    while speech_end + end < target:
        if not first and rng.random() > 0.12:  # usually the other party speaks next
            speaker = "agent" if speaker == "customer" else "customer"
        same_speaker = not first and rows[-1].startswith(speaker)
        voice = rng.choice(AGENT_VOICES if speaker == "agent" else CUSTOMER_VOICES)
        text = _fill(rng.choice(_AGENT if speaker == "agent" else _CUSTOMER), rng)
        r = rng.random()
        if first:
            gap = round(rng.uniform(0.5, 1.0), 2)
        elif r < 0.09 and not same_speaker and not prev_overlapped and prev_dur > 1.5:
            gap = -round(rng.uniform(0.2, 0.6), 2)
        elif r < 0.20:
            gap = round(rng.uniform(2.0, 3.5), 2)
        else:
            gap = round(rng.uniform(0.3, 1.2), 2)
        dur = len(render_text(text, voice, FLITE_CACHE)) / SAMPLE_RATE
        start = speech_end + gap
        speech_end = max(speech_end, start + dur)
        prev_dur, prev_overlapped, first = dur, gap < 0, False
        rows.append(f"{speaker}/{voice} {gap}: {text}")
    rows.append(f"end {end}")
    return "\n".join(rows) + "\n"


def call_paths(minutes: float) -> dict[str, Path]:
    stem = OUT_DIR / f"call_v{SCRIPT_VERSION}_{minutes:g}min"
    return {
        "script": stem.with_suffix(".call"),
        "wav16": Path(f"{stem}_16k.wav"),
        "wav8": Path(f"{stem}_8k.wav"),
        "truth": Path(f"{stem}.truth.jsonl"),
    }


def render_files(minutes: float) -> float:
    """Render the call (16 kHz and 8 kHz copies, plus script and truth). Returns the seconds it took."""
    from coach_app.synth import parse_script, render_call, write_call

    paths = call_paths(minutes)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    text = generate_script(minutes)
    paths["script"].write_text(text, encoding="utf-8")
    script = parse_script(text, source=str(paths["script"]))
    for key, rate in (("wav16", 16000), ("wav8", 8000)):
        rendered = render_call(script, sample_rate=rate, noise_db=NOISE_DB, seed=SEED, cache_dir=FLITE_CACHE)
        write_call(rendered, paths[key], paths["truth"] if rate == 16000 else None)
    return time.perf_counter() - t0


def ensure_call(minutes: float, force: bool = False) -> tuple[dict[str, Path], float]:
    """The cached call, rendered (in a child process) when missing. Returns paths and render seconds (0 if cached).

    Rendering happens in a child so this parent stays small: on Linux a child started with
    fork/vfork + exec inherits the parent's peak RSS in ru_maxrss, which would hide the phases' own."""
    paths = call_paths(minutes)
    if not force and all(p.is_file() for p in paths.values()):
        return paths, 0.0
    print(f"rendering a {minutes:g}-minute call into {OUT_DIR} ...", file=sys.stderr, flush=True)
    return paths, spawn_phase("render", None, "--minutes", str(minutes))["render_s"]


# ---------------------------------------------------------------------------------------------
# Phases: each runs in its own process (`--phase NAME --wav PATH`) and prints one JSON line
# ---------------------------------------------------------------------------------------------

def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _hwm_kb() -> int | None:
    """VmHWM from /proc (peak RSS of this process image only), to cross-check ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _phase_engine(wav: Path, with_asr: bool) -> dict:
    from coach_app.audio.wavsource import open_call
    from coach_app.engine import CallEngine
    from coach_app.events import SpeechEnded, Words
    from coach_app.prompts import default_rules
    from coach_app.settings import Settings

    factory = None
    if with_asr:
        from coach_app.asr.sphinx import SphinxFactory

        factory = SphinxFactory()
    settings = Settings()
    call = open_call(wav)
    t0 = time.perf_counter()
    engine = CallEngine(settings, factory, default_rules(settings), call.channels)
    setup_s = time.perf_counter() - t0
    rss_base = _rss_kb()

    events = []
    engine_s = 0.0
    t_start = time.perf_counter()
    for block in call.blocks():
        t0 = time.perf_counter()
        events += engine.feed(block)
        engine_s += time.perf_counter() - t0
    t0 = time.perf_counter()
    events += engine.finish()
    engine_s += time.perf_counter() - t0
    wall_s = time.perf_counter() - t_start

    ended = [e for e in events if isinstance(e, SpeechEnded)]
    finals = [e for e in events if isinstance(e, Words) and e.final]
    return {
        "audio_s": call.duration,
        "rate": call.sample_rate,
        "setup_s": setup_s,
        "engine_s": engine_s,
        "wall_s": wall_s,  # engine + reading/resampling the file, as `coach-app analyze` sees it
        "stages": dict(engine.stage_seconds),
        "engine": engine.engine_name,
        "turns": len(ended),
        "speech_s": sum(e.t - e.t_start for e in ended),
        "words": sum(len(e.text.split()) for e in finals),
        "nudges": sum(1 for e in events if type(e).__name__ == "Nudge"),
        "rss_base_kb": rss_base,
        "rss_peak_kb": _rss_kb(),
        "hwm_kb": _hwm_kb(),
    }


def _phase_decode(wav: Path, repeats: int = 3) -> dict:
    from coach_app.audio.wavsource import open_call

    call = open_call(wav)
    rss_base = _rss_kb()
    best = float("inf")
    frames = 0
    for _ in range(repeats):  # short phase: best of a few runs, so the page cache is warm for all
        t0 = time.perf_counter()
        frames = sum(len(b) for b in call.blocks())
        best = min(best, time.perf_counter() - t0)
    return {
        "audio_s": call.duration,
        "rate": call.sample_rate,
        "wall_s": best,
        "frames_out": frames,
        "rss_base_kb": rss_base,
        "rss_peak_kb": _rss_kb(),
        "hwm_kb": _hwm_kb(),
    }


def run_phase(name: str, wav: Path | None, minutes: float) -> dict:
    if name == "render":
        return {"render_s": render_files(minutes)}
    assert wav is not None
    if name == "vad":
        return _phase_engine(wav, with_asr=False)
    if name in ("full", "real"):
        return _phase_engine(wav, with_asr=True)
    if name in ("decode8", "decode16"):
        return _phase_decode(wav)
    raise SystemExit(f"unknown phase {name!r}")


def spawn_phase(name: str, wav: Path | None, *extra: str) -> dict:
    """Run one phase in a fresh interpreter, so its peak RSS is not inherited from other phases."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, *extra]
    if wav is not None:
        cmd += ["--wav", str(wav)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO))
    if proc.returncode != 0:
        raise RuntimeError(f"phase {name} failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def _x(audio_s: float, seconds: float) -> str:
    return f"{audio_s / seconds:9.1f}x" if seconds > 0 else "        inf"


def _mb(kb: int) -> str:
    return f"{kb / 1024:7.1f}"


def report(results: dict[str, dict], paths: dict[str, Path], minutes: float, render_s: float, load_start: str) -> bool:
    vad, full, dec8, dec16 = results["vad"], results["full"], results["decode8"], results["decode16"]
    real = results.get("real")
    audio = vad["audio_s"]
    truth = [json.loads(row) for row in paths["truth"].read_text(encoding="utf-8").splitlines() if row.strip()]
    truth_speech = sum(t["t1"] - t["t0"] for t in truth)

    def pv(name: str) -> str:
        try:
            from importlib.metadata import version

            return version(name)
        except Exception:
            return "?"

    out: list[str] = []
    out.append("coach_app engine speed")
    out.append(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"pocketsphinx {pv('pocketsphinx')}, webrtcvad-wheels {pv('webrtcvad-wheels')}, "
               f"load average at start {load_start}")
    out.append(f"  synthesised call: {paths['wav16'].relative_to(REPO)} ({audio:.1f} s = {audio / 60:.2f} min, "
               f"{len(truth)} lines, script speech {truth_speech:.1f} s over both channels; "
               + (f"rendered in {render_s:.1f} s)" if render_s else "cached)"))
    out.append(f"  VAD found {vad['turns']} turns, {vad['speech_s']:.1f} s of speech "
               f"({vad['speech_s'] / 60:.2f} speech min over both channels); pause nudges: {vad['nudges']}")
    out.append("")

    w = 44
    out.append(f"{'phase / stage':<{w}} {'seconds':>9} {'x real time':>11} {'peak RSS MB':>12}")
    out.append("-" * (w + 35))

    def row(label: str, secs: float, audio_s: float, rss: int | None = None) -> None:
        out.append(f"{label:<{w}} {secs:9.3f} {_x(audio_s, secs):>11} {(_mb(rss) if rss else ''):>12}")

    out.append("1. VAD + prosody + rules (recognisers=None)")
    row("   engine total (feed + finish)", vad["engine_s"], audio, vad["rss_peak_kb"])
    for stage in ("vad", "prosody", "rules"):
        row(f"     {stage}", vad["stages"][stage], audio)
    row("     framing / levels (not in a stage)", vad["engine_s"] - sum(vad["stages"].values()), audio)
    row("     vad + rules only", vad["stages"]["vad"] + vad["stages"]["rules"], audio)
    row("   with file reading (as `analyze` sees it)", vad["wall_s"], audio)

    out.append("2. Full engine, bundled PocketSphinx")
    row("   engine total (feed + finish)", full["engine_s"], audio, full["rss_peak_kb"])
    for stage in ("vad", "prosody", "asr", "rules"):
        row(f"     {stage}", full["stages"][stage], audio)
    row("     framing / levels (not in a stage)", full["engine_s"] - sum(full["stages"].values()), audio)
    row("   with file reading (as `analyze` sees it)", full["wall_s"], audio)
    row("   setup: 2 decoders + model load (once)", full["setup_s"], audio)

    out.append("3. File decode + resample, open_call().blocks()")
    row(f"   8 kHz WAV -> 16 kHz (decode + soxr HQ)", dec8["wall_s"], dec8["audio_s"], dec8["rss_peak_kb"])
    row(f"   16 kHz WAV (decode only)", dec16["wall_s"], dec16["audio_s"], dec16["rss_peak_kb"])

    if real:
        out.append(f"4. Real call, full engine ({REAL_CALL.name}, {real['audio_s']:.1f} s, {real['rate']} Hz)")
        row("   engine total (feed + finish)", real["engine_s"], real["audio_s"], real["rss_peak_kb"])
        for stage in ("vad", "prosody", "asr", "rules"):
            row(f"     {stage}", real["stages"][stage], real["audio_s"])
        row("   with file reading + resampling", real["wall_s"], real["audio_s"])
    out.append("-" * (w + 35))
    out.append("")

    asr = full["stages"]["asr"]
    speech_min = full["speech_s"] / 60
    out.append("Recogniser cost (bundled PocketSphinx, 2 channels)")
    out.append(f"  {asr / (audio / 60):.2f} s per audio minute, {asr / speech_min:.2f} s per speech minute "
               f"(speech = VAD turns summed over both channels, {full['speech_s']:.1f} s; the recogniser also "
               f"gets a 0.3 s pre-roll per turn)")
    out.append(f"  share of full-engine time: {100 * asr / full['engine_s']:.0f}%;  "
               f"{full['words']} words recognised; engine: {full['engine']}")
    if real:
        r_asr = real["stages"]["asr"]
        r_min = real["speech_s"] / 60
        out.append(f"  real call: {r_asr / (real['audio_s'] / 60):.2f} s per audio minute, "
                   f"{r_asr / r_min:.2f} s per speech minute ({real['turns']} turns, {real['speech_s']:.1f} s speech, "
                   f"{real['words']} words)")
        synth_x = audio / full["engine_s"]
        real_x = real["audio_s"] / real["engine_s"]
        out.append(f"  peer ratio, full engine x real time: synthesised {synth_x:.1f}x / real {real_x:.1f}x "
                   f"= {synth_x / real_x:.2f}")
    out.append("")

    out.append("Peak RSS per phase (ru_maxrss; each phase in a fresh interpreter; 'base' = after imports and setup;")
    out.append(f"  /proc VmHWM as a cross-check; this parent process peaked at {_mb(_rss_kb()).strip()} MB)")
    for name, label in (("vad", "VAD + prosody + rules"), ("full", "full engine (PocketSphinx)"),
                        ("decode8", "decode 8 kHz + resample"), ("decode16", "decode 16 kHz"),
                        ("real", "real call, full engine")):
        if name in results:
            r = results[name]
            hwm = f"   VmHWM {_mb(r['hwm_kb'])} MB" if r.get("hwm_kb") else ""
            out.append(f"  {label:<28} peak {_mb(r['rss_peak_kb'])} MB   base {_mb(r['rss_base_kb'])} MB{hwm}")
    out.append("")

    x_vad = audio / vad["engine_s"]
    ok = x_vad >= TARGET_X
    out.append(f"Target: VAD + rules >= {TARGET_X:g}x real time (engine without recogniser, incl. prosody): "
               f"{x_vad:.1f}x  {'PASS' if ok else 'FAIL'}")
    print("\n".join(out))
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0, help="length of the synthesised call (default 5)")
    p.add_argument("--quick", action="store_true", help="smoke run: a 1-minute call")
    p.add_argument("--strict", action="store_true", help="exit 1 if the VAD + rules target fails")
    p.add_argument("--rerender", action="store_true", help="render the synthesised call again even if cached")
    p.add_argument("--no-real", action="store_true", help="skip the real call (phase 5)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw per-phase figures here")
    p.add_argument("--phase", help=argparse.SUPPRESS)
    p.add_argument("--wav", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.phase:  # child process
        print(json.dumps(run_phase(args.phase, args.wav, args.minutes)))
        return 0

    minutes = 1.0 if args.quick else args.minutes
    if minutes <= 0:
        p.error("--minutes must be positive")
    started = time.perf_counter()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())  # other work on the machine skews every figure
    paths, render_s = ensure_call(minutes, force=args.rerender)
    plan = [("vad", paths["wav16"]), ("full", paths["wav16"]), ("decode8", paths["wav8"]), ("decode16", paths["wav16"])]
    if not args.no_real:
        if REAL_CALL.is_file():
            plan.append(("real", REAL_CALL))
        else:
            print(f"note: real call not found at {REAL_CALL}; phase 5 skipped", file=sys.stderr)
    results: dict[str, dict] = {}
    for name, wav in plan:  # one after another, never in parallel, so phases do not share CPUs
        print(f"running phase {name} ...", file=sys.stderr, flush=True)
        results[name] = spawn_phase(name, wav)
    ok = report(results, paths, minutes, render_s, load_start)
    print(f"\nbenchmark run took {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
