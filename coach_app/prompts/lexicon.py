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

from coach_app.settings import LANGUAGES


# (section, key) of the phrase lists the word rules match (emotions come from their own tables)
SPOKEN = (("pause", "empathy_openers"), ("label_emotion", "labels"), ("help_offer", "problems"),
          ("help_offer", "assurances"), ("timeframe", "vague"), ("why_question", "phrases"),
          ("hollow_apology", "phrases"), ("closing", "phrases"))


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

    @property
    def where(self) -> str:
        return f"lexicon/{self.language}.toml"

    def phrases(self, section: str, key: str) -> tuple[str, ...]:
        return tuple(normalise(p) for p in self._strings(section, key, self._get(section, key)))

    def emotions(self) -> dict[str, tuple[tuple[str, ...], str]]:
        """emotion -> (phrases that voice it, what the agent could say)."""
        table = self._get("label_emotion", "emotions")
        if not isinstance(table, dict) or not table:
            raise LexiconError(f"{self.where}: [label_emotion.emotions.NAME] tables are missing")
        found = {}
        for name, entry in table.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("say"), str):
                raise LexiconError(f"{self.where}: [label_emotion.emotions.{name}] needs `words` and `say`")
            words = self._strings(f"label_emotion.emotions.{name}", "words", entry.get("words"))
            found[name] = (tuple(normalise(w) for w in words), entry["say"])
        return found

    def spoken_phrases(self) -> tuple[str, ...]:
        """Every phrase a word rule acts on (triggers and what resolves them), once each: the hints a
        recogniser can listen for (backchannels and regular expressions are not phrases)."""
        found = [p for section, key in SPOKEN for p in self.phrases(section, key)]
        found += [p for phrases, _ in self.emotions().values() for p in phrases]
        return tuple(dict.fromkeys(found))

    def patterns(self, section: str, key: str) -> tuple[str, ...]:
        found = self._strings(section, key, self._get(section, key))
        for p in found:
            try:
                re.compile(p)
            except re.error as exc:
                raise LexiconError(f"{self.where}: [{section}] {key}: bad pattern {p!r} ({exc})") from exc
        return found

    def text(self, section: str, key: str) -> str:
        value = self._get(section, key)
        if not isinstance(value, str):
            raise LexiconError(f"{self.where}: [{section}] {key} must be a string")
        return value

    def _get(self, section: str, key: str) -> object:
        try:
            return self.data[section][key]
        except (KeyError, TypeError):
            raise LexiconError(f"{self.where}: missing `{key}` in [{section}]") from None

    def _strings(self, section: str, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LexiconError(f"{self.where}: [{section}] {key} must be a list of strings")
        return tuple(value)

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
