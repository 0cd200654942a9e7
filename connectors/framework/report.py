"""The run report: what a run read, did and refused, row by row, never an identifier.

A rejected row is named by its line in the file and a reason in words; the reasons come
from the connector's own checks and the hub's problem codes, neither of which repeats
the value it refused.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass
class RunReport:
    connector: str
    action: str
    run_id: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    finished_at: str | None = None

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(Rejected(line, reason))
        self.counts["rejected"] += 1

    def finish(self) -> RunReport:
        self.finished_at = datetime.now(UTC).isoformat()
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "action": self.action,
            "run": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "counts": dict(sorted(self.counts.items())),
            "rejected": [
                {"line": each.line, "reason": each.reason}
                for each in sorted(self.rejected, key=lambda r: r.line)
            ],
        }

    def text(self) -> str:
        counts = ", ".join(f"{name} {number}" for name, number in sorted(self.counts.items()))
        lines = [f"{self.connector} {self.action} run {self.run_id}: {counts or 'nothing'}"]
        lines.extend(
            f"  line {each.line}: {each.reason}"
            for each in sorted(self.rejected, key=lambda r: r.line)
        )
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n")
