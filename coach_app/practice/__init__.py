"""Practice mode: simulated customers (scenario files), the trainee's answers, a scorecard. Qt-free."""

from __future__ import annotations

from coach_app.practice.answers import Answer, load_answers, split_answers
from coach_app.practice.drill import DrillError, Moment, choose_moment, drill_from_call, drillable
from coach_app.practice.library import BUNDLED_DIR, Catalogue, catalogue, find_scenario, trainer_dir
from coach_app.practice.scenario import EMOTIONS, Scenario, ScenarioError, Step, load_scenario, parse_scenario
from coach_app.practice.session import Scorecard, StepScore, render_scorecard, run_practice

__all__ = [
    "BUNDLED_DIR", "EMOTIONS", "Answer", "Catalogue", "DrillError", "Moment", "Scenario", "ScenarioError",
    "Scorecard", "Step", "StepScore", "catalogue", "choose_moment", "drill_from_call", "drillable", "find_scenario",
    "load_answers", "load_scenario", "parse_scenario", "render_scorecard", "run_practice", "split_answers",
    "trainer_dir",
]
