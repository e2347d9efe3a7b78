"""The judge's side of the seam's references: what the grader sends that is not plain data, and
what the runner's references stand for here.

A handle of this session goes back as its id; the grader's generators, paths and torch.nn
classes as themselves; an nn.Module the grader built is described (torch.nn classes, arguments,
children, state) for the worker to build its own; any other function of the grader's becomes a
callback the worker may call. Tensors keep their identity across the seam: the grader's own
tensor returned by learner code is the grader's object again, and a tensor of the runner's keeps
one copy here, updated in place, so that `p is bn.gamma` holds and `backward()` reaches it.
Whatever the runner sends is checked before it is used (indices, shapes, dtypes).
"""
from __future__ import annotations

import types
import weakref
from pathlib import PurePath

import torch

from course.grading import protocol, seam
from course.grading.judge.handles import Handle, make_handle


class References:
    """The tables of one session: the grader's callbacks and tensors, and its copies of the runner's."""

    def __init__(self):
        self.callbacks: dict[int, object] = {}
        self.tensors: dict[int, weakref.ref] = {}     # our reference -> the grader's tensor
        # the runner's reference -> our copy of it, kept while the session lives: a grader that
        # changes it (gamma.copy_(...)) and lets go of it must still have its change sent
        self.remote_tensors: dict[int, object] = {}
        self.versions: dict[tuple, tuple] = {}        # what each shared tensor was when last in sync
        self.sent: list = []                          # the tensors of the request being made, in order
        self.sent_modules: list = []                  # and its modules

    def encode(self, value):
        return seam.encode(value, self._other, self._tensor_extra)

    def decode(self, data, blobs):
        return seam.decode(data, blobs, self._resolve, self._tensor_hook)

    # ---- encoding what we send
    def _other(self, obj, enc):
        if isinstance(obj, Handle):
            if obj._session is not self:
                raise TypeError("an object of another check's process cannot be sent")
            return {"$h": obj._id}
        if isinstance(obj, torch.Generator):
            return {"$gen": enc(obj.get_state())}
        if isinstance(obj, PurePath):
            return {"$path": str(obj)}
        if isinstance(obj, torch.nn.Module):
            self.sent_modules.append(obj)
            return {"$module": describe_module(obj, enc)}
        if isinstance(obj, type) and issubclass(obj, torch.nn.Module) and getattr(torch.nn, obj.__name__, None) is obj:
            return {"$nn": obj.__name__}
        if isinstance(obj, types.GeneratorType) or type(obj).__name__.endswith("iterator"):
            return enc(list(obj))                     # named_parameters(), iter(...): their items
        if callable(obj):
            ident = len(self.callbacks) + 1
            self.callbacks[ident] = obj
            return {"$cb": ident}
        raise TypeError(f"a {type(obj).__name__} cannot be sent to learner code")

    def _tensor_extra(self, t, enc):
        extra = {}
        self.sent.append(t)
        owner = getattr(t, "_seam_rref", None)
        if owner is not None and owner[0] is self:
            extra["rref"] = owner[1]                  # the runner's own tensor, coming back
        elif t.requires_grad and t.is_leaf:
            ref = getattr(t, "_seam_ref", None)
            if ref is None:
                ref = len(self.tensors) + 1
                t._seam_ref = ref
            self.tensors[ref] = weakref.ref(t)
            extra["ref"] = ref
        if t.is_leaf and t.grad is not None:
            extra["grad"] = enc(t.grad)
        return extra

    # ---- decoding what comes back
    def _resolve(self, tagged, dec):
        if "$h" in tagged:
            return make_handle(self, tagged)
        if "$gen" in tagged:
            g = torch.Generator()
            g.set_state(dec(tagged["$gen"]))
            return g
        if "$same" in tagged:
            return protocol.SAME
        if "$sent_module" in tagged:
            index = tagged["$sent_module"]
            if not isinstance(index, int) or not 0 <= index < len(self.sent_modules):
                raise seam.SeamError("bad module reference")
            return self.sent_modules[index]
        if "$module_after" in tagged:
            return protocol.ModuleAfter(dec(tagged["$module_after"]))
        if "$after" in tagged:
            parts = seam._list(tagged["$after"])
            if len(parts) not in (2, 3):
                raise seam.SeamError("bad argument state")
            return protocol.TensorAfter(dec(parts[0]), dec(parts[1]), len(parts) == 3 and parts[2] is True)
        raise seam.SeamError(f"unexpected reference {sorted(tagged)[:2]}")

    def _tensor_hook(self, entry, t, dec):
        if isinstance(entry.get("arg"), int) and 0 <= entry["arg"] < len(self.sent):
            return self.sent[entry["arg"]]            # the grader's own tensor, returned by learner code
        if "grad" in entry:
            t.grad = dec(entry["grad"])
        if entry.get("leaf") is False and t.is_floating_point():
            t = t.detach().requires_grad_(True).clone()     # computed there: not a leaf here either
        rref = entry.get("rref")
        if not isinstance(rref, int):
            return t
        mine = self.remote_tensors.get(rref)
        if mine is not None and mine.shape == t.shape and mine.dtype == t.dtype:
            if not torch.equal(mine.detach(), t.detach()):
                with torch.no_grad():
                    mine.copy_(t)                     # the same runner tensor: the same object here
            if mine.is_leaf and t.is_leaf and ((mine.grad is None) != (t.grad is None) or (
                    t.grad is not None and not (mine.grad.shape == t.grad.shape and torch.equal(mine.grad, t.grad)))):
                mine.grad = t.grad
            return mine
        t._seam_rref = (self, rref)
        self.remote_tensors[rref] = t
        return t

    def _shared(self):
        for ref, alive in list(self.tensors.items()):
            t = alive()
            if t is not None:
                yield ("judge", ref), t
        for ref, t in self.remote_tensors.items():
            yield ("runner", ref), t

    @staticmethod
    def _state_of(t):
        grad = t.grad if t.is_leaf else None
        return (t._version, id(grad), grad._version if grad is not None else None)

    def _changed_since_sync(self) -> list:
        """The shared tensors the grader changed since the runner last saw them."""
        return [t for key, t in self._shared() if self.versions.get(key) != self._state_of(t)]

    def _synced(self) -> None:
        self.versions = {key: self._state_of(t) for key, t in self._shared()}


