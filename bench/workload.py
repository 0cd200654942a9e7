"""What the load generator sends: involvement checks, registrations, contact requests, a mix.

Members are professionals of every team, each with a real RS256 access token from the
development identity provider (the hub validates it on every request). Checks ask about
seeded subjects (nine in ten, asked by a member of the subject's own municipality, since
organisations stay apart) or unknown ones; registrations put new flags on fresh subjects,
and one in five on a subject another domain of the same municipality registered earlier in
the run, which makes a match; contact requests use handles sealed with the hub's handle
key for live flags the member's domain may contact under the policy (what a check would
have shown).
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.auth.dev_idp import DevIdentityProvider
from bench.data import DOMAINS, MUNICIPALITIES, DomainProfile, Status, World, municipality_slug
from bench.data import team_slug as slug_of
from bench.load import Call, CallFactory
from hub.handles import HandleSealer
from hub.keys import load_or_create_secret
from policies import Action, Context, Policy

CHECK_PATH = "/api/v1/involvement-checks"
FLAG_PATH = "/api/v1/flags"
CONTACT_PATH = "/api/v1/contact-requests"
HIT_SHARE = 0.9  # checks about a subject the hub knows
MATCH_SHARE = 0.2  # registrations on a subject another domain registered in this run
MIX = (("check", 80), ("register", 15), ("contact", 5))


@dataclass(frozen=True)
class Member:
    sub: str
    team: str
    profile: DomainProfile
    municipality: int
    token: str


def issue_members(idp: DevIdentityProvider, *, per_team: int = 2) -> list[Member]:
    """Professionals of every team of every municipality, with their tokens."""
    members = []
    for number in range(MUNICIPALITIES):
        for profile in DOMAINS:
            team = slug_of(profile, number)
            for k in range(per_team):
                sub = f"bench-{team}-{k}"
                token = idp.issue(
                    member=sub,
                    roles=["professional"],
                    team=team,
                    organisation=municipality_slug(number),
                    name=f"Bench {team} {k}",
                    lifetime=12 * 3600,
                )
                members.append(
                    Member(sub=sub, team=team, profile=profile, municipality=number, token=token)
                )
    return members


class Workload:
    """Call factories over one seeded world; cheap per call, since they run in the driver."""

    def __init__(
        self,
        *,
        world: World,
        subjects: int,
        members: list[Member],
        policy: Policy,
        keys_dir: Path,
        rng: random.Random | None = None,
    ) -> None:
        self.world = world
        self.known = max(1, subjects - 1)  # the last subject may have been cut short
        self.members = members
        self.by_municipality: dict[int, list[Member]] = {}
        for member in members:
            self.by_municipality.setdefault(member.municipality, []).append(member)
        self.rng = rng or random.Random()
        self.sealer = HandleSealer(load_or_create_secret(keys_dir / "handle.key", create=True))
        self._case = itertools.count(1)
        # Fresh subjects far above the seeded ones, different on every run.
        self._fresh = itertools.count(2**48 + self.rng.getrandbits(40) * 2**20)
        self._registered: deque[tuple[int, Member]] = deque(maxlen=10_000)
        self._contacted: set[tuple[str, str]] = set()
        self._may_contact = {
            (viewer.code, target.code)
            for viewer in DOMAINS
            for target in DOMAINS
            if policy.decide(
                Context(
                    action=Action.CONTACT,
                    actor_domain=viewer.code,
                    role="professional",
                    purpose=viewer.purpose,
                    subject_type="person",
                    target_domain=target.code,
                )
            ).allowed
        }

    def _member(self, municipality: int | None = None) -> Member:
        pool = self.members if municipality is None else self.by_municipality[municipality]
        return pool[self.rng.randrange(len(pool))]

    def _case_ref(self) -> str:
        return f"BENCH-{next(self._case) % 10_000_000}"  # never 8 digits in a row

    def check(self) -> Call:
        """A member of the subject's own municipality asks (organisations stay apart)."""
        if self.rng.random() < HIT_SHARE:
            subject = self.rng.randrange(self.known)
            member = self._member(self.world.municipality(subject))
        else:
            subject = 2**50 + self.rng.getrandbits(40)
            member = self._member()
        return Call(
            kind="check",
            method="POST",
            path=CHECK_PATH,
            token=member.token,
            body={
                "subject": {"kind": "bsn", "pseudonym": self.world.pseudonym(subject)},
                "purpose": member.profile.purpose,
                "case_ref": self._case_ref(),
            },
            expect=200,
        )

    def register(self) -> Call:
        """A new flag; sometimes by a second domain of the same municipality (a match)."""
        member = self._member()
        subject = None
        if self._registered and self.rng.random() < MATCH_SHARE:
            candidate, first = self._registered.popleft()
            member = self._member(first.municipality)
            if member.profile.code != first.profile.code:
                subject = candidate
        if subject is None:
            subject = next(self._fresh)
            self._registered.append((subject, member))
        return Call(
            kind="register",
            method="POST",
            path=FLAG_PATH,
            token=member.token,
            body={
                "subject": {"kind": "bsn", "pseudonym": self.world.pseudonym(subject)},
                "purpose": member.profile.purpose,
            },
            expect=201,
        )

    def contact(self) -> Call:
        now = datetime.now(UTC)
        for _ in range(1000):
            subject = self.rng.randrange(self.known)
            member = self._member(self.world.municipality(subject))
            flags = self.world.flags(subject)
            for flag in flags:
                key = (member.team, str(flag.id))
                if (
                    flag.status == Status.ACTIVE
                    and flag.expires_at > now  # not one left due for retention
                    and flag.team != member.team
                    and (member.profile.code, flag.profile.code) in self._may_contact
                    and key not in self._contacted
                ):
                    self._contacted.add(key)
                    return Call(
                        kind="contact",
                        method="POST",
                        path=CONTACT_PATH,
                        token=member.token,
                        body={
                            "handle": self.sealer.seal(flag.id, member=member.sub, now=now),
                            "purpose": member.profile.purpose,
                        },
                        expect=201,
                    )
        raise RuntimeError("no contactable flag found: is the database seeded?")

    def mix(self) -> CallFactory:
        """Checks, registrations and contact requests in the proportions of ``MIX``."""
        makers: dict[str, Callable[[], Call]] = {
            "check": self.check,
            "register": self.register,
            "contact": self.contact,
        }
        names = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]

        def factory() -> Call:
            return makers[self.rng.choices(names, weights)[0]]()

        return factory
