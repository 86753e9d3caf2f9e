"""Fixtures for the app tests (helpers are in apphelpers.py)."""

from __future__ import annotations

import pytest
from apphelpers import fresh_app
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app() -> AppTest:
    """The app after its first run, on the Compare plans page with the defaults."""
    return fresh_app()
