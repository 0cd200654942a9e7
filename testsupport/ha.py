"""A highly available PostgreSQL for the tests: etcd, Patroni nodes and HAProxy on 127.0.0.1.

Debian's ``etcd-server``, ``patroni`` and ``haproxy`` (``make test-ha`` installs them), run
as the unprivileged user PostgreSQL runs as (``testsupport.postgres.pg_user``), each on free
ports, with everything in one temporary directory. Nothing of the packages' own services or
configuration is used. Every process is started in a session of its own and stopped at the
end, killed if it must, also when the test failed; the postmasters, which Patroni starts
in sessions of their own, are stopped by their ``postmaster.pid``.

The cluster: one primary and synchronous replicas (``synchronous_mode``), so a commit is
acknowledged only once a replica has it; ``primary_start_timeout: 0`` so that a primary
whose postmaster died is failed over at once instead of restarted in place. HAProxy sends
``primary_port`` to whichever node Patroni's REST API calls the primary
(``OPTIONS /primary``), ``replica_port`` to the replicas, and closes the sessions of a node
marked down, so the hub's connections to a dead or demoted primary end at once.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from testsupport.net import free_port, wait_listening
from testsupport.postgres import PG_BIN, pg_user

PATRONI = Path("/usr/bin/patroni")
ETCD = Path("/usr/bin/etcd")
HAPROXY = Path("/usr/sbin/haproxy")
MISSING = "{} not found: run `make test-ha` (it installs patroni, etcd-server and haproxy)"


def require_binaries() -> None:
    for binary in (PATRONI, ETCD, HAPROXY, PG_BIN / "initdb"):
        if not binary.exists():
            raise RuntimeError(MISSING.format(binary))


def _as_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", pg_user(), "--", *argv] if os.geteuid() == 0 else argv


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(pg_user())
        os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class Process:
    """A process in a session of its own, its output in ``log``."""

    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(
                _as_user(self.argv),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.log.parent,
            )

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, *, timeout: float = 15.0) -> None:
        """SIGTERM to its session, SIGKILL after ``timeout``."""
        if self.popen is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with suppress(ProcessLookupError):  # anything left in its session
            os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self, characters: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


@dataclass
class PatroniNode:
    name: str
    root: Path
    pg_port: int
    api_port: int
    process: Process

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def status(self) -> dict[str, object] | None:
        """Patroni's ``GET /patroni`` of this node, or None when it does not answer."""
        try:
            with urllib.request.urlopen(f"{self.api}/patroni", timeout=1) as answer:
                return dict(json.load(answer))
        except urllib.error.HTTPError as error:  # 503 when not running: a body all the same
            with suppress(ValueError):
                return dict(json.loads(error.read()))
            return None
        except (OSError, ValueError):
            return None

    def role(self) -> str | None:
        """``primary``, ``replica`` (running and streaming or catching up), or None."""
        status = self.status()
        if status is None or status.get("state") != "running":
            return None
        role = status.get("role")
        return "primary" if role in ("master", "primary") else str(role)

    def kill_postmaster(self) -> int:
        """``kill -9`` of the postmaster; its pid."""
        pid = self.postmaster_pid()
        if pid is None:
            raise RuntimeError(f"{self.name}: no postmaster.pid")
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop_postgres(self) -> None:
        """Whatever postmaster is left once Patroni is gone."""
        pid = self.postmaster_pid()
        if pid is not None:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class HaCluster:
    """etcd, the Patroni nodes and HAProxy, once :func:`ha_cluster` has started them."""

    root: Path
    user: str
    etcd: Process
    nodes: list[PatroniNode]
    haproxy: Process
    primary_port: int
    replica_port: int
    extra_processes: list[Process] = field(default_factory=list)

    def url(self, database: str, *, port: int | None = None) -> str:
        """SQLAlchemy URL of ``database`` through HAProxy (the primary unless ``port``)."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{port or self.primary_port}/{database}"

    def node_url(self, node: PatroniNode, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{node.pg_port}/{database}"

    def primary(self) -> PatroniNode | None:
        found = [node for node in self.nodes if node.role() == "primary"]
        return found[0] if len(found) == 1 else None

    def wait_primary(self, *, timeout: float, other_than: PatroniNode | None = None) -> PatroniNode:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            primary = self.primary()
            if primary is not None and primary is not other_than:
                return primary
            time.sleep(0.1)
        raise RuntimeError(f"no primary after {timeout:.0f} s:\n{self.logs()}")

    def wait_replicas_streaming(self, *, count: int, timeout: float) -> None:
        """Until ``count`` replicas stream from the primary and one is synchronous."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            primary = self.primary()
            status = primary.status() if primary else None
            replication = (status or {}).get("replication") or []
            assert isinstance(replication, list)
            streaming = [r for r in replication if r.get("state") == "streaming"]
            synchronous = [r for r in streaming if r.get("sync_state") == "sync"]
            # Patroni fails over only to a member the DCS names synchronous, which it
            # writes a moment after PostgreSQL replicates synchronously.
            if len(streaming) >= count and synchronous and self.synchronous_in_dcs():
                return
            time.sleep(0.2)
        raise RuntimeError(f"replicas not streaming after {timeout:.0f} s:\n{self.logs()}")

    def synchronous_in_dcs(self) -> bool:
        """Whether Patroni has recorded a synchronous standby (``GET /cluster``)."""
        for node in self.nodes:
            try:
                with urllib.request.urlopen(f"{node.api}/cluster", timeout=1) as answer:
                    members = json.load(answer).get("members", [])
            except (OSError, ValueError):
                continue
            return any(member.get("role") == "sync_standby" for member in members)
        return False

    def logs(self) -> str:
        parts = [f"--- {node.name}\n{node.process.tail()}" for node in self.nodes]
        return "\n".join([*parts, f"--- haproxy\n{self.haproxy.tail(1000)}"])


