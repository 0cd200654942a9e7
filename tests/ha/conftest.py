"""Bounds for the HA tests, so that they can never hang CI: each test fails after
``TEST_LIMIT_SECONDS`` (the clusters' own waits are bounded as well), and a SIGTERM (the
``timeout`` that ``make test-ha`` runs them under) ends pytest as Ctrl-C does, so that the
fixtures still stop etcd, Patroni, PostgreSQL, HAProxy and the hubs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

TEST_LIMIT_SECONDS = 300


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}: stopping, and stopping what the tests started")


@pytest.fixture(scope="session", autouse=True)
def stop_on_sigterm() -> Iterator[None]:
    """Only while HA tests run (``make test`` collects this directory too)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(autouse=True)
def hard_limit() -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"an HA test ran past its limit of {TEST_LIMIT_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_LIMIT_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
