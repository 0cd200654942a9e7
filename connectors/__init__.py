"""Chain cooperation: a small connector framework and the LAA and LSI connectors.

Connectors are clients of the hub and the pseudonymiser over HTTP, exactly as any other
(``docs/connectors.md``); they never touch the hub's database.
"""