def _patroni_config(
    node: PatroniNode, *, scope: str, etcd_port: int, user: str, parameters: dict[str, str]
) -> dict[str, object]:
    return {
        "scope": scope,
        "name": node.name,
        "log": {"level": "INFO"},
        "restapi": {
            "listen": f"127.0.0.1:{node.api_port}",
            "connect_address": f"127.0.0.1:{node.api_port}",
        },
        "etcd3": {"hosts": [f"127.0.0.1:{etcd_port}"]},
        "bootstrap": {
            "dcs": {
                # Short, for a test: a dead leader's key lapses after ttl; Patroni wants
                # loop_wait + 2 * retry_timeout <= ttl.
                "ttl": 10,
                "loop_wait": 1,
                "retry_timeout": 4,
                "maximum_lag_on_failover": 1048576,
                "synchronous_mode": True,
                "primary_start_timeout": 0,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {
                        "wal_level": "replica",
                        "hot_standby": "on",
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "wal_log_hints": "on",
                        "max_connections": 200,
                        **parameters,
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.data),
            "bin_dir": str(PG_BIN),
            "pgpass": str(node.root / "pgpass"),
            "authentication": {
                "superuser": {"username": user},
                "replication": {"username": user},
                "rewind": {"username": user},
            },
            "parameters": {"unix_socket_directories": str(node.root)},
            "pg_hba": [
                "local all all trust",
                "host replication all 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 trust",
            ],
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False},
    }


def haproxy_config(
    *, primary_port: int, replica_port: int, nodes: Sequence[PatroniNode], extra: str = ""
) -> str:
    """PostgreSQL through HAProxy: the primary and the replicas by Patroni's health checks."""
    servers = "\n".join(
        f"  server {node.name} 127.0.0.1:{node.pg_port} check port {node.api_port}"
        for node in nodes
    )
    checks = (
        "  default-server inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions"
        " on-marked-up shutdown-backup-sessions\n"
    )
    return (
        "global\n  maxconn 1000\n"
        "defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 30m\n"
        "  timeout server 30m\n  timeout check 1s\n"
        f"listen postgres-primary\n  bind 127.0.0.1:{primary_port}\n"
        "  option httpchk OPTIONS /primary\n  http-check expect status 200\n"
        f"{checks}{servers}\n"
        f"listen postgres-replicas\n  bind 127.0.0.1:{replica_port}\n  balance roundrobin\n"
        "  option httpchk OPTIONS /replica\n  http-check expect status 200\n"
        f"{checks}{servers}\n{extra}"
    )


@contextmanager
def ha_cluster(
    *, nodes: int = 2, parameters: dict[str, str] | None = None, timeout: float = 120.0
) -> Iterator[HaCluster]:
    """etcd, ``nodes`` Patroni nodes (a primary and synchronous replicas) and HAProxy,
    healthy and streaming before it is yielded; stopped and removed afterwards."""
    require_binaries()
    root = Path(tempfile.mkdtemp(prefix="betrokken-ha-"))
    _own(root)
    user = pg_user()
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, True)
        etcd_port, etcd_peer = free_port(), free_port()
        etcd = Process(
            "etcd",
            [
                str(ETCD),
                "--name=etcd1",
                f"--data-dir={root / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-cluster=etcd1=http://127.0.0.1:{etcd_peer}",
                "--log-level=warn",
            ],
            root / "etcd.log",
        )
        etcd.start()
        stack.callback(etcd.stop)
        wait_listening(etcd_port, timeout=30)

        members: list[PatroniNode] = []
        for number in range(1, nodes + 1):
            name = f"pg{number}"
            node_root = root / name
            node_root.mkdir()
            _own(node_root)
            node = PatroniNode(
                name=name,
                root=node_root,
                pg_port=free_port(),
                api_port=free_port(),
                process=Process(name, [], node_root / "patroni.log"),
            )
            config = _patroni_config(
                node,
                scope="betrokken",
                etcd_port=etcd_port,
                user=user,
                parameters=parameters or {},
            )
            config_file = node_root / "patroni.yml"
            config_file.write_text(json.dumps(config, indent=1))  # JSON is YAML
            _own(config_file)
            node.process.argv = [str(PATRONI), str(config_file)]
            members.append(node)

        def stop_nodes() -> None:
            for node in members:
                node.process.stop(timeout=20)
            for node in members:
                node.stop_postgres()

        stack.callback(stop_nodes)
        # The first bootstraps the cluster; the others clone it once it has a primary.
        members[0].process.start()
        primary_port, replica_port = free_port(), free_port()
        config_file = root / "haproxy.cfg"
        config_file.write_text(
            haproxy_config(primary_port=primary_port, replica_port=replica_port, nodes=members)
        )
        haproxy = Process(
            "haproxy", [str(HAPROXY), "-db", "-f", str(config_file)], root / "haproxy.log"
        )
        cluster = HaCluster(root, user, etcd, members, haproxy, primary_port, replica_port)
        cluster.wait_primary(timeout=timeout)
        for node in members[1:]:
            node.process.start()
        haproxy.start()
        stack.callback(haproxy.stop)
        wait_listening(primary_port, timeout=30)
        cluster.wait_replicas_streaming(count=nodes - 1, timeout=timeout)
        yield cluster
