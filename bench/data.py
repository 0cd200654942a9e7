"""The benchmark's synthetic world, reproducible from one seed.

Subject ``i`` has the client pseudonym ``SHA-512(seed || i)`` (64 bytes, as the OPRF would
give), so the seeder and the load generator agree on every subject without storing a
list, and pgbench can compute the same value in SQL. Which flags a subject has follows
from the bytes of that pseudonym: about a fifth of the subjects are known to two or three
domains, the rest to one. The subject's municipality decides which teams own its flags.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crypto.identifiers import IdentifierKind
from hub.pseudonym import SubjectKeyer, encode_pseudonym

DEFAULT_SEED = "betrokken-bench-v1"
SEED_PREFIX = b"betrokken/bench-subject/v1\x00"
MUNICIPALITIES = 40  # the demo municipality plus 39 more, each with a team per domain
MULTI_DOMAIN_BELOW = 51  # first pseudonym byte < 51: 51/256 ~ 20% of subjects
HISTORY_DAYS = 700  # flags were registered over the last two years or so
# Leave a margin so an active flag does not expire during a run.
MIN_REMAINING = timedelta(days=7)
# Flags that a retention run finds due (``--due-share``): most expired while the run was
# not there, some withdrawn and not yet archived, some past their archive period. The
# period is at most ten years in any policy the bench uses.
DUE_OVERDUE, DUE_WITHDRAWN = 3, 4  # of five: 3 overdue, 1 withdrawn, 1 to purge
LONGEST_ARCHIVE = timedelta(days=10 * 366)


@dataclass(frozen=True)
class DomainProfile:
    """One domain as the benchmark uses it: its team, purpose, rule and share of flags."""

    code: str
    team: str  # the demo team's slug; other municipalities append a suffix
    purpose: str
    rule_id: str
    legal_basis: str
    weight: int
    retention_months: int = 24


DOMAINS: tuple[DomainProfile, ...] = (
    DomainProfile("pw", "pw-handhaving", "rechtmatigheid", "pw-register", "pw_art_53a", 22),
    DomainProfile("wmo_pgb", "wmo-pgb", "hulpverlening", "wmo-register", "wmo_art_5_1_1", 18),
    DomainProfile(
        "jeugd", "jeugd-wijkteam", "hulpverlening", "jeugd-register", "jeugdwet_afd_7_1_4", 14
    ),
    DomainProfile(
        "schuldhulp", "schuldhulp", "schuldhulpverlening", "schuldhulp-register", "wgs_art_5", 16
    ),
    DomainProfile(
        "vergunningen",
        "vergunningen",
        "vergunningverlening",
        "vergunningen-register",
        "apv_vergunningen",
        10,
    ),
    DomainProfile("vth", "vth-toezicht", "toezicht_handhaving", "vth-register", "awb_afd_5_2", 12),
    DomainProfile(
        "laa", "adreskwaliteit", "adreskwaliteit", "laa-register", "brp_laa", 8, retention_months=12
    ),
)
_WEIGHTED: tuple[int, ...] = tuple(
    index for index, profile in enumerate(DOMAINS) for _ in range(profile.weight)
)


def municipality_slug(number: int) -> str:
    """Municipality 0 is the demo one (``hub.demo``); the others are numbered."""
    return "gemeente-voorbeeld" if number == 0 else f"gemeente-bench-{number:03d}"


def team_slug(profile: DomainProfile, municipality: int) -> str:
    return profile.team if municipality == 0 else f"{profile.team}-g{municipality:03d}"


class Status:
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True)
class FlagSpec:
    """One seeded flag, derived from its subject; enough to rebuild its row or a handle."""

    id: uuid.UUID
    profile: DomainProfile
    municipality: int
    status: str
    registered_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    archived_at: datetime | None = None

    @property
    def team(self) -> str:
        return team_slug(self.profile, self.municipality)


class World:
    """Pseudonyms, subject keys and flag layouts for one seed."""

    def __init__(
        self, seed: str = DEFAULT_SEED, *, now: datetime | None = None, due_share: float = 0.0
    ) -> None:
        self.seed = seed
        self.due_share = due_share
        self._prefix = SEED_PREFIX + seed.encode() + b"\x00"
        # Dates are anchored to the day, so a rerun next hour lays out the same flags.
        today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.anchor = today

    @property
    def sql_prefix(self) -> bytes:
        """What is hashed before the subject number (for the pgbench script)."""
        return self._prefix

    def raw_pseudonym(self, subject: int) -> bytes:
        return hashlib.sha512(self._prefix + subject.to_bytes(8, "big")).digest()

    def pseudonym(self, subject: int) -> str:
        """The base64url pseudonym a client would send for subject ``subject``."""
        return encode_pseudonym(self.raw_pseudonym(subject))

    def municipality(self, subject: int) -> int:
        """The municipality whose teams hold the subject's flags."""
        raw = self.raw_pseudonym(subject)
        return int.from_bytes(raw[2:4], "big") % MUNICIPALITIES

    def flags(self, subject: int) -> list[FlagSpec]:
        """The flags seeded on ``subject``: one domain, or two or three distinct ones."""
        raw = self.raw_pseudonym(subject)
        count = 1 if raw[0] >= MULTI_DOMAIN_BELOW else (2 if raw[1] < 180 else 3)
        municipality = int.from_bytes(raw[2:4], "big") % MUNICIPALITIES
        chosen: list[int] = []
        cursor = 4
        while len(chosen) < count:
            index = _WEIGHTED[int.from_bytes(raw[cursor : cursor + 2], "big") % len(_WEIGHTED)]
            cursor = cursor + 2 if cursor < 40 else 4 + (cursor % 3)
            if index not in chosen:
                chosen.append(index)
        specs = []
        for position, index in enumerate(chosen):
            base = 44 + position * 6
            profile = DOMAINS[index]
            age = timedelta(
                days=int.from_bytes(raw[base : base + 2], "big") % HISTORY_DAYS,
                seconds=int.from_bytes(raw[base + 2 : base + 4], "big") % 86400,
            )
            registered_at = self.anchor - age
            lifetime = timedelta(days=30 * profile.retention_months)
            roll = raw[base + 4]
            flag_id = uuid.UUID(
                bytes=hashlib.blake2b(raw + bytes([position]), digest_size=16).digest(),
                version=4,
            )
            status, withdrawn_at, archived_at = Status.ACTIVE, None, None
            expires_at = registered_at + lifetime
            if roll < 13:  # ~5%: withdrawn along the way, and archived by the last run
                status, withdrawn_at = Status.WITHDRAWN, registered_at + age / 2
                archived_at = withdrawn_at
            elif roll < 26 or expires_at < self.anchor + MIN_REMAINING:  # ~5% expired
                status = Status.EXPIRED
                expires_at = min(expires_at, self.anchor - timedelta(days=1))
                archived_at = expires_at
            due = self._due(flag_id)
            if due is not None:  # what the last retention run has not done yet
                status, registered_at, expires_at, withdrawn_at, archived_at = self._left_undone(
                    due, registered_at, expires_at, lifetime
                )
            specs.append(
                FlagSpec(
                    id=flag_id,
                    profile=profile,
                    municipality=municipality,
                    status=status,
                    registered_at=registered_at,
                    expires_at=expires_at,
                    withdrawn_at=withdrawn_at,
                    archived_at=archived_at,
                )
            )
        return specs

    def _due(self, flag_id: uuid.UUID) -> int | None:
        """Whether a retention run finds the flag due (``due_share`` of them), and for
        what: one of five kinds, from bytes of its id that nothing else reads."""
        if self.due_share <= 0:
            return None
        raw = flag_id.bytes
        if int.from_bytes(raw[10:12], "big") >= self.due_share * 65536:
            return None
        return raw[12] % 5

    def _left_undone(
        self, due: int, registered_at: datetime, expires_at: datetime, lifetime: timedelta
    ) -> tuple[str, datetime, datetime, datetime | None, datetime | None]:
        """(status, registered_at, expires_at, withdrawn_at, archived_at) of a flag that a
        retention run finds due."""
        if due < DUE_OVERDUE:  # expired in the last month, still marked active
            expired = self.anchor - timedelta(days=1 + registered_at.second % 30)
            return Status.ACTIVE, expired - lifetime, expired, None, None
        if due < DUE_WITHDRAWN:  # withdrawn since the last run
            withdrawn = self.anchor - timedelta(hours=1)
            return Status.WITHDRAWN, registered_at, expires_at, withdrawn, None
        # In the archive for longer than any archive period: to be purged.
        gone = self.anchor - LONGEST_ARCHIVE - timedelta(days=registered_at.second % 30)
        return Status.EXPIRED, gone - lifetime, gone, None, gone


def subject_key(keyer: SubjectKeyer, world: World, subject: int) -> bytes:
    """The stored ``subject_key``, computed exactly as the hub computes it."""
    return keyer.subject(IdentifierKind.BSN, world.pseudonym(subject)).key


def subjects_for(flag_count: int, world: World) -> Iterator[tuple[int, Sequence[FlagSpec]]]:
    """Subjects 0, 1, 2, ... with their flags, until ``flag_count`` flags are laid out.

    The last subject is cut short when needed, so exactly ``flag_count`` flags result.
    """
    laid_out = 0
    subject = 0
    while laid_out < flag_count:
        specs = world.flags(subject)[: flag_count - laid_out]
        laid_out += len(specs)
        yield subject, specs
        subject += 1
