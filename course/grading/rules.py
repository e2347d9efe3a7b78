"""What a field of the protocol (protocol.py) may hold, and how its records are built and read.

A request's field states its rule in its metadata, `field(metadata=text(MAX_PATH))`: the record
checks every rule when it is made, on either side, and a value against its rule is refused with
a ProtocolError that names the field. An answer's field states how the judge reads it,
`field(metadata={"read": pid})`: a value of another type, or beyond its bound, reads as None.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable

from course.grading import seam

MAX_PID = 2**22                  # Linux's largest process id


class ProtocolError(seam.SeamError):
    """A request or an answer that the protocol does not know, or that breaks its types or bounds."""


# ------------------------------------------------------------------------------ what a request holds
def rule(test: Callable[[Any], bool], must: str) -> dict:
    """A field's rule: `test(value)` holds, or the value is refused as not being what it `must` be."""
    def check(value, what):
        if not test(value):
            raise ProtocolError(f"{what} must be {must} (it is a {type(value).__name__})")
    return {"check": check}


def text(limit: int) -> dict:
    return rule(lambda v: type(v) is str and len(v) <= limit, f"text of at most {limit:,} characters")


def whole(low: int, high: int) -> dict:
    return rule(lambda v: type(v) is int and low <= v <= high, f"a whole number from {low:,} to {high:,}")


def number(low: float, high: float) -> dict:            # NaN fails the comparison
    return rule(lambda v: type(v) in (int, float) and low <= v <= high, f"a number from {low:g} to {high:g}")


FLAG = rule(lambda v: type(v) is bool, "True or False")
ITEMS = rule(lambda v: isinstance(v, (list, tuple)), "a list")
KEYWORDS = rule(lambda v: isinstance(v, dict) and all(type(k) is str for k in v), "a dict with text keys")
PRESENT = rule(lambda v: v is not None, "given")


def check_fields(record) -> None:
    """Raise ProtocolError unless every field of the dataclass `record` keeps its rule."""
    for f in fields(record):
        if "check" in f.metadata:
            f.metadata["check"](getattr(record, f.name), f"{type(record).__name__.lower()}'s {f.name}")


def build(cls, data, what: str):
    """`cls(**data)`, with fields that are not a dict, a missing or an unknown field, and a value
    against its rule each a ProtocolError."""
    if not isinstance(data, dict) or not all(type(k) is str for k in data):
        raise ProtocolError(f"{what}: its fields must be a dict with text keys")
    try:
        return cls(**data)
    except TypeError as exc:
        raise ProtocolError(f"{what}: {str(exc)[:300]}") from None


# ------------------------------------------------------------------------------ how an answer is read
def whole_or_none(value, low: int = -2**63, high: int = 2**63) -> int | None:
    return value if type(value) is int and low <= value <= high else None


def pid(value) -> int | None:
    return whole_or_none(value, 1, MAX_PID)


def seconds(value) -> float | None:
    """A finite number of seconds from 0 to 2**53, else None."""
    if type(value) in (int, float) and 0 <= value < 2**53:       # NaN and inf fail the comparison
        return float(value)
    return None


def true(value) -> bool:
    return value is True


def read(cls, header: dict):
    """The dataclass `cls` read from `header`, each field by its own `read`."""
    return cls(**{f.name: f.metadata["read"](header.get(f.name)) for f in fields(cls)})
