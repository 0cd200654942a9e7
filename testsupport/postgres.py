"""PostgreSQL 15 clusters for the tests and the benchmark, run as an unprivileged user.

PostgreSQL refuses to run as root: as root, the cluster runs as ``postgres`` (through
``runuser``) and its directory is handed to that user; otherwise as the current user.
A cluster listens on a free port of 127.0.0.1, its socket and log in its own directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from testsupport.net import free_port, wait_listening
from testsupport.services import children

PG_BIN = Path(os.environ.get("BETROKKEN_PG_BIN", "/usr/lib/postgresql/15/bin"))

# The tests' server: fast, nothing survives it.
THROWAWAY_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "max_connections": "200",
}


def pg_user() -> str:
    return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def run_as(user: str, argv: list[str]) -> None:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, text=True)


class PostgresCluster:
    """A cluster in ``root/data`` (created on first start, kept otherwise) with ``settings``
    given to the server; ``sync=False`` skips initdb's fsync, for clusters thrown away."""

    def __init__(self, root: Path, settings: Mapping[str, str], *, sync: bool = True) -> None:
        self.root = root
        self.data = root / "data"
        self.settings = dict(settings)
        self.sync = sync
        self.user = pg_user()
        self.port = 0

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: run `make setup`")
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        self.port = self.port or free_port()  # started again: on the same port
        options = f"-p {self.port} -k {self.root} " + " ".join(
            f"-c {name}={value}" for name, value in self.settings.items()
        )
        log = str(self.root / "postgres.log")
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log]
        run_as(self.user, [*pg_ctl, "-w", "-t", "120", "start"])
        wait_listening(self.port, timeout=30)

    def stop(self, *, mode: str = "fast") -> None:
        """``pg_ctl stop`` in ``mode`` (``fast``, or ``immediate`` when nothing needs keeping)."""
        run_as(self.user, [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"])

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The postmaster and every process it started stopped (``SIGSTOP``) until the end.

        Backends call ``setsid()``, so the postmaster's process group alone leaves them
        answering: each is stopped by its id, the postmaster first so it forks no more.
        """
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        processes = [postmaster]
        try:
            os.kill(postmaster, signal.SIGSTOP)
            for child in children(postmaster):
                with suppress(ProcessLookupError):  # it ended meanwhile
                    os.kill(child, signal.SIGSTOP)
                    processes.append(child)
            yield
        finally:
            for process in processes:
                with suppress(ProcessLookupError):
                    os.kill(process, signal.SIGCONT)

    def _initdb(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user]
        run_as(self.user, [*initdb, "-E", "UTF8", *([] if self.sync else ["--no-sync"])])


@contextmanager
def throwaway_postgres() -> Iterator[PostgresCluster]:
    """A cluster in a new temporary directory, without fsync, removed when done."""
    root = Path(tempfile.mkdtemp(prefix="betrokken-pg-"))
    try:
        cluster = PostgresCluster(root, THROWAWAY_SETTINGS, sync=False)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop(mode="immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
