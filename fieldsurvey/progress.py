"""Long work is a generator that yields Progress; the CLI prints it, the GUI runs it off the main thread with a
progress bar and a cancel button (closing the generator cancels it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


Job = Generator[Progress, None, T]


def run_to_end(job: Job[T]) -> T:
    """Drain a job with no one watching and return its result."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