def describe_module(module: torch.nn.Module, enc) -> dict:
    """An nn.Module as torch.nn classes, their arguments, children and state: the runner builds
    its own copy from this (only torch.nn's own classes can be described)."""
    cls = type(module)
    if getattr(torch.nn, cls.__name__, None) is not cls:
        raise TypeError(f"only torch.nn's own layers can be sent to learner code, not {cls.__name__}")
    args, kwargs = _constructor(module)
    own_state = {k: v for k, v in module.state_dict(keep_vars=False).items() if "." not in k}
    return {"class": cls.__name__, "args": enc(args), "kwargs": enc(kwargs),
            "children": [[name, describe_module(child, enc)] for name, child in module.named_children()],
            "state": enc(own_state), "training": module.training}


def _constructor(m: torch.nn.Module) -> tuple[list, dict]:
    nn = torch.nn
    if isinstance(m, nn.Linear):
        return [m.in_features, m.out_features], {"bias": m.bias is not None}
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return [m.num_features], {"eps": m.eps, "momentum": m.momentum, "affine": m.affine,
                                  "track_running_stats": m.track_running_stats}
    if isinstance(m, nn.Embedding):
        return [m.num_embeddings, m.embedding_dim], {}
    if isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        return [], {}
    if isinstance(m, (nn.Tanh, nn.ReLU, nn.Sigmoid, nn.Identity, nn.GELU)):
        return [], {}
    if isinstance(m, nn.Flatten):
        return [], {"start_dim": m.start_dim, "end_dim": m.end_dim}
    if isinstance(m, nn.LeakyReLU):
        return [], {"negative_slope": m.negative_slope}
    if isinstance(m, nn.Dropout):
        return [], {"p": m.p}
    raise TypeError(f"the course cannot describe a {type(m).__name__} to learner code yet")
