"""When this process may fork a helper process (used by classify-all and by the sync import to put a second core
to work). Forking is only safe in a process that runs one thread — Python's or native (the desktop app runs its
long jobs in a Qt thread); elsewhere the callers use one process, or spawned ones."""

from __future__ import annotations

import os
import sys
import threading


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def single_threaded() -> bool:
    """No other thread in this process — Python's or native ones (Qt starts its own), counted by the kernel where
    it says (Linux: /proc/self/task)."""
    if threading.current_thread() is not threading.main_thread() or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return True  # no /proc: Python's own count is all there is


def can_fork() -> bool:
    """Linux (elsewhere fork is missing — Windows — or unsafe once the system's frameworks are loaded — macOS, where
    Python itself spawns by default), and this process runs one thread only."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and single_threaded()


def reap(pid: int) -> None:
    """Wait for a child process to end (already reaped by the embedding program's SIGCHLD handler: fine)."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
