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
class Cues:
    """What a rule listens for: fixed phrases, and regular expressions for what phrases cannot list
    ("taken eighty nine pounds off my card", "hasn't even arrived"). Both are spotted the same way,
    with the confidence of the words they span."""

    phrases: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    def __add__(self, other: Cues) -> Cues:
        return Cues(self.phrases + other.phrases, self.patterns + other.patterns)


@dataclass(frozen=True)
class Lexicon:
    language: str
    data: dict
    source: str = ""  # the file's text, so a bad entry is reported with its line

    @property
    def where(self) -> str:
        return f"lexicon/{self.language}.toml"

    def phrases(self, section: str, key: str) -> tuple[str, ...]:
        return tuple(normalise(p) for p in self._strings(section, key, self._get(section, key)))

    def cues(self, section: str, key: str) -> Cues:
        """The phrases of `key` and, when the section has them, the regular expressions of `key_patterns`."""
        phrases = self.phrases(section, key)  # a missing section is reported here
        return Cues(phrases, self._compiled(section, f"{key}_patterns", self.data[section].get(f"{key}_patterns", [])))

    def emotion_cues(self) -> dict[str, tuple[Cues, str]]:
        """emotion -> (phrases and patterns that voice it, what the agent could say)."""
        emotions = self.emotions()  # a missing or broken table is reported here
        table = self.data["label_emotion"]["emotions"]
        return {name: (Cues(phrases, self._compiled(f"label_emotion.emotions.{name}", "patterns",
                                                     table[name].get("patterns", []))), say)
                for name, (phrases, say) in emotions.items()}

    def feeling_cues(self) -> Cues:
        """Every emotion's phrases and patterns together: any feeling at all."""
        found = Cues()
        for cues, _ in self.emotion_cues().values():
            found += cues
        return found

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
        self._compiled(section, key, list(found))
        return found

    def _compiled(self, section: str, key: str, value: object) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for p in self._strings(section, key, value):
            try:
                compiled.append(re.compile(p))
            except re.error as exc:
                raise LexiconError(f"{self._at(p)}: [{section}] {key}: bad pattern {p!r} ({exc})") from exc
        return tuple(compiled)

    def _at(self, needle: str) -> str:
        """`lexicon/en.toml, line N` where the file's text shows `needle`, else just the file."""
        for number, line in enumerate(self.source.splitlines(), 1):
            if needle and needle.replace("\\", "\\\\") in line:
                return f"{self.where}, line {number}"
        return self.where

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
            raise LexiconError(f"{self._at(key + ' =')}: [{section}] {key} must be a list of strings")
        return tuple(value)

    def starts_with_any(self, text: str, section: str, key: str) -> str | None:
        return self.opening(normalise(text), self.phrases(section, key))

    def opening(self, said: str, phrases: tuple[str, ...]) -> str | None:
        """The phrase `said` (normalised) opens with, or None: whole words in English, characters in Chinese."""
        for phrase in phrases:
            if said == phrase or said.startswith(phrase + " ") or (self.language == "zh" and said.startswith(phrase)):
                return phrase
        return None

    def after_fillers(self, said: str, fillers: tuple[str, ...]) -> list[str]:
        """`said` (normalised), and without each leading filler in turn ("oh well i'm so sorry" ->
        "well i'm so sorry" -> "i'm so sorry")."""
        found = [said]
        while (filler := self.opening(found[-1], fillers)) and len(filler) < len(found[-1]):
            found.append(found[-1][len(filler):].lstrip())
        return found

    def opening_after_fillers(self, said: str, phrases: tuple[str, ...], fillers: tuple[str, ...]) -> str | None:
        """The phrase `said` (normalised) opens with, before or after its leading fillers ("oh well
        of course…" opens with "of course"), or None."""
        return next((found for stage in self.after_fillers(said, fillers)
                     if (found := self.opening(stage, phrases)) is not None), None)

    def mentions(self, said: str, cues: Cues) -> bool:
        """`said` (normalised) holds one of the phrases (whole words in English, characters in
        Chinese) or matches one of the patterns; unlike the spotter, whatever the confidence."""
        return any(self._holds(said, phrase) for phrase in cues.phrases) or any(p.search(said) for p in cues.patterns)

    def mentioned(self, said: str, cues: Cues) -> set[str]:
        """Each phrase `said` holds and each pattern's match in it, as `mentions` finds them."""
        found = {phrase for phrase in cues.phrases if self._holds(said, phrase)}
        return found | {m.group(0) for p in cues.patterns for m in p.finditer(said)}

    def _holds(self, said: str, phrase: str) -> bool:
        return phrase in said if self.language == "zh" else f" {phrase} " in f" {said} "


def load_lexicon(language: str) -> Lexicon:
    if language not in LANGUAGES:
        raise LexiconError(f"no lexicon for language '{language}' (available: {', '.join(LANGUAGES)})")
    raw = resources.files("coach_app.prompts").joinpath("lexicon", f"{language}.toml").read_text("utf-8")
    try:
        return Lexicon(language, tomllib.loads(raw), raw)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon/{language}.toml: {exc}") from exc
