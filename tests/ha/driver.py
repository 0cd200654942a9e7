"""Hub processes on a PostgreSQL of the test's own, and a load that keeps what was acknowledged.

The HA tests (``make test-ha``) start the hub as it is served, with the background jobs on
(the sequencer signs the checkpoints the tests keep), and drive it from threads: every
answer is kept with its status, its time and, for a 2xx, the id of what it acknowledged.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from api.auth.dev_idp import DevIdentityProvider
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.settings import DEMO_POLICY, Settings
from hub.transactions import transaction
from tests.helpers import auth, opaque_pseudonym
from testsupport.services import Service, service

REQUEST_TIMEOUT = 30.0
"""httpx's bound: an answer slower than the test's own bound is a hang all the same."""
_subjects = itertools.count()


def create_database(admin_url: str, url: str) -> None:
    """``url``'s database, built by the migrations and seeded with the demo data."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        seed_demo(session)
    engine.dispose()


def hub_env(data: Path, url: str, **settings: str) -> dict[str, str]:
    """A hub's environment: ``data`` (its keys), ``url``, background jobs on, and
    ``settings`` as ``BETROKKEN_<NAME>`` variables."""
    return {
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_DATABASE_URL": url,
        "BETROKKEN_POLICY_FILE": str(DEMO_POLICY),
        "BETROKKEN_BACKGROUND_JOBS": "true",
        "BETROKKEN_DATABASE_TIMEOUT_SECONDS": "2",
        "BETROKKEN_AUDIT_SEQUENCER_INTERVAL_SECONDS": "0.5",
        "BETROKKEN_AUDIT_CHECKPOINT_EVERY_SECONDS": "1",
        **{f"BETROKKEN_{name.upper()}": value for name, value in settings.items()},
    }


@contextmanager
def hubs(env: dict[str, str], logs: Path, count: int) -> Iterator[list[Service]]:
    """``count`` hub processes with ``env``, stopped when done."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                service(["serve", "--without-pseudonymiser"], env=env, log=logs / f"hub{n}.log")
            )
            for n in range(count)
        ]


def run_cli(args: list[str], env: dict[str, str], *, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"betrokken {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Answer:
    kind: str  # "registration" or "check"
    started: float
    ended: float
    status: int | None  # None: no answer (a hang or a broken connection)
    acknowledged: str | None  # the flag id or the check id (its audit entry) of a 2xx
    retry_after: str | None = None
    content_type: str | None = None
    failure: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Load:
    """Registrations and checks from threads against ``urls`` in turn, until stopped."""

    urls: list[str]
    idp: DevIdentityProvider
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, *, registering: int = 2, checking: int = 2) -> None:
        for n in range(registering):
            self._spawn(f"reg{n}", self._register, n)
        for n in range(checking):
            self._spawn(f"check{n}", self._check, n)

    def stop(self) -> list[Answer]:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)
        with self._lock:
            return list(self.answers)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def _spawn(self, name: str, target: object, n: int) -> None:
        thread = threading.Thread(target=target, args=(n,), name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _register(self, n: int) -> None:
        # A member per thread and minute's worth of flags: registrations are not rate-limited.
        headers = auth(self.idp, f"ha-reg-{n}", "schuldhulp")
        for i in itertools.count():
            if self._stop.is_set():
                return
            body = {
                "subject": {"kind": "bsn", "pseudonym": opaque_pseudonym(f"ha-{n}-{i}")},
                "purpose": "schuldhulpverlening",
            }
            self._send(
                "registration",
                self.urls[i % len(self.urls)],
                "/api/v1/flags",
                headers,
                body,
                lambda b: str(b["flag"]["id"]),
            )

    def _check(self, n: int) -> None:
        # Checks are limited per member (30 a minute in the demo policy): a member per check.
        for i in itertools.count():
            if self._stop.is_set():
                return
            headers = auth(self.idp, f"ha-check-{n}-{i}", "pw-handhaving")
            body = {
                "subject": {"kind": "bsn", "pseudonym": opaque_pseudonym(f"ha-{n}-{i}")},
                "purpose": "rechtmatigheid",
                "case_ref": "PW-2026-042",
            }
            self._send(
                "check",
                self.urls[i % len(self.urls)],
                "/api/v1/involvement-checks",
                headers,
                body,
                lambda b: str(b["check_id"]),
            )

    def _send(
        self,
        kind: str,
        url: str,
        path: str,
        headers: dict[str, str],
        body: dict[str, object],
        acknowledged: object,
    ) -> None:
        started = time.monotonic()
        try:
            response = httpx.post(url + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT)
        except httpx.HTTPError as error:
            answer = Answer(kind, started, time.monotonic(), None, None, failure=repr(error))
            time.sleep(0.05)
        else:
            ended = time.monotonic()
            ok = 200 <= response.status_code < 300
            answer = Answer(
                kind,
                started,
                ended,
                response.status_code,
                acknowledged(response.json()) if ok else None,  # type: ignore[operator]
                response.headers.get("retry-after"),
                response.headers.get("content-type"),
                "" if ok else response.text[:300],
            )
            if not ok:
                time.sleep(0.05)  # a client would wait Retry-After; the test wants to see it end
        with self._lock:
            self.answers.append(answer)


def new_subject() -> str:
    return opaque_pseudonym(f"ha-subject-{next(_subjects)}")


def officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fatima", None, "privacy_officer")


def dev_idp(data: Path) -> DevIdentityProvider:
    return DevIdentityProvider.for_settings(Settings(data_dir=data))
