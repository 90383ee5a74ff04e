"""Where scenarios come from: the bundled ones, plus any a trainer drops into data_dir()/scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach_app import paths
from coach_app.practice.scenario import Scenario, ScenarioError, load_scenario

BUNDLED_DIR = Path(__file__).resolve().parent / "scenarios"


def trainer_dir() -> Path:
    return paths.data_dir(create=False) / "scenarios"


@dataclass(frozen=True)
class Catalogue:
    scenarios: list[tuple[Scenario, str]]  # (scenario, "bundled" | "trainer")
    problems: list[str]  # files that did not load; the rest are still usable


def catalogue() -> Catalogue:
    """Every scenario that loads; a broken trainer file is reported, not fatal. A trainer file
    with a bundled id replaces the bundled one (trainers adapt the shipped scenarios)."""
    found: dict[str, tuple[Scenario, str]] = {}
    problems: list[str] = []
    for origin, folder in (("bundled", BUNDLED_DIR), ("trainer", trainer_dir())):
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:
                problems += exc.problems
                continue
            if scenario.id in seen:
                problems.append(f"{path}:1: id {scenario.id!r} is already used by {seen[scenario.id]}")
                continue
            seen[scenario.id] = path
            found[scenario.id] = (scenario, origin)
    return Catalogue(sorted(found.values(), key=lambda s: (s[0].language, s[0].id)), problems)


def find_scenario(name: str) -> Scenario:
    """A scenario by id, or a .toml file given by path. Raises ScenarioError."""
    path = Path(name)
    if name.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise ScenarioError([f"{path}: no such scenario file"])
        return load_scenario(path)
    cat = catalogue()
    for scenario, _ in cat.scenarios:
        if scenario.id == name:
            return scenario
    ids = ", ".join(s.id for s, _ in cat.scenarios)
    raise ScenarioError([f"no scenario {name!r} (have: {ids}; see coach-app practice --list)"])
