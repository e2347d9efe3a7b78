"""Mirroring: what learner code did to the grader's arguments, brought back where the contract says.

After each call the worker sends the arguments as the call left them (runner/arguments.py), with
markers for what it left alone. `mirror` compares them with the grader's own and adopts only the
outputs a contract names: a grader's input stays what the grader made it (its expected values
come from it), whatever learner code did to its copy; every change is reported, to be observed.
"""
from __future__ import annotations

import torch

from course.grading.protocol import SAME, ModuleAfter, Same, TensorAfter


def mirror(orig, after, inplace: bool = False, path: str = "") -> list[str]:
    """Bring what learner code did to the grader's arguments `orig` back here, where the
    contracts make it an output: parameters (tensors that require grad) trained in place, every
    tensor of a function that works in place by name (`kaiming_normal_`), an nn.Module's state,
    a generator's state. Nothing else is adopted: a grader's input stays what the grader made it
    (its expected values come from it), whatever learner code did to its copy. Returns the
    places (argument paths like "0", "1['W1']") learner code changed, for graders to observe."""
    changed: list[str] = []
    if after is SAME or after is None:
        return changed
    if isinstance(orig, torch.Tensor) and isinstance(after, TensorAfter):
        changed.append(path)
        if not (inplace or (orig.is_leaf and orig.requires_grad)):
            return changed
        with torch.no_grad():
            if isinstance(after.data, torch.Tensor) and after.data.shape == orig.shape:
                orig.copy_(after.data.to(orig.dtype))
        if isinstance(after.grad, torch.Tensor) and orig.is_leaf and after.grad.shape == orig.shape:
            orig.grad = after.grad.to(orig.dtype)
        elif after.cleared and orig.is_leaf:
            orig.grad = None
        return changed
    if isinstance(orig, torch.nn.Module) and isinstance(after, ModuleAfter) and isinstance(after.state, dict):
        own = orig.state_dict()
        with torch.no_grad():
            for key, value in after.state.items():
                if key in own and isinstance(value, torch.Tensor) and value.shape == own[key].shape:
                    if not torch.equal(own[key], value.to(own[key].dtype)):
                        changed.append(f"{path}.{key}")
                    own[key].copy_(value.to(own[key].dtype))
        return changed
    if isinstance(orig, torch.Generator) and isinstance(after, torch.Generator):
        orig.set_state(after.get_state())
        return changed
    if isinstance(orig, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(orig) != len(after):
            return [path]
        for i, (o, a) in enumerate(zip(orig, after)):
            if _container(o) or isinstance(a, (TensorAfter, Same, ModuleAfter)):
                changed += mirror(o, a, inplace, f"{path}[{i}]")
            elif not (type(o) is type(a) and o == a):
                changed.append(f"{path}[{i}]")
        return changed
    if isinstance(orig, dict) and isinstance(after, dict):
        if list(orig) != list(after):
            changed.append(path)
        for key, o in orig.items():
            if key not in after:
                continue
            a = after[key]
            if _container(o) or isinstance(a, (TensorAfter, Same, ModuleAfter)):
                changed += mirror(o, a, inplace, f"{path}[{key!r}]")
            elif not (type(o) is type(a) and o == a):
                changed.append(f"{path}[{key!r}]")
        return changed
    if not isinstance(after, (TensorAfter, Same, ModuleAfter)) and not (type(orig) is type(after) and orig == after):
        changed.append(path)
    return changed


def _container(v) -> bool:
    return isinstance(v, (list, dict, tuple, torch.Tensor, torch.Generator, torch.nn.Module))
