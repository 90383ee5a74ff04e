"""Store fixtures: every database and library is closed by its fixture, even when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from coach_app.store.db import open_db
from coach_app.store.library import Library


@pytest.fixture
def mem_db() -> Iterator[Database]:
    db = open_db(":memory:")
    yield db
    db.close()


@pytest.fixture
def library_root(private_home: Path) -> Path:
    return private_home / "library"


@pytest.fixture
def library(library_root: Path) -> Iterator[Library]:
    lib = Library(library_root)
    yield lib
    lib.close()
