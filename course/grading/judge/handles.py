"""What graders hold of learner code: remote modules and functions, and handles to objects that live in the runner.

A grader's `bigram` fixture is a `RemoteModule`; `bigram.count_bigrams(...)` is a
`RemoteFunction` call, one `Call` request to the worker of the running check. An object that
stays in the runner comes back as a `Handle`: reading an attribute of it, calling it or a method
of it is another request. What comes back is plain data or another handle; nothing a handle
returns is ever honoured as the grader's own control flow (see `Handle.__exit__`).
"""
from __future__ import annotations

from course.grading import protocol, seam
from course.grading.judge import context

_handle_classes: dict[str, type] = {}


def make_handle(session, tagged: dict) -> Handle:
    """A handle to the runner's object `tagged` names, of a class named as its type (for messages)."""
    name = tagged.get("type") if isinstance(tagged.get("type"), str) and tagged["type"].isidentifier() else "object"
    cls = _handle_classes.get(name)
    if cls is None:
        cls = type(name, (Handle,), {"__module__": "learner"})
        _handle_classes[name] = cls
    return cls(session, int(tagged["$h"]), bool(tagged.get("callable")))


class Handle:
    """An object that lives in the runner. Reading an attribute, calling it or a method of it
    goes over the seam; what comes back is plain data or another handle."""

    def __init__(self, session, ident: int, is_callable: bool = True):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", ident)
        object.__setattr__(self, "_callable", is_callable)

    @classmethod
    def _raw(cls, session, ident):
        return Handle(session, ident)

    def _method(self, name: str, *args):
        return self._session.request(protocol.Method(self, name, list(args)))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._method("__getattr__", name)

    def __setattr__(self, name, value):
        self._method("__setattr__", name, value)

    def __call__(self, *args, **kwargs):
        return self._session.request(protocol.Call(self, list(args), kwargs))

    def __enter__(self):
        return self._session.request(protocol.Enter(self))

    def __exit__(self, kind, exc, tb):
        """The learner's __exit__ runs there; what it returns is never honoured here: a `with`
        block of the grader's never has its own failures swallowed by learner code."""
        error = None if kind is None else [kind.__name__, seam.safe_text(str(exc), 500)]
        self._session.request(protocol.Exit(self, error))
        return False

    def __iter__(self):
        return iter(self._method("__iter__"))

    def __len__(self):
        return self._method("__len__")

    def __getitem__(self, key):
        return self._method("__getitem__", key)

    def __contains__(self, key):
        return self._method("__contains__", key)

    def __repr__(self):
        return f"<{type(self).__name__} from your code>"


def fetch(value):
    """A plain copy of what a handle stands for (a dict filled by learner code, say)."""
    if isinstance(value, Handle):
        return value._method("__value__")
    return value


class RemoteFunction:
    """A function of a learner's module, called in the worker that `session_of()` gives."""

    def __init__(self, session_of, module: str, name: str):
        self.session_of, self.module, self.name = session_of, module, name

    def __call__(self, *args, **kwargs):
        return self.session_of().request(protocol.Call(protocol.FunctionRef(self.module, self.name), list(args), kwargs))

    def counting_saved(self, *args, **kwargs):
        """(what the call returns, how many tensors autograd saved for backward during it)."""
        function = protocol.FunctionRef(self.module, self.name)
        value, saved = self.session_of().request(protocol.CallCountingSaved(function, list(args), kwargs))
        return value, saved

    def __repr__(self):
        return f"<{self.module}.{self.name} of your code>"


class RemoteModule:
    """Stands for a learner's module: its functions run in the worker of the running check."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return RemoteFunction(context.current_session, self._name, attr)

    def __repr__(self) -> str:
        return f"<module {self._name} of the target>"
