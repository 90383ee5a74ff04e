"""Shared test fixtures. `render` turns call-script text into a WAV plus ground truth."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # Qt tests must run without a display; set before any Qt import

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from coach_app.synth import TruthLine, parse_script, render_call, write_call  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RenderFn = Callable[..., tuple[Path, list[TruthLine]]]


def render_script(
    text: str,
    tmp_path: Path,
    rate: int = 16000,
    *,
    noise_db: float | None = None,
    seed: int = 0,
    cache_dir: Path | None = None,
    name: str = "call",
) -> tuple[Path, list[TruthLine]]:
    """Render script text to `tmp_path/NAME.wav` (+ `NAME.truth.jsonl`); returns (wav path, truth)."""
    rendered = render_call(parse_script(text, source=f"<{name}>"), sample_rate=rate, noise_db=noise_db, seed=seed, cache_dir=cache_dir)
    wav = tmp_path / f"{name}.wav"
    write_call(rendered, wav, tmp_path / f"{name}.truth.jsonl")
    return wav, rendered.truth


@pytest.fixture(scope="session")
def flite_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache per test run, so each (voice, text) is synthesised once."""
    return tmp_path_factory.mktemp("flite-cache")


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory, flite_cache: Path) -> RenderFn:
    """`render(text, rate=16000, noise_db=None, seed=0) -> (wav_path, truth)`, each call in a fresh dir."""

    def _render(text: str, rate: int = 16000, **kwargs: object) -> tuple[Path, list[TruthLine]]:
        return render_script(text, tmp_path_factory.mktemp("call"), rate, cache_dir=flite_cache, **kwargs)  # type: ignore[arg-type]

    return _render


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir: no test reads or writes the real user's files or models."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COACH_APP_HOME", str(home))
    return home


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`coach-app ARGV` in-process; returns (exit code, stdout, stderr)."""
    from coach_app.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
