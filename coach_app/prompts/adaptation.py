"""The agent's "not helpful" marks teach the coach: a kind marked again and again gets a stricter
threshold for that agent. Shown in `coach-app settings` and undone with `--forget-feedback KIND`.
No vendor does this; agents switch off coaches that nag."""

from __future__ import annotations

from dataclasses import replace

from coach_app.settings import RuleSettings, Settings

COOLDOWN_FACTOR = 3.0
CONF_STEP = 0.2


def quieter(settings: Settings, not_helpful: dict[str, int]) -> tuple[Settings, dict[str, str]]:
    """Stricter settings for the kinds the agent keeps marking, and a plain sentence for each."""
    fatigue = settings.fatigue
    if not fatigue.learn_from_feedback:
        return settings, {}
    changed: dict[str, str] = {}
    for kind, marks in sorted(not_helpful.items()):
        if marks < fatigue.quieter_after or not hasattr(settings, kind):
            continue
        current = getattr(settings, kind)
        if kind == "pause":
            stricter = replace(current, long_turn_s=current.long_turn_s * 1.6, cooldown_s=current.cooldown_s * COOLDOWN_FACTOR)
            how = f"only after customer turns of {stricter.long_turn_s:.0f} s or a stated problem or feeling"
        elif kind == "monologue":
            stricter = replace(current, max_s=current.max_s + 20.0)
            how = f"only after {stricter.max_s:.0f} s of talk"
        elif isinstance(current, RuleSettings):
            stricter = replace(current, cooldown_s=current.cooldown_s * COOLDOWN_FACTOR,
                               min_word_conf=min(0.9, current.min_word_conf + CONF_STEP))
            how = "only on words the recogniser is very sure of"
        else:
            continue
        settings = replace(settings, **{kind: stricter})
        changed[kind] = (f"{kind}: marked not helpful {marks} times in your last {fatigue.feedback_calls} calls, "
                         f"so quieter ({how}, at most every {stricter.cooldown_s:.0f} s)")
    return settings, changed
