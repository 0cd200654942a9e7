"""Test infrastructure that the tests and the benchmark share.

- :mod:`testsupport.net`: a free port on 127.0.0.1.
- :mod:`testsupport.postgres`: a PostgreSQL cluster run as an unprivileged user, throwaway
  (the tests) or durable and kept (the benchmark builds its own on it).
- :mod:`testsupport.services`: the hub and the pseudonymiser as real processes.

Not part of the installed package: it is imported from the repository root, like ``bench``.
"""
