"""The seam between the judge and the runner: what crosses it, and how.

Only plain data crosses: None, bools, numbers, strings, bytes, lists, tuples, dicts, and
tensors as dtype + shape + raw bytes. Anything else is a *reference*, a small tagged dict that
the receiving side looks up in a table of its own (a handle to an object that stays in the
runner, a function of the judge's that the runner may call back, an `nn.Module` the judge
describes so the runner can build its own copy). Decoding never unpickles, never evaluates
code and never trusts a length it has not checked: a hostile runner can send wrong answers,
never objects that lie.

A message is a frame: 4 bytes (big-endian length of the JSON header), the header, then for
each tensor named in the header 8 bytes of length and its bytes.
"""
from __future__ import annotations

import json
import math
import os
import select
import socket
import struct
import time
from functools import cache
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import torch
# torch itself is imported by the functions that need it: the frames need none, and the judge
# starts the runner before it pays for importing torch (so that the two imports overlap).

MAX_HEADER = 64 * 2**20          # a header larger than this is refused
MAX_BLOB = 1024 * 2**20          # so is a tensor larger than 1 GiB
MAX_DEPTH = 40
FLAT = frozenset({str, int, bool, type(None)})  # exactly these types (no subclass) cross as they are
FLAT_JSON = FLAT | {float}                     # and what json.loads makes of a list of them

DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")


@cache
def dtypes() -> dict:
    """The dtypes a tensor may have to cross, by name."""
    import torch
    return {name: getattr(torch, name) for name in DTYPE_NAMES}


class SeamError(Exception):
    """The other side sent something that is not a well-formed message."""


# ------------------------------------------------------------------------------ text
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0b, 0x20), 0x7f]}


