"""Progress of a long demo load (進捗表示) on stderr."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A small progress printer on stderr: done / total, rate and ETA (no dependency).

    On a terminal it redraws one line at most once a second; otherwise (a log file) it
    writes a line every ``log_every`` seconds.
    """

    def __init__(self, total: int, stream: TextIO | None, *, label: str = "住民", log_every: float = 10.0):
        self.total = total
        self.stream = stream
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.every = 1.0 if self.tty else log_every

    def __call__(self, done: int, *, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        line = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
                f"{rate:,.0f}/s 経過 {hms(elapsed)} 残り {hms(eta)}")
        self.stream.write(("\r" + line + ("\n" if final else "")) if self.tty else line + "\n")
        self.stream.flush()


def hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
