"""Convenants: agreements under which partner organisations see each other's involvement."""
