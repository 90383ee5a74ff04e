"""Every threshold in one place, overridable from one TOML file the agent can edit.

Settings are passed into constructors; nothing reads this file behind the caller's back.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


LANGUAGES = ("en", "zh")


class SettingsError(ValueError):
    """A settings file that cannot be used, with file and key in the message."""


@dataclass(frozen=True)
class VadSettings:
    frame_ms: int = 20
    aggressiveness: int = 2  # webrtcvad 0-3
    margin_db: float = 12.0  # speech must be this far above the channel's own noise floor
    edge_margin_db: float = 6.0  # weak onsets/tails next to speech: this far above the floor
    dynamic_range_db: float = 25.0  # quieter than the channel's own loud speech by this = not speech
    crosstalk_db: float = 20.0  # this much below the other channel = echo of it, not speech
    min_speech_ms: int = 120  # shorter bursts (clicks, gate pops) are not speech
    hangover_ms: int = 400  # silence shorter than this does not end a turn
    preroll_ms: int = 300  # audio handed to the recogniser from before the detected onset


@dataclass(frozen=True)
class PauseSettings:
    window_s: float = 2.0  # the listening window after the customer stops
    min_customer_turn_s: float = 1.5  # shorter customer turns ("yes", "mm-hm") need no pause…
    long_turn_s: float = 5.0  # …and a turn this long is a substantive explanation even without problem/emotion words…
    sure_turn_s: float = 3.0  # …or this long when the recogniser was sure of its words (so it is no question or number)
    sure_conf: float = 0.7  # "sure": mean word confidence of the turn (a short agent reply: of one real word) at least this
    mumble_max_s: float = 1.2  # an agent reply this short is an acknowledgement unless a real word in it was heard for sure ("Address?")…
    mumble_conf: float = 0.4  # …and the reply as a whole at least this sure (not "mm-hm" heard as "and and maid")
    overlap_grace_s: float = 0.4  # the customer finishing this soon after the agent starts is normal turn-taking
    cooldown_s: float = 8.0


@dataclass(frozen=True)
class RuleSettings:
    cooldown_s: float = 8.0  # after firing, the rule stays quiet this long (the arbiter limits the screen)
    min_word_conf: float = 0.45  # a single recognised word must be at least this sure to count


@dataclass(frozen=True)
class HelpOfferSettings(RuleSettings):
    same_problem_s: float = 90.0  # after a problem is taken on or let pass, problems this soon are the same one (unless marked new: "also…")
    opening_turn_s: float = 5.0  # a customer's opening utterance this long that asks for nothing tells of a problem


@dataclass(frozen=True)
class TimeframeSettings(RuleSettings):
    cooldown_s: float = 8.0


@dataclass(frozen=True)
class MonologueSettings:
    max_s: float = 40.0  # agent speech without the customer getting a word in
    room_s: float = 2.0  # an agent pause this long gives the customer room: the count restarts
    cooldown_s: float = 60.0


@dataclass(frozen=True)
class PaceSettings:
    """`pace`: the agent speaking fast for a sustained stretch. Off unless switched on: its threshold is
    not yet checked against real agents (the synthesised voices speak at about 200 words a minute)."""

    enabled: bool = False
    max_words_per_min: float = 180.0  # English words per minute of the agent's talk…
    max_chars_per_min_zh: float = 330.0  # …Chinese characters per minute
    window_s: float = 30.0  # judged over the agent's talk in about this much time…
    min_talk_s: float = 15.0  # …once the agent has talked at least this long in it
    breath_s: float = 1.0  # a pause this short between the agent's own utterances counts as talk time
    min_conf: float = 0.6  # mean recogniser confidence of the counted words (a misheard call is not judged)
    cooldown_s: float = 90.0


@dataclass(frozen=True)
class ClosingSettings:
    window_s: float = 60.0  # the proactive "anything else?" must come in the last minute (or last quarter)


@dataclass(frozen=True)
class EmotionSettings(RuleSettings):
    cooldown_s: float = 8.0
    voice_loudness_db: float = 8.0  # voice counts as raised this far above the customer's own baseline…
    voice_pitch_ratio: float = 1.3  # …with the pitch this much higher, for two windows in a row
    unheard_words: int = 3  # the agent began a label ("i can…") and the next this many words were barely heard…
    unheard_conf: float = 0.25  # …each below this sure: whether they named the feeling is unknown, so no `missed`
    renew_utterance_s: float = 2.0  # after a missed label, a feeling voiced again in an utterance this long fires despite the cooldown
    baseline_windows: int = 8


@dataclass(frozen=True)
class HintSettings:
    """The bundled recogniser's second opinion on the rules' phrases: a keyword spotter listens to each
    utterance for the lexicon's phrases alongside the first pass (`asr/sphinx.py`)."""

    enabled: bool = True
    kws_threshold: float = 1e-20  # the spotter reports phrases at least this likely (PocketSphinx kws_threshold)
    verified_conf: float = 0.5  # a phrase both passes heard, word for word, is at least this sure
    correct_min_words: int = 3  # a spotted phrase this long may correct one word the first pass heard differently…
    correct_score: float = 0.88  # …when the spotter's score is at least this (its detections score about 0.82-1.0)…
    unsure_conf: float = 0.5  # …and the first pass was less sure than this of its own word
    # Live calls too? The spotter costs ~8 % of a core and ~26 MB per call, which takes a live call
    # over its budget (bench/live_load.py: 21 -> 29 % CPU, 344 -> 362 MB); analysis and review use it.
    live: bool = False


