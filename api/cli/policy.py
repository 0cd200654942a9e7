"""``betrokken policy``: check a policy file, explain a decision, diff two versions."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import click

from policies import (
    ROLES,
    SUBJECT_TYPES,
    Action,
    Context,
    Policy,
    PolicyError,
    diff,
    explain,
    format_diff,
    load_policy,
    review_notes,
)

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


def _load(path: Path) -> Policy:
    """Load or exit 1 with every problem as ``file:line: problem``."""
    try:
        return load_policy(path)
    except PolicyError as error:
        for problem in error.all():
            click.echo(str(problem), err=True)
        raise SystemExit(1) from error


def _day(value: str | None) -> datetime.date:
    if value is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from error


_ON = click.option("--on", "on", metavar="YYYY-MM-DD", help="The day to decide for (today).")


@click.group()
def policy() -> None:
    """Read, test and compare sharing policies."""


@policy.command()
@click.argument("file", type=_FILE)
@_ON
def check(file: Path, on: str | None) -> None:
    """Validate FILE; print 'ok <version>' and a summary, or the problems and exit 1."""
    loaded = _load(file)
    day = _day(on)
    click.echo(f"ok {loaded.version}")
    click.echo(f"{loaded.info.name} ({loaded.info.organisation}), {file}")
    click.echo(
        f"{len(loaded.legal_bases)} legal bases, {len(loaded.purposes)} purposes, "
        f"{len(loaded.domains)} domains, {len(loaded.rules)} rules"
    )
    per_action = Counter(rule.action for rule in loaded.rules)
    click.echo("rules: " + ", ".join(f"{action} {per_action[action]}" for action in Action))
    notes = review_notes(loaded, day)
    if notes:
        click.echo(f"\n{len(notes)} note(s) for the privacy officer (as of {day.isoformat()}):")
        for note in notes:
            click.echo(f"  {file}:{note.removeprefix('line ')}")


@policy.command(name="explain")
@click.option("--policy", "policy_file", type=_FILE, required=True, help="The policy file.")
@click.option("--action", type=click.Choice([a.value for a in Action]), required=True)
@click.option("--domain", required=True, help="The asking team's domain.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--purpose", required=True)
@click.option("--subject-type", type=click.Choice(SUBJECT_TYPES), required=True)
@click.option("--target-domain", default=None, help="For see and contact.")
@click.option("--legal-basis", default=None, help="The grondslag cited (register).")
@_ON
def explain_command(
    policy_file: Path,
    action: str,
    domain: str,
    role: str,
    purpose: str,
    subject_type: str,
    target_domain: str | None,
    legal_basis: str | None,
    on: str | None,
) -> None:
    """Why the policy allows or refuses one question, rule by rule."""
    loaded = _load(policy_file)
    ctx = Context(
        action=Action(action),
        actor_domain=domain,
        role=role,
        purpose=purpose,
        subject_type=subject_type,
        target_domain=target_domain,
        legal_basis=legal_basis,
        on=_day(on),
    )
    click.echo(explain(loaded, ctx))


@policy.command(name="diff")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@_ON
def diff_command(old: Path, new: Path, on: str | None) -> None:
    """Which decisions change from OLD to NEW (exits 0 whether or not they do)."""
    before, after = _load(old), _load(new)
    click.echo(format_diff(before, after, diff(before, after, on=_day(on))))
