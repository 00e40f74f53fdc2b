"""Real replica processes for tests: start a Python script, read its flushed stdout lines as
they come, wait for a line with a generous timeout, signal it, and always reap it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: generous: the machine is shared; nothing asserts how fast, only that it happens
TIMEOUT = 60.0


class Replica:
    """One child process and every line it has printed so far."""

    def __init__(
        self, script: Path, args: Sequence[str], *, env: Mapping[str, str] | None = None
    ) -> None:
        env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
        # a file, not a pipe: a child that logs a lot must never block on a full pipe
        self._stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in reap()
        self.process = subprocess.Popen(
            [sys.executable, str(script), *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: list[str] = []
        self._incoming: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._incoming.put(line.rstrip("\n"))
        self._incoming.put(None)

    def _drain(self, wait: float) -> bool:
        """Move arrived lines into `lines`; False once the output has ended."""
        try:
            item = self._incoming.get(timeout=wait)
        except queue.Empty:
            return True
        while True:
            if item is None:
                return False
            self.lines.append(item)
            try:
                item = self._incoming.get_nowait()
            except queue.Empty:
                return True

    def poll_lines(self) -> list[str]:
        self._drain(0)
        return self.lines

    def wait_for(self, wanted: Callable[[str], bool] | str, timeout: float = TIMEOUT) -> str:
        """The first line (already printed or coming) that `wanted` accepts."""
        test = (lambda line: line == wanted) if isinstance(wanted, str) else wanted
        deadline = time.monotonic() + timeout
        seen = 0
        open_ = True
        while True:
            for line in self.lines[seen:]:
                if test(line):
                    return line
            seen = len(self.lines)
            left = deadline - time.monotonic()
            if not open_ or left <= 0:
                raise AssertionError(
                    f"pid {self.pid}: no line matching {wanted!r} within {timeout}s; "
                    f"printed {self.lines!r}; stderr: {self.stderr_tail()}"
                )
            open_ = self._drain(min(left, 0.2))

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        self._drain(0)
        return code

    def stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:]

    def reap(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


@contextmanager
def replicas(script: Path, *argvs: Sequence[str]) -> Iterator[list[Replica]]:
    """Start one process per argv; every one is killed and reaped at the end."""
    started: list[Replica] = []
    try:
        for argv in argvs:
            started.append(Replica(script, argv))
        yield started
    finally:
        for replica in started:
            replica.reap()


def poll_until(
    check: Callable[[], object], *, what: str, timeout: float = TIMEOUT, every: float = 0.1
) -> object:
    """Call `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)
