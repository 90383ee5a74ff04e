"""`label_emotion`: the customer voices a feeling (in words, or a voice well above their own
baseline); the agent should name it ("It sounds like you're worried about this.") before their
turn ends. Naming a feeling calms it; skipping straight to the fix makes customers repeat it."""

from __future__ import annotations

from coach_app.events import Event, Nudge, Prosody, SpeechStarted, Words
from coach_app.prompts.lexicon import Cues, Lexicon, normalise
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
        # how a label of three words or more begins ("i can" hear how…, "that must" be…)
        self._label_starts = {" ".join(p.split()[:2]) for p in self._labels.phrases if len(p.split()) >= 3}
        self._baseline: list[Prosody] = []
        self._raised = 0
        self._renewable = False  # a missed label waives the cooldown for a feeling voiced again in full

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
            if event.final and self._garbled(event):
                self.open.extra["unheard"] = True
        if (isinstance(event, SpeechStarted) and event.channel == "customer"
                and self.turns.turns["agent"] > self.open.agent_turn and self.open.confirmed):
            self._renewable = True  # the agent's turn went by without naming it
            return [self.close(event.t, "retracted" if self._unanswerable() else "missed")]
        return []

    def _unanswerable(self) -> bool:
        """Also when part of the agent's reply was too garbled to tell: a label heard as "i can
        either hot or not is" was said, and nagging a good agent costs more than one silent miss."""
        assert self.open is not None
        return super()._unanswerable() or bool(self.open.extra.get("unheard"))

    def cooling(self, t: float, words: Words) -> bool:
        """The cooldown keeps one feeling from being nagged about twice; but once the agent's turn
        went by without naming it, the feeling voiced again in full ("So it's my fault now. You lot
        are having a laugh.") is a new chance. A short answer ("催了，两回。") is not."""
        if self._renewable and words.t1 - words.t0 >= self.voice.renew_utterance_s:
            return False
        return super().cooling(t, words)

    def fire(self, t: float, suggestion: str, evidence: dict, confirmed: bool) -> Nudge:
        self._renewable = False
        return super().fire(t, suggestion, evidence, confirmed)

    def _garbled(self, words: Words) -> bool:
        """A label begun and then lost: "i can" (hear…? see how…?) followed by words the
        recogniser barely heard. Garbled words alone prove nothing: poor agents mumble too."""
        tokens = [normalise(w.text) for w in words.words]
        n = self.voice.unheard_words
        for i in range(len(tokens) - 1 - n):
            after = words.words[i + 2:i + 2 + n]
            if f"{tokens[i]} {tokens[i + 1]}" in self._label_starts and all(w.conf < self.voice.unheard_conf for w in after):
                return True
        return False

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
