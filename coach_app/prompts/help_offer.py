"""`help_offer`: the customer states a problem; within their next turn or two the agent should give
an assurance ("Let me help you with that."). It tells the customer they have reached the right
person before any questions start. One problem, one nudge: for a minute and a half after the agent
takes a problem on (even one the rule did not hear) or lets it pass, what the customer adds ("this
is the third time I've called", "nobody told me that") is more of the same problem, unless they mark
a new one ("I also saw a payment I did not make"); the same words said again later ("Declined, code
zero five" after "my card was declined") are the same problem. Before any problem is heard, a feeling
in the customer's opening turns ("I am absolutely furious…") voices one, and so does a long opening
turn that asks for nothing: the reason for the call, when its words were misheard. Such a guess
gives way to the problem itself when that is then said: taken back, and nudged where it was said.
Once a problem was raised, a long turn that opens by marking a new matter ("And the other thing…")
tells of another problem, even misheard.
An agent who asks "What's the issue?" heard no problem yet: the nudge is taken back, and the
customer's answer tells the reason for the call as an opening turn does. An agent who grants a
request ("Of course. First you…") in reply to a guess from length shows the opening asked for
something: the guess is taken back."""

from __future__ import annotations

from coach_app.events import Event, Nudge, NudgeResolved, SpeechStarted, Words
from coach_app.prompts.lexicon import Cues, Lexicon, normalise
from coach_app.prompts.spotting import Spot
from coach_app.prompts.word_rule import WordRule
from coach_app.settings import HelpOfferSettings

AGENT_TURNS = 2
INVITATION_MAX_S = 2.5  # longer, and the agent said more than "go on"
REQUEST_MIN_S = 2.0  # an opening turn this long that asks for something says what the call is about
NEW_MATTER_MIN_S = 3.0  # "Also, …" this long after a problem was raised tells of another one
ECHO_WORDS = 3  # …even after a few words echoing the agent ("Fine. Also, …", "In due course. Right. And while I've got you…")
OPENING_TURNS = 2  # the customer's first turns give the reason for the call: a feeling there voices the problem