def safe_text(value, limit: int | None = 4000) -> str:
    """Learner-derived text (printed output, a message, a name), made safe to store and write:
    whatever it was, a str of at most `limit` characters that encodes as UTF-8. A lone surrogate
    (print("\\ud800"), a file name that is not UTF-8) becomes its escape, a control character
    U+FFFD. Applied once, where learner-derived data enters the grader's records."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: BLE001 - an object whose __str__ fails is no text
            value = "?"
    text = value[:limit] if limit is not None else value
    text = text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_CONTROLS)
    return text[:limit] if limit is not None else text          # escapes are longer: capped again


# ------------------------------------------------------------------------------ encoding
def encode(value: Any, other: Callable[[Any, Callable], dict] | None = None,
           tensor_extra: Callable[[torch.Tensor, Callable], dict] | None = None) -> tuple[Any, list[bytes]]:
    """(JSON-able structure, tensor blobs) for `value`. `other(obj, enc)` encodes what is not
    plain data (it returns a tagged dict) or raises TypeError; `tensor_extra(t, enc)` adds
    fields to a tensor's entry (a reference, its gradient)."""
    import torch
    blobs: list[bytes] = []

    def enc(v, depth=0):
        if depth > MAX_DEPTH:
            raise TypeError("the value is nested too deeply to send")
        if v is None or isinstance(v, (bool, str)):
            return v if not isinstance(v, str) else str(v)
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            f = float(v)
            return f if math.isfinite(f) else {"$f": repr(f)}
        if isinstance(v, bytes):
            blobs.append(bytes(v))
            return {"$b": len(blobs) - 1}
        if isinstance(v, torch.Tensor):
            return tensor_entry(v)
        # A subclass (an OrderedDict, a defaultdict, a namedtuple) crosses as its plain base, read
        # through the base's own methods, as a tensor subclass crosses as a tensor: the contracts
        # ask for a dict, a list or a tuple, and an OrderedDict is one.
        if isinstance(v, list):
            items = [*list.__iter__(v)]
            if all(type(x) in FLAT for x in items):
                return items                      # a list of words or indices: as it is, at C speed
            return [enc(x, depth + 1) for x in items]
        if isinstance(v, tuple):
            return {"$tuple": [enc(x, depth + 1) for x in tuple.__iter__(v)]}
        if isinstance(v, dict):
            return {"$dict": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
        if isinstance(v, torch.dtype):
            return {"$dtype": str(v).removeprefix("torch.")}
        if other is None:
            raise TypeError(f"a {type(v).__name__} cannot cross to the other process")
        return other(v, enc)

    def tensor_entry(t):
        with torch.no_grad():
            base = torch.Tensor.as_subclass(t, torch.Tensor).detach()
            if base.layout != torch.strided or base.device.type != "cpu":
                raise TypeError("only dense CPU tensors can cross to the other process")
            name = str(base.dtype).removeprefix("torch.")
            if name not in DTYPE_NAMES:
                raise TypeError(f"tensors of dtype {base.dtype} cannot cross to the other process")
            blobs.append(base.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
        entry = {"$t": len(blobs) - 1, "dtype": name, "shape": list(base.shape)}
        if t.requires_grad:
            entry["rg"] = True
        if tensor_extra is not None:
            entry.update(tensor_extra(t, enc))
        return entry

    return enc(value), blobs


def decode(data: Any, blobs: list[bytes], other: Callable[[dict, Callable], Any] | None = None,
           tensor_hook: Callable[[dict, torch.Tensor, Callable], Any] | None = None) -> Any:
    """The value `encode` described. `other(tagged, dec)` resolves references;
    `tensor_hook(entry, tensor, dec)` may replace a decoded tensor (by its reference)."""
    import torch

    def dec(v, depth=0):
        if depth > MAX_DEPTH:
            raise SeamError("nested too deeply")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            if all(type(x) in FLAT_JSON for x in v):
                return v                          # fresh from json.loads: plain already
            return [dec(x, depth + 1) for x in v]
        if not isinstance(v, dict) or len(v) == 0:
            raise SeamError(f"unexpected {type(v).__name__}")
        if "$t" in v:
            t = _tensor(v, blobs)
            return tensor_hook(v, t, dec) if tensor_hook is not None else t
        if "$tuple" in v:
            return tuple(dec(x, depth + 1) for x in _list(v["$tuple"]))
        if "$dict" in v:
            out = {}
            for pair in _list(v["$dict"]):
                key, item = _list(pair)
                key = dec(key, depth + 1)
                if isinstance(key, (list, dict, torch.Tensor)):
                    raise SeamError("a dict key must be a plain value")
                out[key] = dec(item, depth + 1)
            return out
        if "$f" in v:
            text = v["$f"]
            if text not in ("nan", "inf", "-inf"):
                raise SeamError("bad float")
            return float(text)
        if "$b" in v:
            return _blob(v["$b"], blobs)
        if "$dtype" in v:
            return _dtype(v["$dtype"])
        if other is None:
            raise SeamError(f"unexpected reference {sorted(v)[:3]}")
        return other(v, dec)

    return dec(data)


def _blob(index, blobs: list[bytes]) -> bytes:
    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise SeamError("bad blob index")
    return blobs[index]


def _tensor(v: dict, blobs: list[bytes]) -> torch.Tensor:
    """The tensor a `$t` entry describes, its dtype, shape and byte count checked against its blob."""
    import torch
    dtype = _dtype(v.get("dtype"))
    shape = _list(v.get("shape"))
    if not all(isinstance(n, int) and n >= 0 for n in shape) or len(shape) > 16:
        raise SeamError("bad tensor shape")
    blob = _blob(v["$t"], blobs)
    numel = math.prod(shape)
    if len(blob) != numel * torch.empty((), dtype=dtype).element_size():
        raise SeamError("tensor bytes do not match its shape")
    t = torch.frombuffer(bytearray(blob), dtype=dtype) if blob else torch.empty(0, dtype=dtype)
    t = t.reshape(shape)
    if v.get("rg") is True and t.is_floating_point():
        t.requires_grad_(True)
    return t


def _dtype(name) -> torch.dtype:
    if name not in DTYPE_NAMES:
        raise SeamError(f"dtype {name!r} is not accepted")
    return dtypes()[name]


def _list(v) -> list:
    if not isinstance(v, list):
        raise SeamError("expected a list")
    return v


# ------------------------------------------------------------------------------ backward
def backward(tensor: torch.Tensor, gradient: torch.Tensor | None = None, create_graph: bool = False) -> None:
    """`tensor.backward(gradient, create_graph=...)`, as both sides run it. With a gradient, it is
    the backward of `(tensor * gradient).sum()`: the same gradients, without the shape-checking
    import torch makes on its first `backward(gradient)` (sympy, about 0.3 s in every fresh
    worker). With `create_graph`, the gradients themselves have a graph (what a stored gradient
    that was never detached would keep)."""
    import torch
    create_graph = create_graph is True
    if gradient is None:
        tensor.backward(create_graph=create_graph)
        return
    if not isinstance(gradient, torch.Tensor):
        gradient = torch.as_tensor(gradient, dtype=tensor.dtype)
    if gradient.shape != tensor.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(gradient.shape)} "
                           f"and output[0] has a shape of {tuple(tensor.shape)}.")
    (tensor * gradient.to(tensor.dtype)).sum().backward(create_graph=create_graph)


