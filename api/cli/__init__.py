"""The ``betrokken`` command line."""

from __future__ import annotations

import click

from api.cli.admin import admin
from api.cli.audit import audit
from api.cli.client import check, flag
from api.cli.day import contact, erase, inbox
from api.cli.jobs import jobs
from api.cli.lifecycle import notifications, retention
from api.cli.onboarding import apply_command  # noqa: F401  (registers `admin apply`)
from api.cli.policy import policy
from api.cli.server import db, demo, dev_token, keys, pseudonymiser, serve
from connectors.cli import connector


@click.group()
@click.version_option(package_name="betrokken")
def main() -> None:
    """Betrokken: is another team involved with this person, address or business?"""


for command in (
    serve,
    jobs,
    pseudonymiser,
    db,
    demo,
    dev_token,
    keys,
    policy,
    flag,
    check,
    inbox,
    contact,
    erase,
    retention,
    notifications,
    audit,
    admin,
    connector,
):
    main.add_command(command)
