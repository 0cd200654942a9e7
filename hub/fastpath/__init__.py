"""The machinery of the busy paths: group commits and one-statement connections.

An involvement check and a registration cost the hub a few hundred microseconds of its
own work, so what surrounds them (a thread trip, a transaction, a commit, a statement
built anew) would cost more than the work. Each saving is a second path beside the plain
one, and each pair has one test that runs both and compares what they give:

- Direct routes (``api/direct_routes.py``) beside FastAPI's own route:
  ``tests/api/test_direct_routes.py``.
- A group of checks in one commit (``groups.py``) beside one check at a time:
  ``tests/api/test_check_groups.py``.
- A group of registrations in one commit (``groups.py``) beside the same registrations
  one by one: ``tests/api/test_registration_groups.py``.
- A group of contact requests in one commit (``groups.py``), read and decided together
  and written one statement per table, beside the same requests one by one:
  ``tests/api/test_contact_request_groups.py``.
- A group of checks as one statement on PostgreSQL (``statements.py``,
  ``hub/involvement/repository.py``) beside the audit's and the flags' Core statements
  in a session: ``tests/hub/test_check_statement.py``.
- A group of registrations on the event loop on PostgreSQL, its reads on an autocommit
  connection and its writes (flags, due dates, audit entries, matches, members, notices)
  one statement (``rows.py``), beside the same group in a session:
  ``tests/api/test_registration_groups.py``
  (``test_a_group_on_the_event_loop_writes_what_a_session_writes``).
- A team's whole row kept for a minute (``hub/organisation/cache.py``) beside a read per
  group: ``tests/hub/test_check_statement.py``
  (``test_team_rows_are_kept_for_a_while_and_forgotten_on_a_change``).
- A group's day counts as one statement on PostgreSQL (``hub/involvement/repository.py``)
  beside the same upserts in a session: ``tests/hub/test_check_statement.py``
  (``test_day_counts_in_one_statement_as_in_a_session``); the minute's counts, which the
  per-minute limits share across processes, likewise
  (``test_minute_counts_in_one_statement_as_in_a_session``).
- New rows as one JSON document on PostgreSQL (``hub.db.insert_rows``) beside Core's
  ``INSERT``: ``tests/hub/test_insert_new.py``.
- A token verified before (``api/auth/tokens.py``) beside the RS256 check:
  ``tests/identity/test_verified_tokens.py``.
- Acting teams kept for a minute (``hub/organisation/cache.py``) beside a read per
  request: ``tests/hub/test_check_statement.py``
  (``test_acting_teams_are_kept_for_a_while_and_unknown_ones_not``).

The hot path end to end is drawn in docs/architecture.md. A new fast path comes with its
line here and its test, or not at all.
"""
