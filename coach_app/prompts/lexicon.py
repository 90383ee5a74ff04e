"""The words rules listen for, per language, from data files (lexicon/en.toml, lexicon/zh.toml)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LANGUAGES = ("en", "zh")


class LexiconError(ValueError):
    pass


def normalise(text: str) -> str:
    """Lower-case, apostrophes kept, other punctuation to spaces, single-spaced."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Lexicon:
    language: str
    data: dict

    def phrases(self, section: str, key: str) -> tuple[str, ...]:
        try:
            return tuple(normalise(p) for p in self.data[section][key])
        except KeyError as exc:
            raise LexiconError(f"lexicon {self.language}: missing [{section}] {key}") from exc

    def emotions(self) -> dict[str, tuple[tuple[str, ...], str]]:
        """emotion -> (phrases that voice it, what the agent could say)."""
        try:
            table = self.data["label_emotion"]["emotions"]
            return {name: (tuple(normalise(w) for w in entry["words"]), str(entry["say"])) for name, entry in table.items()}
        except (KeyError, TypeError) as exc:
            raise LexiconError(f"lexicon {self.language}: [label_emotion.emotions.*] needs `words` and `say` ({exc})") from exc

    def patterns(self, section: str, key: str) -> tuple[str, ...]:
        try:
            found = tuple(str(p) for p in self.data[section][key])
        except KeyError as exc:
            raise LexiconError(f"lexicon {self.language}: missing [{section}] {key}") from exc
        for p in found:
            try:
                re.compile(p)
            except re.error as exc:
                raise LexiconError(f"lexicon {self.language}: [{section}] {key}: bad pattern {p!r} ({exc})") from exc
        return found

    def text(self, section: str, key: str) -> str:
        try:
            return str(self.data[section][key])
        except KeyError as exc:
            raise LexiconError(f"lexicon {self.language}: missing [{section}] {key}") from exc

    def starts_with_any(self, text: str, section: str, key: str) -> str | None:
        said = normalise(text)
        for phrase in self.phrases(section, key):
            if said == phrase or said.startswith(phrase + " ") or (self.language == "zh" and said.startswith(phrase)):
                return phrase
        return None


def load_lexicon(language: str) -> Lexicon:
    if language not in LANGUAGES:
        raise LexiconError(f"no lexicon for language '{language}' (available: {', '.join(LANGUAGES)})")
    raw = resources.files("coach_app.prompts").joinpath("lexicon", f"{language}.toml").read_text("utf-8")
    try:
        return Lexicon(language, tomllib.loads(raw))
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon/{language}.toml: {exc}") from exc
