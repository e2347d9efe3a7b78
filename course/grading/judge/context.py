"""What is running now, on the judge's side: the worker session of the running check, its
exercise, and whether this is an instructor's grading. The plugin (plugin.py) sets them; the
graders' helpers (api.py) and the remote modules (handles.py) read them; neither imports the other."""
from __future__ import annotations

from contextvars import ContextVar

session: ContextVar = ContextVar("session", default=None)           # client.Session of the running check
exercise: ContextVar[str | None] = ContextVar("exercise", default=None)
instructor: ContextVar[bool | None] = ContextVar("instructor", default=None)   # None: not in a grading


def current_session():
    """The worker of the running check; learner code is reached only from inside a check."""
    value = session.get()
    if value is None:
        raise RuntimeError("learner code can only be called from inside a check")
    return value
