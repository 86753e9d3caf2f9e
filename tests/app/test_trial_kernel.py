"""The app says why its first Monte-Carlo run waits: the trial kernel is being compiled."""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st
from apphelpers import assert_clean, fresh_app

from comp_sim import api
from comp_sim.app import inputs


def spinner_recorder(monkeypatch) -> list[str]:
    shown: list[str] = []

    @contextmanager
    def spinner(text, **_):
        shown.append(text)
        yield

    monkeypatch.setattr(st, "spinner", spinner)
    return shown


def test_the_first_monte_carlo_run_shows_a_spinner_while_the_kernel_compiles(monkeypatch):
    shown = spinner_recorder(monkeypatch)
    monkeypatch.setattr(api, "kernel_ready", lambda: False)  # as in a fresh process
    at = fresh_app()  # the default run draws Monte-Carlo trials
    assert_clean(at)
    assert shown.count(inputs.KERNEL_SPINNER) == 1
    assert "compiles it" in inputs.KERNEL_SPINNER and "once" in inputs.KERNEL_SPINNER


def test_no_kernel_spinner_once_it_is_ready_or_when_replaying_history(monkeypatch):
    api.prepare_kernel()
    assert api.kernel_ready()
    shown = spinner_recorder(monkeypatch)
    at = fresh_app()
    assert_clean(at)
    monkeypatch.setattr(api, "kernel_ready", lambda: False)
    at.sidebar.number_input(key="trials").set_value(1)
    at.run()
    assert_clean(at)
    assert inputs.KERNEL_SPINNER not in shown
