"""What a call did to its arguments, for the judge to observe (and mirror where the contract says so).

Before a call the worker takes a `snapshot` of what learner code may change among the arguments
(clones of tensors, copies of lists and dicts of plain values); after it, `changed` gives the
arguments as they are now, with every one that stayed as it was replaced by a marker (`SAME`),
so that a list of 32,000 words is compared here, at C speed, instead of being sent back.
"""
from __future__ import annotations

from course.grading import seam
from course.grading.protocol import SAME, ModuleAfter, TensorAfter


def snapshot(args) -> dict:
    """What learner code may change among `args`, to tell afterwards what it changed: clones of
    the tensors, and copies of the lists and dicts of plain values (a list of 32,000 words is
    then compared at C speed instead of being sent back)."""
    import torch
    found = {}

    def walk(v, depth=0):
        if depth > 8:
            return
        if isinstance(v, torch.Tensor):
            found[id(v)] = v.detach().clone()
            found[("grad", id(v))] = v.is_leaf and v.grad is not None
        elif isinstance(v, (list, tuple)):
            if type(v) is list and all(type(x) in seam.FLAT for x in v):
                found[id(v)] = v[:]
                return
            for x in v:
                walk(x, depth + 1)
        elif isinstance(v, dict):
            if type(v) is dict and all(type(x) in seam.FLAT for x in (*v, *v.values())):
                found[id(v)] = dict(v)
                return
            for x in v.values():
                walk(x, depth + 1)
    walk(args)
    return found


def changed(args, taken: dict):
    """The arguments as they are after the call (`taken`: their snapshot before it), for the judge
    to mirror what learner code did to them (it must see a mutated list or a trained parameter as
    the learner left it). Unchanged tensors, lists and dicts are sent as a marker."""
    import torch

    def walk(v, depth=0):
        if isinstance(v, torch.Tensor):
            before = taken.get(id(v))
            same = before is not None and before.shape == v.shape and before.dtype == v.dtype \
                and torch.equal(before, v.detach())
            grad = v.grad if v.is_leaf and v.grad is not None else None
            cleared = grad is None and taken.get(("grad", id(v))) is True      # `p.grad = None`
            if same and grad is None and not cleared:
                return SAME
            # copies: a gradient the judge sent, changed in place, must travel as its new values
            # (not as "your own tensor", which the judge would take back unchanged)
            return TensorAfter(None if same else v.detach().clone(), None if grad is None else grad.detach().clone(),
                               cleared)
        if v is None or isinstance(v, (bool, int, float, str, bytes)):
            return v                                   # a value: what it is now
        if depth > 8:
            return SAME
        if type(v) in (list, dict):
            before = taken.get(id(v))
            if type(before) is type(v) and _plain_equal(before, v):
                return SAME
        if isinstance(v, (list, tuple)):
            return (list if isinstance(v, list) else tuple)(walk(x, depth + 1) for x in v)
        if isinstance(v, dict):
            return {k: walk(x, depth + 1) for k, x in v.items()}
        if isinstance(v, torch.Generator):
            return v
        if isinstance(v, torch.nn.Module):
            return ModuleAfter({k: t.detach().clone() for k, t in v.state_dict().items()})
        return SAME
    return walk(list(args))


def _plain_equal(before, now) -> bool:
    """Whether a list or dict of plain values is as it was: the same items (keys, in order) of
    the same exact types (1, True and 1.0 are told apart)."""
    def columns(v):
        return [[*v], [*v.values()]] if type(v) is dict else [v]
    return all(len(a) == len(b) and a == b and [*map(type, a)] == [*map(type, b)]
               for a, b in zip(columns(before), columns(now)))