@dataclass(frozen=True)
class CaptureSettings:
    """Which devices carry whom. Devices by name: indexes change when a headset is replugged."""

    agent_device: str = ""  # "" = the system's default input
    customer_device: str = ""  # "" = the customer is a channel of the agent's device (stereo headset adapter)
    agent_channel: int = 0
    customer_channel: int = -1  # -1 = automatic (1 on a shared stereo device, 0 on its own device)


@dataclass(frozen=True)
class FatigueSettings:
    max_per_10_min: int = 6  # nudges shown; beyond this the coach stays quiet (agents switch off nags)
    learn_from_feedback: bool = True  # a kind marked "not helpful" again and again gets stricter for you
    quieter_after: int = 3  # "not helpful" marks within your last `feedback_calls` calls
    feedback_calls: int = 20


@dataclass(frozen=True)
class Settings:
    language: str = "en"
    vad: VadSettings = field(default_factory=VadSettings)
    pause: PauseSettings = field(default_factory=PauseSettings)
    label_emotion: EmotionSettings = field(default_factory=EmotionSettings)
    help_offer: HelpOfferSettings = field(default_factory=HelpOfferSettings)
    timeframe: TimeframeSettings = field(default_factory=TimeframeSettings)
    why_question: RuleSettings = field(default_factory=RuleSettings)
    hollow_apology: RuleSettings = field(default_factory=RuleSettings)
    monologue: MonologueSettings = field(default_factory=MonologueSettings)
    pace: PaceSettings = field(default_factory=PaceSettings)
    closing: ClosingSettings = field(default_factory=ClosingSettings)
    fatigue: FatigueSettings = field(default_factory=FatigueSettings)
    hints: HintSettings = field(default_factory=HintSettings)
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    prosody_window_s: float = 1.0
    partial_every_s: float = 0.25  # how often word rules see the sentence so far
    retention_days: int = 0  # calls older than this are deleted at start; 0 = keep forever


def load_settings(path: Path | None) -> Settings:
    """Defaults, overridden by the sections present in `path` (missing file = defaults)."""
    settings = Settings()
    if path is None or not path.exists():
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from exc
    merged = _merge(settings, data, str(path))
    if merged.language not in LANGUAGES:
        raise SettingsError(f"{path}: 'language' must be one of {', '.join(LANGUAGES)}, got {merged.language!r}")
    return merged


def _merge(obj, data: dict, where: str):
    known = {f.name: f for f in fields(obj)}
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"{where}: unknown setting '{key}' (known: {', '.join(sorted(known))})")
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: [{key}] must be a table")
            changes[key] = _merge(current, value, f"{where} [{key}]")
        else:
            expected = type(current)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool) != isinstance(current, bool):
                raise SettingsError(f"{where}: '{key}' must be {expected.__name__}, got {value!r}")
            changes[key] = value
    return replace(obj, **changes)
