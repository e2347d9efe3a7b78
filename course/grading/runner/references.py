"""The worker's side of the seam's references: what stays here, and what the judge's references stand for.

Answers go back as plain data (seam.py); an object that is not plain data stays here and goes
back as a handle (`{"$h": id}`), a tensor that requires grad keeps one name so that the judge can
ask for `backward()` and keep `p is bn.gamma` true, and the grader's own tensors come back as
themselves. The judge's references are resolved here: handles, generators, paths, the grader's
functions (callbacks), torch.nn classes and the grader's nn.Modules, rebuilt from their
description (only torch.nn's own classes can be built).
"""
from __future__ import annotations

from pathlib import Path

from course.grading import protocol, seam


class Live:
    """Marks a value the judge should get as a handle, not as a copy."""

    def __init__(self, value):
        self.value = value


class References:
    """The tables of one worker: the objects it keeps for the judge and its copies of the judge's tensors."""

    def __init__(self):
        self.objects: dict[int, object] = {}      # handle id -> object living here
        self.judge_tensors: dict[int, object] = {}  # the judge's reference -> our copy of its tensor
        self.next_id = 1
        self.kept_ids: dict[int, int] = {}         # id(tensor) -> its handle, so it keeps one name
        self.sent: list = []                       # the tensors of the request being answered, in order
        self.sent_modules: list = []               # the modules built from its descriptions

    def callback(self, ident: int):
        """A function that calls the grader's function `ident` (the worker defines it: it talks to the judge)."""
        raise NotImplementedError

    # ---- encoding what goes back
    def keep(self, obj) -> int:
        ident = self.next_id
        self.next_id += 1
        self.objects[ident] = obj
        return ident

    def _other(self, obj, enc):
        import torch
        if isinstance(obj, torch.Generator):
            return {"$gen": enc(obj.get_state())}
        if type(obj).__module__ == "numpy" and hasattr(obj, "item") and getattr(obj, "shape", None) == ():
            return enc(obj.item())                     # a numpy scalar is a number
        if isinstance(obj, protocol.Same):
            return {"$same": 1}
        if isinstance(obj, protocol.TensorAfter):
            return {"$after": [enc(obj.data), enc(obj.grad), obj.cleared]}
        if isinstance(obj, protocol.ModuleAfter):
            return {"$module_after": enc(obj.state)}
        for i, module in enumerate(self.sent_modules):
            if module is obj:
                return {"$sent_module": i}             # the grader's module, returned: its own object
        if isinstance(obj, Live):
            obj = obj.value
        return {"$h": self.keep(obj), "type": type(obj).__name__, "callable": callable(obj)}

    def _tensor_extra(self, t, enc):
        extra = {}
        for i, sent in enumerate(self.sent):
            if sent is t:
                extra["arg"] = i                       # the very tensor the judge sent: it keeps its identity
                return extra
        if not t.is_leaf:
            extra["leaf"] = False                      # computed: the judge's copy is made a non-leaf too
        if t.requires_grad:                            # one name per tensor, so that the judge can ask
            ident = self.kept_ids.get(id(t))           # for backward() and keep `p is bn.gamma` true
            if ident is None:
                ident = self.kept_ids[id(t)] = self.keep(t)
            extra["rref"] = ident
        if t.is_leaf and t.grad is not None:
            extra["grad"] = enc(t.grad)
        return extra

    def encode(self, value):
        return seam.encode(value, self._other, self._tensor_extra)

    # ---- decoding what the judge sent
    def _resolve(self, tagged, dec):
        import torch
        if "$h" in tagged:
            ident = tagged["$h"]
            if ident not in self.objects:
                raise seam.SeamError("unknown handle")
            return self.objects[ident]
        if "$gen" in tagged:
            g = torch.Generator()
            g.set_state(dec(tagged["$gen"]))
            return g
        if "$path" in tagged and isinstance(tagged["$path"], str):
            return Path(tagged["$path"])
        if "$cb" in tagged:
            return self.callback(tagged["$cb"])
        if "$nn" in tagged:
            return getattr(torch.nn, _nn_name(tagged["$nn"]))
        if "$module" in tagged:
            module = build_module(tagged["$module"], dec)
            self.sent_modules.append(module)
            return module
        raise seam.SeamError(f"unknown reference {sorted(tagged)[:2]}")

    def _tensor_hook(self, entry, t, dec):
        index = len(self.sent)
        self.sent.append(None)                         # its place, before its gradient's
        t = self.sent[index] = self._tensor_from_judge(entry, t, dec)
        return t

    def _tensor_from_judge(self, entry, t, dec):
        import torch
        rref = entry.get("rref")
        if isinstance(rref, int) and isinstance(self.objects.get(rref), torch.Tensor):
            mine = self.objects[rref]                  # ours, sent back (maybe changed by the judge)
            if mine.shape == t.shape and mine.dtype == t.dtype:
                _update(mine, t, dec(entry["grad"]) if "grad" in entry else None)
                return mine
        ref = entry.get("ref")
        if ref is None:
            if "grad" in entry:
                t.grad = dec(entry["grad"])
            return t
        mine = self.judge_tensors.get(ref)
        if mine is None or mine.shape != t.shape or mine.dtype != t.dtype:
            mine = t.detach().clone().requires_grad_(t.requires_grad)
            self.judge_tensors[ref] = mine
        else:                                          # the same tensor again, maybe updated by the judge
            _update(mine, t, dec(entry["grad"]) if "grad" in entry else None)
            return mine
        mine.grad = dec(entry["grad"]) if "grad" in entry else None
        return mine

    def decode(self, data, blobs):
        return seam.decode(data, blobs, self._resolve, self._tensor_hook)


def _update(mine, new, grad) -> None:
    """Make our tensor `mine` hold what the judge sent, touching it only where it changed (an
    in-place change would break a graph it is part of)."""
    import torch
    if not torch.equal(mine.detach(), new):
        with torch.no_grad():
            mine.copy_(new)
    if mine.is_leaf:
        same = (grad is None and mine.grad is None) or (
            grad is not None and mine.grad is not None and mine.grad.shape == grad.shape
            and torch.equal(mine.grad, grad))
        if not same:
            mine.grad = grad


def _nn_name(name) -> str:
    import torch
    if not isinstance(name, str) or not name.isidentifier() or not isinstance(getattr(torch.nn, name, None), type):
        raise seam.SeamError(f"torch.nn has no class {name!r}")
    return name


def build_module(desc, dec):
    """An nn.Module from the judge's description: torch.nn classes, their arguments, children, state."""
    import torch
    if not isinstance(desc, dict):
        raise seam.SeamError("bad module description")
    cls = getattr(torch.nn, _nn_name(desc.get("class")))
    args = dec(desc.get("args", []))
    kwargs = dec(desc.get("kwargs", {"$dict": []}))
    module = cls(*args, **kwargs)
    for name, child in desc.get("children", []):
        if not isinstance(name, str):
            raise seam.SeamError("bad child name")
        module.add_module(name, build_module(child, dec))
    state = dec(desc.get("state", {"$dict": []}))
    if state:
        module.load_state_dict(state)
    module.train(bool(desc.get("training", True)))
    return module
