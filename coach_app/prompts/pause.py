"""`pause`: after the customer finishes a substantive turn, wait 2 seconds before answering.

Fires at the agent's onset when the agent comes in inside the listening window or over the
customer. Only substantive turns count (a problem, a feeling, a long explanation): real
conversation is tight (in the real call 11 of 12 replies come within 2 s), and a coach that flags
every quick reply to "yes", a number or a plain question gets switched off. An agent whose first words are empathic
("I'm so sorry, let me help…") or a backchannel ("mm-hm") is listening well: the nudge is retracted.
"""

from __future__ import annotations

import re

from coach_app.events import Event, ListeningWindow, Nudge, NudgeResolved, SpeechEnded, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon, normalise
from coach_app.prompts.spotting import PhraseSpotter
from coach_app.settings import PauseSettings

KIND = "pause"
PRIORITY = 60


class PauseRule:
    kind = KIND

    def __init__(self, settings: PauseSettings, lexicon: Lexicon):
        self.settings = settings
        self.lexicon = lexicon
        self._spotter = PhraseSpotter(lexicon.language)
        self._backchannels = set(lexicon.phrases("pause", "backchannels"))
        self._factual = lexicon.patterns("pause", "factual_patterns")
        self._answer_at_once = lexicon.patterns("pause", "answer_at_once_patterns")
        self._weight = lexicon.patterns("pause", "challenges_patterns") + lexicon.patterns("pause", "stakes_patterns")
        # empathy, or taking it on with a help phrase, is good practice even when quick
        self._openers = lexicon.phrases("pause", "empathy_openers") + lexicon.phrases("help_offer", "assurances")
        self._fillers = lexicon.phrases("pause", "opener_fillers")
        self._problems = lexicon.cues("help_offer", "problems")  # a problem or a feeling makes a turn weighty
        self._not_problems = lexicon.cues("help_offer", "problems_exceptions")  # ("no wonder", "and if…?")
        self._feelings = lexicon.feeling_cues()
        self._customer_speaking = False
        self._turn_start: float | None = None  # the customer's turn began here (since the agent last spoke)
        self._turn_text: list[str] = []
        self._turn_problem = False  # a problem was voiced in this turn…
        self._turn_feeling = False  # …or a feeling (even a short turn can carry one: "I'm furious")
        self._turn_confs: list[float] = []  # how sure the recogniser was of the turn's words
        self._customer_end: float | None = None
        self._pending: Nudge | None = None  # fired, waiting for the agent's first words
        self._overlap: tuple[float, float] | None = None  # agent onset over the customer, and how long they had spoken
        self._last_fired = float("-inf")
        self._count = 0

    def on_event(self, event: Event) -> list[Event]:
        out = self._overlap_check(event)
        if isinstance(event, SpeechStarted):
            return out + self._started(event)
        if isinstance(event, SpeechEnded):
            return out + self._ended(event)
        if isinstance(event, Words) and event.final and event.channel == "customer" and self._turn_start is not None:
            self._turn_text.append(event.text)
            self._turn_confs += [w.conf for w in event.words] if event.words else [1.0]  # a transcript's words are as written
            self._turn_feeling = self._turn_feeling or self._spotter.find(event, self._feelings) is not None
            if not self._turn_feeling:  # a feeling already makes the turn substantive
                self._turn_problem = self._turn_problem or self._weighty(event.text) or (
                    self._spotter.find(event, self._problems) is not None and self._spotter.find(event, self._not_problems) is None)
            return out + self._window()
        elif isinstance(event, Words) and event.channel == "agent" and self._pending is not None:
            return out + self._judge(event)
        return out

    def finish(self, t_end: float) -> list[Event]:
        if self._pending is None:
            return []
        nudge, self._pending = self._pending, None
        return [NudgeResolved(nudge.id, t_end, "missed")]

    def _started(self, event: SpeechStarted) -> list[Event]:
        if event.channel == "customer":
            self._customer_speaking = True
            if self._turn_start is None:
                self._turn_start, self._turn_text, self._turn_confs = event.t, [], []
                self._turn_problem = self._turn_feeling = False
            return []
        if event.channel != "agent" or self._turn_start is None:
            return []
        t = event.t
        if self._customer_speaking:  # talking over: judged on how long the customer has been going
            spoken = t - self._turn_start
            if spoken >= self.settings.min_customer_turn_s and t - self._last_fired >= self.settings.cooldown_s:
                self._overlap = (t, spoken)  # shown only if the customer goes on past the grace
            return []
        elif self._customer_end is not None and t - self._customer_end < self.settings.window_s:
            spoken, gap = self._customer_end - self._turn_start, round(t - self._customer_end, 3)
            if not self._substantive(spoken):
                return []
        else:
            return []
        if t - self._last_fired < self.settings.cooldown_s:
            return []
        return [self._fire(t, gap, spoken)]

    def _overlap_check(self, event: Event) -> list[Event]:
        """Talking over the customer is judged once the grace has passed: the customer still going
        means the agent cut in; stopping within it (or a short agent "mm-hm") is ordinary turn-taking."""
        if self._overlap is None:
            return []
        onset, spoken = self._overlap
        now = event.t1 if isinstance(event, Words) else event.t
        ends_early = isinstance(event, SpeechEnded) and event.t - onset <= self.settings.overlap_grace_s
        if ends_early:
            self._overlap = None
            return []
        if now < onset + self.settings.overlap_grace_s:
            return []
        self._overlap = None
        return [self._fire(onset, None, spoken)] if self._customer_speaking else []

    def _ended(self, event: SpeechEnded) -> list[Event]:
        if event.channel == "customer":
            self._customer_speaking = False
            self._customer_end = event.t
        elif event.channel == "agent" and not self._customer_speaking:
            self._turn_start = None  # the agent took the floor; the next customer speech is a new turn
        return []

    def _window(self) -> list[Event]:
        """The customer has just finished: if the turn was substantive, the listening window opens."""
        if self._customer_speaking or self._customer_end is None or self._turn_start is None:
            return []
        if not self._substantive(self._customer_end - self._turn_start):
            return []
        end = self._customer_end
        return [ListeningWindow(end, round(end + self.settings.window_s, 3))]

    def _substantive(self, spoken: float) -> bool:
        """A problem, a feeling or a long explanation; not a short factual answer or a plain question."""
        if self._turn_feeling:
            return True
        short = spoken < self.settings.min_customer_turn_s
        if short and not self._turn_problem:
            return False
        question = bool(self._turn_text) and self._answered_at_once(self._turn_text[-1]) and not self._told_first(spoken)
        if self._turn_problem:
            return not (short and question)  # "Declined?" / "多扣的钱呢？": a follow-up question, answered at once
        text = normalise(" ".join(self._turn_text))
        if question or (text and (any(re.search(p, text) for p in self._factual) or self._is_backchannel(text))):
            return False  # a plain question wants its answer, a number its read-back: not a silence
        return spoken >= (self.settings.sure_turn_s if self._sure() else self.settings.long_turn_s)

    def _told_first(self, spoken: float) -> bool:
        """A long turn that explains first and asks last ("上回说走流程，上上回也说走流程。…钱哪天退？"):
        the question is a small part of it. Only where the text has sentences (a transcript)."""
        clauses = [p for p in re.split(r"[，,；;：:。！？!?.]", " ".join(self._turn_text)) if p.strip()]
        return spoken >= self.settings.long_turn_s and len(clauses) >= 3 and len(clauses[-1]) <= 0.3 * sum(map(len, clauses))

    def _sure(self) -> bool:
        """The recogniser was sure of the turn's words: then it is known not to be a question or a
        number, and a shorter explanation counts. On a bad line (the real call) only length does."""
        confs = self._turn_confs
        return len(confs) >= 3 and sum(confs) / len(confs) >= self.settings.sure_conf

    def _fire(self, t: float, gap: float | None, spoken: float) -> Nudge:
        self._count += 1
        self._last_fired = t
        if gap is None:
            suggestion = self.lexicon.text("pause", "suggestion_overlap")
        else:
            suggestion = self.lexicon.text("pause", "suggestion_gap").format(gap=gap)
        evidence = {"gap_s": None if gap is None else round(gap, 3), "customer_turn_s": round(spoken, 3)}
        nudge = Nudge(f"{KIND}-{self._count}", KIND, round(t, 3), self.lexicon.text("pause", "message"),
                      suggestion, evidence, PRIORITY)
        self._pending = nudge
        return nudge

    def _judge(self, words: Words) -> list[Event]:
        assert self._pending is not None
        empathic = self._opens_well(normalise(words.text))
        if not words.final and not empathic:
            return []  # an empathic partial retracts early; otherwise wait for the whole utterance
        said = normalise(words.text)
        length = words.t1 - words.t0
        short = words.final and length <= self.settings.mumble_max_s and not self._curt(words, said)
        good = empathic or short or self._is_backchannel(said)
        nudge, self._pending = self._pending, None
        return [NudgeResolved(nudge.id, words.t1, "retracted" if good else "missed")]

    def _opens_well(self, said: str) -> bool:
        """The reply opens with empathy or with a help phrase ("Let me help…", 我来帮您处理…), after any
        fillers ("Oh, I'm so sorry"). Not any action ("I'm going to send a refresh signal"):
        help_offer's wider assurance patterns are not openers."""
        return self.lexicon.opening_after_fillers(said, self._openers, self._fillers) is not None

    def _mumbled(self, words: Words) -> bool:
        """A short sound the recogniser made nothing sure of ("mm-hm" heard as "and and maid")."""
        return bool(words.words) and sum(w.conf for w in words.words) / len(words.words) < self.settings.mumble_conf

    def _curt(self, words: Words, said: str) -> bool:
        """A short reply with a word the recogniser is sure of that is not an acknowledgement
        ("Address?", "Order number?" heard as "order:0.31 number:1.00")."""
        if not said or self._is_backchannel(said):
            return False
        if not words.words:  # a transcript: its words are as written
            return True
        # one sure word is enough, if it is a word and not a short sound ("mm-hm" heard as "in a gym")
        sure = any(w.conf >= self.settings.sure_conf and (len(w.text) >= 3 or self.lexicon.language == "zh")
                   for w in words.words)
        return sure and not self._mumbled(words)

    def _answered_at_once(self, said: str) -> bool:
        """A plain question, a request or thanks. Chinese is matched as written, punctuation and all
        (a full stop after 呢 makes a statement); English on its normalised words too."""
        raw = said.strip()
        plain = normalise(raw) if self.lexicon.language != "zh" else raw
        return any(re.search(p, raw) or re.search(p, plain) for p in self._answer_at_once)

    def _weighty(self, said: str) -> bool:
        """A question that challenges rather than asks ("What's the point of it, then?", 保的是什么？)
        is a complaint, and a request with something at stake ("…otherwise I'll have to turn the job
        down") is more than a request: both want the pause as a problem does."""
        plain = normalise(said) if self.lexicon.language != "zh" else said
        return any(re.search(p, plain) for p in self._weight)

    def _is_backchannel(self, said: str) -> bool:
        tokens = said.split() if self.lexicon.language != "zh" else [said.strip("。，！？ ")]
        return 0 < len(tokens) <= 3 and (" ".join(tokens) in self._backchannels or all(w in self._backchannels for w in tokens))
