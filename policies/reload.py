"""Hot reload: pick up a changed policy file, keep the last good policy when it breaks."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from policies.engine import Policy
from policies.loader import PolicyError, load_policy

_Stamp = tuple[int, int, int]
_log = logging.getLogger("betrokken.policy")


class PolicyFile:
    """The policy at ``path``, re-read when the file changes (checked at most every second).

    ``load_strict()`` is for start-up and raises ``PolicyError``. Afterwards ``current()``
    never raises for a broken file: it keeps serving the last good policy, exposes the
    problem as ``error`` and logs it once, at ERROR, with file and line: a silently ignored
    edit would leave the privacy officer believing the new policy is in force. Every
    version served is kept in ``versions`` so decisions in the audit log can be traced
    back to the policy text that made them.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._policy: Policy | None = None
        self._stamp: _Stamp | None = None
        self._checked_at = float("-inf")
        self._error: PolicyError | None = None
        self._versions: dict[str, Policy] = {}

    @property
    def error(self) -> PolicyError | None:
        """The problem with the file on disk, while the last good policy is served."""
        return self._error

    @property
    def stale_reason(self) -> str | None:
        """The problem as ``/health`` shows it: file name (not its path), line and problem."""
        if self._error is None:
            return None
        problems = self._error.all()
        first = problems[0]
        where = Path(first.source).name + ("" if first.line is None else f":{first.line}")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{where}: {first.problem}{more}"

    @property
    def versions(self) -> Mapping[str, Policy]:
        """Every policy this file has served, by version hash."""
        return MappingProxyType(self._versions)

    def load_strict(self) -> Policy:
        """Load now; raise ``PolicyError`` if the file is missing or broken."""
        with self._lock:
            stamp = self._stat()
            policy = load_policy(self.path)
            self._accept(policy, stamp)
            return policy

    def current(self) -> Policy:
        """The policy in force; loads strictly on first use."""
        if self._policy is None:
            return self.load_strict()
        now = self._clock()
        if now - self._checked_at < self._min_interval:
            return self._policy
        with self._lock:
            self._checked_at = now
            try:
                stamp = self._stat()
            except PolicyError as error:
                self._refuse(error)
                return self._policy
            if stamp != self._stamp:
                try:
                    self._accept(load_policy(self.path), stamp)
                except PolicyError as error:
                    self._refuse(error)
                    self._stamp = stamp  # do not re-parse the same broken file every second
            return self._policy

    def _refuse(self, error: PolicyError) -> None:
        """Keep serving the policy in force; say so once for each new problem."""
        if self._error is None or str(self._error) != str(error):
            assert self._policy is not None
            for problem in error.all():
                _log.error(
                    "policy file not loaded, version %s stays in force: %s",
                    self._policy.version[:12],
                    problem,
                )
        self._error = error

    def _accept(self, policy: Policy, stamp: _Stamp) -> None:
        if self._error is not None:
            _log.warning("policy file %s loaded again: version %s", self.path, policy.version[:12])
        self._policy = policy
        self._stamp = stamp
        self._error = None
        self._checked_at = self._clock()
        self._versions.setdefault(policy.version, policy)

    def _stat(self) -> _Stamp:
        try:
            result = os.stat(self.path)
        except OSError as error:
            raise PolicyError(str(self.path), None, f"cannot read the policy: {error}") from error
        return (result.st_mtime_ns, result.st_size, result.st_ino)
