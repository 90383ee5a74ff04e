"""`label_emotion`: the customer voices a feeling (in words, or a voice well above their own
baseline); the agent should name it ("It sounds like you're worried about this.") before their
turn ends. Naming a feeling calms it; skipping straight to the fix makes customers repeat it."""

from __future__ import annotations

from coach_app.events import Event, Prosody, SpeechStarted, Words
from coach_app.prompts.lexicon import Cues, Lexicon
from coach_app.prompts.spotting import Spot
from coach_app.prompts.word_rule import WordRule
from coach_app.settings import EmotionSettings

VOICE = "raised voice"


class LabelEmotionRule(WordRule):
    kind = "label_emotion"
    priority = 80
    listens_to = "customer"

    def __init__(self, settings: EmotionSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self.voice = settings
        self._emotions = lexicon.emotion_cues()
        # Naming it: a labelling phrase, or the feeling's own words said back ("anyone would panic").
        self._labels = lexicon.cues("label_emotion", "labels")
        for cues, _ in self._emotions.values():
            self._labels += Cues(cues.phrases)
        self._baseline: list[Prosody] = []
        self._raised = 0

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        found = [(spot, name, say) for name, (phrases, say) in self._emotions.items()
                 if (spot := self.spotter.find(words, phrases, trigger=True)) is not None]
        if not found:
            return None
        spot, name, say = min(found, key=lambda f: f[0].t)
        return spot, self.lexicon.text(self.kind, "suggestion").format(phrase=say), {"emotion": name}

    def on_event(self, event: Event) -> list[Event]:
        out = super().on_event(event)
        if isinstance(event, Prosody) and event.channel == "customer" and self.open is None:
            out += self._voice(event)
        return out

    def react(self, event: Event) -> list[Event]:
        assert self.open is not None
        if isinstance(event, Words) and event.channel == "agent":
            spot = self.spotter.find(event, self._labels)
            if spot is not None:
                return [self.close(spot.t, "satisfied")]
        if (isinstance(event, SpeechStarted) and event.channel == "customer"
                and self.turns.turns["agent"] > self.open.agent_turn and self.open.confirmed):
            return [self.close(event.t, "missed")]  # the agent's turn went by without naming it
        return []

    def _voice(self, p: Prosody) -> list[Event]:
        """A voice well above the customer's own baseline, loudness and pitch together, twice running."""
        if len(self._baseline) < self.voice.baseline_windows:
            if p.pitch_hz:
                self._baseline.append(p)
            return []
        loud = sorted(b.loudness_db for b in self._baseline)[len(self._baseline) // 2]
        pitch = sorted(b.pitch_hz or 0.0 for b in self._baseline)[len(self._baseline) // 2]
        raised = (p.pitch_hz is not None and p.loudness_db >= loud + self.voice.voice_loudness_db
                  and p.pitch_hz >= pitch * self.voice.voice_pitch_ratio)
        self._raised = self._raised + 1 if raised else 0
        if self._raised < 2 or p.t - self._last_fired < self.settings.cooldown_s:
            return []
        self._raised = 0
        say = self._emotions.get("upset", next(iter(self._emotions.values())))[1]
        return [self.fire(p.t, self.lexicon.text(self.kind, "suggestion").format(phrase=say),
                          {"heard": VOICE, "loudness_db": p.loudness_db, "pitch_hz": p.pitch_hz}, confirmed=True)]
