"""Each organisation's own DPIA policy: uploaded, approved by its privacy officer, in force
from a date; kept in memory per process for the hot path (``cache.py``)."""
