"""What every connector shares: its identity and settings (``config``), the hub and
pseudonymiser calls with trace context and retries (``exchange``), the local state that
makes a run idempotent and resumable (``state``), flags in batches (``flags``) and the
run report (``report``)."""