class HelpOfferRule(WordRule):
    kind = "help_offer"
    priority = 70
    listens_to = "customer"

    def __init__(self, settings: HelpOfferSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self._taken_on_at: float | None = None  # when the agent last gave an assurance
        self._problems = lexicon.cues(self.kind, "problems")
        self._assurances = lexicon.cues(self.kind, "assurances")
        self._raised: set[str] = set()  # the problems already nudged about, as heard
        self._new_openers = lexicon.phrases(self.kind, "new_problem_openers")  # "And the other thing. …"
        self._new_problem = lexicon.cues(self.kind, "new_problem") + Cues(self._new_openers)  # …or anywhere: "I also saw…"
        self._not_problems = lexicon.cues(self.kind, "problems_exceptions")
        self._same_problem_s = getattr(settings, "same_problem_s", HelpOfferSettings.same_problem_s)
        self._unanswered_at: float | None = None  # when the last problem the agent let pass was raised
        self._asks = lexicon.cues(self.kind, "opening_requests")  # an opening turn that asks for something
        self._opening_turn_s = getattr(settings, "opening_turn_s", HelpOfferSettings.opening_turn_s)
        self._feelings = lexicon.feeling_cues()  # before any problem is heard, a feeling voices one ("I am absolutely furious…")
        self._guessed = False  # the last detection came from the opening turn alone, not a problem's words
        self._story = False  # …and from a long opening turn's length, not from a feeling in it
        self._by_length = False  # …or from a long turn's length and place (a story, a new matter), not its words
        self._invitations = lexicon.cues(self.kind, "invitations")  # "Go on.": not the agent's reply to it
        self._asks_for_problem = lexicon.cues(self.kind, "asks_for_problem")  # "What's the issue?"
        self._repeat_contacts = lexicon.cues(self.kind, "repeat_contacts")  # "third time I call you"
        self._asked_at_turn: int | None = None  # the customer's turn count when the agent asked for the problem
        self._requested = False  # the customer's opening asked for something: no problem to guess
        self._heard = 0  # problems nudged about and not taken back because the agent asked what the problem was
        self._fillers = lexicon.phrases("pause", "opener_fillers")
        self._acknowledgements = lexicon.phrases(self.kind, "request_acknowledgements")  # "Of course." to a request

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        spot = self.spotter.find(words, self._problems, trigger=True)
        self._guessed = spot is None  # from the opening turn alone: the problem itself may follow
        self._story = False
        if spot is None and self._opening() and self._telling_reason():
            spot = self.spotter.find(words, self._feelings, trigger=True)  # (the problem itself may be worded past the lexicon, or misheard)
        marked = spot is None and self._new_matter(words)
        self._by_length = False
        if spot is None and (marked or self._reason_for_call(words)):
            # the answer to "What can I do for you?" is the problem, however it was heard; a first
            # turn may be the story before it
            answer = marked or self._asked_at_turn == self.turns.turns["customer"] - 1
            self._story, self._guessed, self._by_length = not answer, not answer, True
            last = words.words[-1] if words.words else None
            spot = Spot(last.text if last else words.text, words.t1, last.conf if last else 1.0)
        if spot is None or self.spotter.find(words, self._not_problems, trigger=True) is not None:
            return None
        if self.open is None and not self._by_length and normalise(spot.phrase) in self._raised:  # (an open nudge is being confirmed)
            return None
        if ((self._details(spot.t) or self._more_of_the_same(spot.t)) and not marked
                and self.spotter.find(words, self._new_problem, trigger=True) is None):
            return None
        return spot, self.lexicon.text(self.kind, "suggestion"), {}

    def _more_of_the_same(self, t: float) -> bool:
        """Still talking about the problem the agent let pass a moment ago."""
        return self._unanswered_at is not None and t - self._unanswered_at < self._same_problem_s

    def close(self, t: float, outcome: str) -> NudgeResolved:
        assert self.open is not None
        self._unanswered_at = self.open.nudge.t if outcome == "missed" else None
        return super().close(t, outcome)

    def fire(self, t: float, suggestion: str, evidence: dict, confirmed: bool) -> Nudge:
        self._heard += 1
        if not self._by_length:  # a guess's last word is no problem to recognise when said again
            self._raised.add(normalise(evidence["heard"]))
        nudge = super().fire(t, suggestion, evidence, confirmed)
        assert self.open is not None
        self.open.extra["guessed"] = self._guessed
        self.open.extra["story"] = self._story
        self.open.extra["by_length"] = self._by_length
        self.open.extra["customer_turn"] = self.turns.turns["customer"]
        return nudge

    def on_event(self, event: Event) -> list[Event]:
        out = super().on_event(event)
        if (isinstance(event, Words) and event.channel == "customer" and event.final and self.open is not None
                and not self.open.extra.get("story") and self.open.extra["customer_turn"] == self.turns.turns["customer"]):
            self._raised |= self._said_problems(event)  # "…and nobody came" said again is the same problem
        if isinstance(event, Words) and event.channel == "agent" and event.final:
            if self.open is None and self.spotter.find(event, self._assurances) is not None:
                self._taken_on_at = event.t1  # unprompted (a problem the rule did not hear)
            elif self._taken_on_at is None and self.spotter.find(event, self._asks_for_problem) is not None:
                out += self._asked_for_problem(event)
        return out

    def _asked_for_problem(self, words: Words) -> list[Event]:
        """The agent asks what the problem is: whatever the rule took for one was not (a story that
        has not reached it yet, "I filled in the form to cancel and was told that was done")."""
        self._asked_at_turn = self.turns.turns["customer"]
        return [] if self.open is None else self._take_back(words.t1)

    def _take_back(self, t: float) -> list[Event]:
        """The open nudge was no problem after all: retracted, and not counted as one raised."""
        assert self.open is not None
        self._heard -= 1
        self._raised.discard(normalise(self.open.nudge.evidence["heard"]))
        self._last_fired = float("-inf")  # the cooldown of a nudge taken back must not hide the real problem
        return [self.close(t, "retracted")]

    def react(self, event: Event) -> list[Event]:
        assert self.open is not None
        if isinstance(event, Words) and event.channel == "customer" and event.final and self.open.extra.get("guessed"):
            restated = self._stated(event)
            if restated:
                return restated
            if "due" in self.open.extra:
                return [self.close(self.open.extra["due"], "missed")]
            self._told_in_full(event)
        if isinstance(event, Words) and event.channel == "agent":
            spot = self.spotter.find(event, self._assurances)
            if spot is not None:
                self._taken_on_at = spot.t
                return [self.close(spot.t, "satisfied")]
            if event.final and self._grants_request(event):
                self._requested = True  # the opening asked for something: no problem to guess after it
                return self._take_back(event.t1)
            if event.final and self._invites(event):
                self.open.agent_turn += 1  # the customer was asked to go on: this turn was theirs
        if (isinstance(event, SpeechStarted) and event.channel == "customer" and self.open.confirmed
                and self.turns.turns["agent"] >= self.open.agent_turn + AGENT_TURNS and "due" not in self.open.extra):
            if self.open.extra.get("story"):  # the story first, the problem after the agent's questions: hear this turn out
                self.open.extra["due"] = event.t
                return []
            return [self.close(event.t, "missed")]
        return []

    def _grants_request(self, words: Words) -> bool:
        """The agent's first reply to a guess from the opening turn's length opens by granting a
        request ("Of course. First you…"): the misheard opening asked for something."""
        assert self.open is not None
        if not (self.open.extra.get("by_length") and self._heard == 1 and self._taken_on_at is None
                and self.turns.turns["agent"] == self.open.agent_turn + 1):
            return False
        return self.lexicon.opening_after_fillers(normalise(words.text), self._acknowledgements, self._fillers) is not None

    def _invites(self, words: Words) -> bool:
        """The agent's whole turn is an invitation to go on ("Go on.", "That's fine, take your time.")."""
        return (words.t1 - words.t0 <= INVITATION_MAX_S and not self.turns.speaking["customer"]
                and self.spotter.find(words, self._invitations) is not None)

    def _told_in_full(self, words: Words) -> None:
        """A guess from the opening turn: the agent's reply to it is often "take your time, what does
        the letter say?", and the problem itself comes in the customer's next turn, a long one however
        it is worded (not an answer such as a postcode). The agent's next turn or two count from there."""
        assert self.open is not None
        if (self.turns.turns["customer"] == self.open.extra["customer_turn"] + 1
                and words.t1 - words.t0 >= self._opening_turn_s):
            self.open.agent_turn = self.turns.turns["agent"]

    def _stated(self, words: Words) -> list[Event]:
        """A nudge guessed from the opening turn ("my husband is seventy six, we came by bus…"), and
        now the problem itself: the guess is taken back and the problem nudged where it was said, so
        the agent's next turn or two count from there and the review shows the real moment."""
        hit = self.detect(words)
        if hit is None or self._guessed:
            return []
        spot, suggestion, evidence = hit
        if self.spotter.find(words, self._repeat_contacts) == spot:  # "this is the third time I call": still the same one
            return []
        guess = self.close(spot.t, "retracted")
        return [guess, self.fire(spot.t, suggestion, {"heard": spot.phrase, "conf": spot.conf, **evidence}, confirmed=True)]

    def _opening(self) -> bool:
        """No problem raised or taken on yet, but for the nudge its final words are now confirming."""
        confirming = self.open is not None and not self.open.confirmed
        return self._heard == (1 if confirming else 0) and self._taken_on_at is None

    def _telling_reason(self) -> bool:
        """The customer's opening turns, or their answer to "What's the issue?": the reason for the call."""
        customer = self.turns.turns["customer"]
        return customer <= OPENING_TURNS or (self._asked_at_turn is not None and customer == self._asked_at_turn + 1)

    def _reason_for_call(self, words: Words) -> bool:
        """The customer's long opening turn asks for nothing: it is telling of a problem, even one
        the recogniser misheard ("there's a birthmark on the sleeve") or worded past the lexicon."""
        if not words.final or not self._opening() or not self._telling_reason() or self._requested:
            return False
        if self.lexicon.mentions(normalise(words.text), self._asks):
            # "I'd like to ask about the toddler room": what follows is the request's detail (not "Hello, yes please")
            self._requested = words.t1 - words.t0 >= REQUEST_MIN_S
            return False
        return words.t1 - words.t0 >= self._opening_turn_s

    def _new_matter(self, words: Words) -> bool:
        """A long turn that opens by marking a new matter, once a problem was raised: another problem,
        however its words were heard ("And while I'm on, the groomer caught her ear…" heard as "the
        group of companies"), unless it asks for something ("Also, what time do you close?")."""
        if not words.final or words.t1 - words.t0 < NEW_MATTER_MIN_S or (self._heard == 0 and self._taken_on_at is None):
            return False
        said = normalise(words.text)
        tokens = said.split() if self.lexicon.language != "zh" else [said]
        for skip in range(min(ECHO_WORDS, len(tokens)) + 1):  # after an echo: "Soon. Right. And I've just noticed…"
            rest = self.lexicon.after_fillers(" ".join(tokens[skip:]), self._fillers)[-1]
            marker = self.lexicon.opening(rest, self._new_openers)
            if marker is not None:
                if self.lexicon.mentions(rest[len(marker):], self._asks):  # (the "Thanks." before it asks nothing)
                    return False
                spoken = len(tokens) - len(rest.split()) + len(marker.split())
                confs = [w.conf for w in words.words[:spoken]] or [1.0]  # (a transcript: as written)
                return sum(confs) / len(confs) >= self.spotter.min_phrase_conf
        return False

    def _said_problems(self, words: Words) -> set[str]:
        """Every problem the turn names (whatever the confidence), as the spotter would name it."""
        return {normalise(f) for f in self.lexicon.mentioned(normalise(words.text), self._problems)}

    def _details(self, t: float) -> bool:
        """Said while the problem the agent took on is still being talked about ("The email never
        came, and now…" after "Let me sort that out")."""
        return self._taken_on_at is not None and t - self._taken_on_at < self._same_problem_s
