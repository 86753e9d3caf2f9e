"""Fixtures every test folder may use (here, beside tests/, so that the doctest run over tests/ does
not import it as a second module named conftest): a Dask cluster of two worker processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from comp_sim.engine.distributed import Cluster, open_cluster


@pytest.fixture(scope="session")
def local_cluster() -> Iterator[Cluster]:
    """``--scheduler local:2``'s cluster, started once for the session (a cluster takes seconds
    to start) and closed at its end; tests pass it as ``scheduler=`` or use its address."""
    with open_cluster("local:2") as cluster:
        yield cluster
