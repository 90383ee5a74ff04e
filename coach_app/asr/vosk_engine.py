"""Vosk (Kaldi) streaming recogniser: word timestamps and partials, one model shared per factory.

`vosk` is imported lazily: importing it loads libvosk, and a machine without a usable Vosk must
still start (the engine choice `auto` then falls back to the bundled recogniser).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from coach_app import paths
from coach_app.asr import models
from coach_app.asr.base import ModelMissing
from coach_app.events import Word

SAMPLE_RATE = 16000


def _is_word(token: str) -> bool:
    """False for Vosk's bracketed non-words: `[unk]`, and `[1]`, `[12]`... that some models emit."""
    return bool(token) and not (token.startswith("[") and token.endswith("]"))


def _vosk() -> Any:
    try:
        import vosk
    except (ImportError, OSError) as exc:  # OSError: libvosk.so could not be loaded
        raise ModelMissing(f"The Vosk engine is not available ({exc}). Reinstall coach_app's dependencies.") from exc
    vosk.SetLogLevel(-1)  # -1: no LOG lines; real errors still reach stderr (we capture them on load)
    return vosk


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Collect what C code writes to fd 2 (Kaldi's error text) so it can go into our message.

    Lines that are not Vosk's are written back afterwards, so other threads' output is not lost.
    """
    out: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (e.g. a windowed app): just run
        yield out
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace")
            out.append(text)
            others = "".join(ln for ln in text.splitlines(keepends=True) if "VoskAPI:" not in ln)
            if others:  # another thread's output: pass it on
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write(others)
                    sys.stderr.flush()


@contextlib.contextmanager
def _without_kaldi_dither(model_path: Path) -> Iterator[Path]:
    """The model folder to load, with Kaldi's feature dither switched off (see VoskRecogniser.feed).

    Kaldi dithers with libc rand(), so its results depend on every earlier rand() call in the
    process and a replayed call would not give the same events. We load through a temporary view
    of the model: symlinks to its parts plus a copy of conf/ whose mfcc.conf ends in --dither=0.0
    (Kaldi's config files: the last setting wins). Vosk reads everything at load, so the view is
    removed as soon as the caller's block ends, whether loading worked or not.
    """
    if not (model_path / "conf" / "mfcc.conf").is_file():
        # Features from conf/fbank.conf, or the old v1 layout (mfcc.conf at the top): none of our
        # catalogue models. Loaded as is, so Kaldi keeps its dither and runs may differ slightly.
        yield model_path
        return
    with tempfile.TemporaryDirectory(prefix="coach_app-vosk-") as tmp:  # rmtree does not follow the links
        yield _undithered_view(model_path, Path(tmp))


def _undithered_view(model_path: Path, view: Path) -> Path:
    try:
        for child in model_path.iterdir():
            if child.name != "conf":
                (view / child.name).symlink_to(child.resolve(), target_is_directory=child.is_dir())
        shutil.copytree(model_path / "conf", view / "conf")
        with (view / "conf" / "mfcc.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n--dither=0.0\n")
    except OSError:  # e.g. symlinks not allowed (Windows without developer mode): Kaldi's dither stays
        return model_path
    return view


def _load_error_reason(captured: str) -> str:
    lines = [ln.strip() for ln in captured.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("ERROR", "ASSERTION_FAILED"))]
    last = (errors or lines or ["vosk gave no reason"])[-1]
    return last.split(") ", 1)[-1] if last.startswith(("ERROR (", "ASSERTION_FAILED (")) else last


class VoskRecogniser:
    """One channel's recogniser; a fresh KaldiRecognizer per utterance keeps word times relative
    to the utterance start, which we shift by the utterance's audio time t0."""

    def __init__(self, vosk: Any, model: Any, partial_words: bool = True) -> None:
        self._vosk = vosk
        self._model = model
        self._partial_words = partial_words
        self._rec: Any = None
        self._t0 = 0.0
        self._samples = 0
        self._words: list[Word] = []  # segments Vosk already closed inside this utterance
        self._rng = np.random.default_rng(0)

    def start(self, t0: float) -> None:
        rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        if self._partial_words and hasattr(rec, "SetPartialWords"):  # added in vosk 0.3.42
            rec.SetPartialWords(True)
        self._rec, self._t0, self._samples, self._words = rec, t0, 0, []
        self._rng = np.random.default_rng(0)  # per utterance: the same audio gives the same words

    def feed(self, pcm: bytes) -> None:
        if self._rec is None:
            raise RuntimeError("VoskRecogniser.feed() before start()")
        if not pcm:
            return
        self._samples += len(pcm) // 2
        # Our own dither, replacing Kaldi's (switched off at load: it is not reproducible). Some
        # dither is needed: without it the model hears words in digital silence. +-1 LSB Gaussian.
        samples = np.frombuffer(pcm, "<i2", count=len(pcm) // 2).astype(np.float32)
        samples += self._rng.standard_normal(samples.size, dtype=np.float32)
        pcm = np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
        # True = Vosk's own endpointer closed a segment; Result() must be read now or it is lost.
        if self._rec.AcceptWaveform(pcm):
            self._words.extend(self._parse(self._rec.Result()))

    def partial(self) -> list[Word]:
        if self._rec is None:
            return []
        try:
            result = json.loads(self._rec.PartialResult())
        except ValueError:
            result = {}
        items = result.get("partial_result")
        if isinstance(items, list):  # SetPartialWords: times, but no posterior yet (conf 0 = unknown)
            current = [Word(str(w["word"]), self._at(float(w["start"])), self._at(float(w["end"])), 0.0)
                       for w in items if isinstance(w, dict) and "word" in w and _is_word(str(w["word"]))]
        else:
            now = self._at(self._samples / SAMPLE_RATE)
            current = [Word(t, now, now, 0.0) for t in str(result.get("partial", "")).split() if _is_word(t)]
        return [*self._words, *current]

    def end(self) -> list[Word]:
        if self._rec is None:
            return []
        words = self._words + self._parse(self._rec.FinalResult())
        self._rec, self._words = None, []
        return words

    def _parse(self, result_json: str) -> list[Word]:
        try:
            result = json.loads(result_json)
        except ValueError:
            return []
        items = result.get("result")
        if isinstance(items, list):
            return [
                Word(str(w["word"]), self._at(float(w["start"])), self._at(float(w["end"])),
                     round(min(1.0, max(0.0, float(w.get("conf", 1.0)))), 3))
                for w in items
                if isinstance(w, dict) and "word" in w and _is_word(str(w["word"]))
            ]
        # No per-word times (should not happen with SetWords): spread the text over what was fed.
        tokens = [t for t in str(result.get("text", "")).split() if _is_word(t)]
        if not tokens:
            return []
        span = self._samples / SAMPLE_RATE / len(tokens)
        return [Word(t, self._at(i * span), self._at((i + 1) * span)) for i, t in enumerate(tokens)]

    def _at(self, offset: float) -> float:
        # Vosk times are 30 ms frames; rounding to 1 ms drops float noise (12.879999999999999).
        return round(self._t0 + offset, 3)


class VoskFactory:
    """Loads the Vosk model in `model_path` once; `create()` gives one recogniser per channel."""

    def __init__(self, model_path: Path | str, *, partial_words: bool = True) -> None:
        self.model_path = Path(model_path)
        self.name = f"vosk ({self.model_path.name})"
        self._partial_words = partial_words
        self._vosk = _vosk()
        with _captured_stderr() as captured, _without_kaldi_dither(self.model_path) as load_path:
            try:
                model = self._vosk.Model(str(load_path))
                error: Exception | None = None
            except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
                model, error = None, exc
        if error is not None:
            # Kaldi names the files it read: point at the model, not at the view that is gone.
            reason = _load_error_reason("".join(captured)).replace(str(load_path), str(self.model_path))
            lang = models.language_of(self.model_path) or "en"
            raise ModelMissing(
                f"The Vosk model in {self.model_path} could not be loaded "
                f"({reason}); it is probably incomplete or corrupt. "
                f"Delete that folder and reinstall it with: {models.install_command(lang)}"
            ) from error
        self._model = model

    def for_live(self) -> VoskFactory:
        return self  # Vosk's C calls (cffi) release the GIL: nothing to isolate

    def create(self) -> VoskRecogniser:
        return VoskRecogniser(self._vosk, self._model, self._partial_words)


def load_vosk(language: str, models_dir: Path | None = None) -> VoskFactory:
    """The Vosk engine for `language` ("en" or "zh"), or ModelMissing saying how to get it."""
    root = models_dir if models_dir is not None else paths.models_dir()
    lang = models.normalise_language(language)
    if lang is None:
        raise ModelMissing(f"Vosk has no model for language {language!r} here; supported: en, zh.")
    path = models.find_model(lang, root)
    if path is None:
        command = models.install_command(lang)
        for entry in models.catalogue():
            partial = root / entry.dir_name
            if entry.language == lang and partial.exists():
                raise ModelMissing(
                    f"The Vosk model folder {partial} is incomplete (missing: "
                    f"{', '.join(models.missing_parts(partial))}). Delete it and reinstall with: {command}"
                )
        raise ModelMissing(f"No Vosk model for {lang!r} is installed (looked in {root}). Install one with: {command}")
    return VoskFactory(path)
