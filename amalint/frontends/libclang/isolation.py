"""libclang in a child process, on a large stack, so that what crashes clang cannot crash
amalint.

clang parses recursively and some inputs overflow its stack: an inheritance chain a few
thousand classes deep, or a hundred thousand terms of ``1 + 1 + ...`` (``clang++
-fsyntax-only`` itself dies with SIGSEGV on both). In-process, libclang takes the Python
interpreter down with it. So the parse and the model's construction run in a forked child
that sends the model back through a pipe; a child that dies is a one-line error.

In the child the parse runs on a thread with a large stack: ``LIBCLANG_NOTHREADS`` keeps
libclang from moving the parse to its own 8 MiB thread, so clang recurses on this stack until
its own stack check moves work to new threads. That parses inheritance chains about twice as
deep as before; deeper ones still crash clang, cleanly now.

Where ``os.fork`` does not exist the work runs in-process, as before.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from amalint.errors import InputError

T = TypeVar("T")

#: The stack of the thread that parses (address space only: pages are used as touched).
STACK_BYTES = 512 << 20


class Child(Generic[T]):
    """``work()`` running in a forked child until :meth:`result` collects what it returned;
    leaving the ``with`` block without it stops the child. ``what`` names the input in the
    error a crash gives."""

    def __init__(self, work: Callable[[], T], what: str) -> None:
        self._work = work
        self._what = what
        #: The child's process id and the pipe's read end, while it runs.
        self._child: tuple[int, int] | None = None
        if hasattr(os, "fork"):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                try:
                    os.close(read)
                    _serve(work, write)
                finally:
                    os._exit(70)
            os.close(write)
            self._child = (pid, read)

    def __enter__(self) -> Child[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._child is not None:  # the result was not wanted: stop the child
            pid, read = self._child
            self._child = None
            os.close(read)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    def result(self) -> T:
        """What ``work()`` returned (or raised); :class:`InputError` if the child died.
        Without ``os.fork``, ``work()`` runs now."""
        if self._child is None:
            return self._work()
        pid, read = self._child
        with os.fdopen(read, "rb", closefd=False) as pipe:  # interrupted: __exit__ stops it
            data = pipe.read()
        self._child = None
        os.close(read)
        _, status = os.waitpid(pid, 0)
        if not data:
            raise InputError(f"{self._what}: libclang crashed while parsing it "
                             f"({_death(status)}), most likely on code nested too deep for "
                             "clang's stack; --frontend tree-sitter reads it")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        result: T = value
        return result


def _serve(work: Callable[[], T], write: int) -> None:
    """In the child: run ``work`` on a large stack, send back its result or exception, exit."""
    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # it crosses back to the parent
            outcome.append((False, exc))

    faulthandler.disable()  # a crash is reported once, by the parent, in one line
    try:
        os.environ["LIBCLANG_NOTHREADS"] = "1"
        threading.stack_size(STACK_BYTES)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    except (ValueError, RuntimeError):  # no thread of that size here: this one's stack
        if not outcome:
            run()
    try:
        data = pickle.dumps(outcome[0], protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that does not pickle
        data = pickle.dumps((False, RuntimeError(f"libclang front end: {exc!r}")))
    with os.fdopen(write, "wb") as pipe:
        pipe.write(data)
    os._exit(0)


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
