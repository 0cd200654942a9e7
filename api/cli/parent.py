"""A child process that ends with its parent.

``betrokken serve`` starts the pseudonymiser as its child. Ended without the chance to stop
it (``kill -9``; or ``kill``, since uvicorn ends its process by raising the signal again
after its own shutdown), the parent would leave the child holding its port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
"""prctl(2): the signal the kernel sends this process when its parent ends."""
WATCH_INTERVAL_SECONDS = 0.5


def end_with_parent(parent: int) -> None:
    """Have this process sent ``SIGTERM`` when ``parent`` ends; exit if it has already."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    else:  # no such request to the kernel: look every now and then
        threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it ended before the kernel was asked
        raise SystemExit("the process that started this one has ended")


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
