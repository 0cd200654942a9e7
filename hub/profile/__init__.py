"""The caller's own profile (``GET /api/v1/me``): who they are, their teams, and the policy
as it applies to them. It says nothing about any subject."""