# ------------------------------------------------------------------------------ frames
def send(sock: socket.socket, header: dict, blobs: list[bytes] = ()) -> None:
    head = json.dumps(header, allow_nan=False).encode()
    parts = [struct.pack(">I", len(head)), head]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    sock.sendall(b"".join(parts))


class SeamTimeout(SeamError):
    """The other side did not send the whole frame before the deadline (it stalled mid-frame)."""


def _recv_exact(sock: socket.socket, n: int, deadline: float | None = None) -> bytes:
    chunks, left = [], n
    while left:
        if deadline is not None and deadline != float("inf"):
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([sock], [], [], wait)[0]:
                raise SeamTimeout("the other process stopped in the middle of an answer")
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other process closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket, deadline: float | None = None, max_header: int = MAX_HEADER,
            max_bytes: int = MAX_BLOB) -> tuple[dict, list[bytes]]:
    """(header, blobs) of the next frame. The header names how many blobs follow ("n"). With a
    `deadline` (time.monotonic()), a frame not whole by then raises SeamTimeout; a header over
    `max_header` bytes or blobs over `max_bytes` in all raise SeamError before they are read."""
    (size,) = struct.unpack(">I", _recv_exact(sock, 4, deadline))
    if size > max_header:
        raise SeamError(f"an answer of {size:,} bytes is larger than the {max_header:,} the judge reads")
    try:
        header = json.loads(_recv_exact(sock, size, deadline))
    except ValueError:
        raise SeamError("the header is not JSON") from None
    except RecursionError:
        raise SeamError("the header is nested too deeply") from None
    if not isinstance(header, dict):
        raise SeamError("the header is not an object")
    count = header.get("n", 0)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100_000:
        raise SeamError("bad blob count")
    blobs, total = [], 0
    for _ in range(count):
        (length,) = struct.unpack(">Q", _recv_exact(sock, 8, deadline))
        total += length
        if length > MAX_BLOB or total > max_bytes:
            raise SeamError("an answer larger than the judge reads")
        blobs.append(_recv_exact(sock, length, deadline))
    return header, blobs


def message(header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    """`header` with its blob count, ready for `send`."""
    return {**header, "n": len(blobs)}, blobs


def socket_from_fd(fd: int) -> socket.socket:
    return socket.socket(family=socket.AF_UNIX, type=socket.SOCK_STREAM, fileno=fd)


def fds_closed_except(keep: set[int]) -> None:
    """Close every inherited file descriptor above 2 except `keep`."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        names = [str(i) for i in range(3, 256)]
    for name in names:
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
