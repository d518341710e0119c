"""Messages between grader and worker: length-prefixed ``torch.save`` bytes, read with ``weights_only=True``.

``weights_only`` decoding admits tensors, dtypes, devices and plain containers only, so a
message from student code can never make the grader execute anything.  Tensors cross as
CPU copies wrapped in a marker dict that records the device they lived on; ``pack`` and
``unpack`` convert between live values and that wire form.
"""

from __future__ import annotations

import io
import re
import socket
import struct
import time

import torch

TENSOR = "__tensor__"
OPAQUE = "__opaque__"
HEADER = struct.Struct("!Q")
MAX_MESSAGE = 256 * 2**20
_DEVICE = re.compile(r"(cpu|cuda|mps|meta)(:[0-9]{1,2})?\Z")
_PLAIN = (bool, int, float, complex, str, type(None))  # no bytes: empty bytes do not survive weights_only
_DTYPES = {  # what a tensor from the worker may hold; anything else (quantized, float8, ...) arrives as Opaque
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool,
}  # fmt: skip
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")  # addresses differ from run to run; descriptions must not


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class Closed(Exception):
    """The other side closed the connection (or died)."""


class Timeout(Exception):
    """No complete message arrived before the deadline."""


def encode(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def decode(data: bytes):
    try:
        return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as exc:  # any decoding failure is the sender's fault
        raise ProtocolError(f"undecodable message ({type(exc).__name__})") from None


def send(sock: socket.socket, obj, deadline: float | None = None) -> None:
    """Write one message; ``deadline`` (a time.monotonic() value) bounds the wait for a reader that does not read."""
    data = encode(obj)
    if deadline is not None:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
    try:
        sock.sendall(HEADER.pack(len(data)) + data)
    except socket.timeout:
        raise Timeout() from None
    except OSError as exc:
        raise Closed(str(exc)) from None


def recv(sock: socket.socket, deadline: float | None = None, limit: int = MAX_MESSAGE):
    """Read one message; ``deadline`` is a time.monotonic() value."""
    (size,) = HEADER.unpack(_read_exactly(sock, HEADER.size, deadline))
    if size > limit:
        raise ProtocolError(f"message of {size} bytes exceeds the limit of {limit}")
    return decode(_read_exactly(sock, size, deadline))


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            sock.settimeout(left)
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except socket.timeout:
            raise Timeout() from None
        except OSError as exc:
            raise Closed(str(exc)) from None
        if not chunk:
            raise Closed("connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def pack(value, depth: int = 0):
    """Turn a live value into wire form: plain containers, CPU tensors, descriptions of the rest.

    Only exact built-in types pass as themselves, so an object that merely pretends to be
    a float or a list becomes an opaque description rather than crossing the boundary.
    """
    if depth > 32:
        return {OPAQUE: "nesting too deep", "repr": ""}
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, torch.Tensor):
        return _pack_tensor(value)
    if kind in (list, tuple):
        packed = [pack(v, depth + 1) for v in value]
        return packed if kind is list else tuple(packed)
    if kind is dict:
        return {(k if type(k) in (str, int) else repr(k)): pack(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (torch.dtype, torch.device)):
        return value
    return {OPAQUE: f"{kind.__module__}.{kind.__qualname__}", "repr": _safe_repr(value)}


def _pack_tensor(tensor: torch.Tensor):
    try:
        plain = tensor.detach()
        if type(plain) is not torch.Tensor:
            plain = plain.as_subclass(torch.Tensor)
        device = str(plain.device)
        if plain.layout != torch.strided:
            plain = plain.to_dense()
        return {
            TENSOR: plain.to("cpu", copy=True).contiguous(),
            "device": device,
            "requires_grad": bool(tensor.requires_grad),
        }
    except Exception as exc:
        return {OPAQUE: "torch.Tensor", "repr": f"a tensor that cannot be copied ({type(exc).__name__}: {exc})"}


def _safe_repr(value) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text[:300]


class Opaque:
    """A value the worker could not send as data; the grader sees only its type and repr."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def unpack(value, *, device: str | None = None, depth: int = 0):
    """Wire form back to live values; ``device`` overrides the recorded device (worker side)."""
    if depth > 40:
        raise ProtocolError("nesting too deep")
    kind = type(value)
    if kind in _PLAIN or isinstance(value, (torch.dtype, torch.device)):
        return value
    if kind is list:
        return [unpack(v, device=device, depth=depth + 1) for v in value]
    if kind is tuple:
        return tuple(unpack(v, device=device, depth=depth + 1) for v in value)
    if kind is set or kind is frozenset:
        return kind(unpack(v, device=device, depth=depth + 1) for v in value)
    if kind is dict:
        if TENSOR in value:
            return _unpack_tensor(value, device)
        if OPAQUE in value:
            return Opaque(_ADDRESS.sub("0x...", str(value.get(OPAQUE))[:200]), _ADDRESS.sub("0x...", str(value.get("repr", ""))[:300]))
        return {k: unpack(v, device=device, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, torch.Tensor):  # a bare tensor, e.g. inside the grader's own requests
        return value
    raise ProtocolError(f"unexpected {kind.__name__} in message")


def _unpack_tensor(value: dict, device: str | None) -> torch.Tensor:
    tensor = value.get(TENSOR)
    recorded = value.get("device", "cpu")
    if type(tensor) is not torch.Tensor or not isinstance(recorded, str) or not _DEVICE.match(recorded):
        raise ProtocolError("malformed tensor in message")
    if tensor.layout != torch.strided or tensor.dtype not in _DTYPES or tensor.is_quantized:
        return Opaque("torch.Tensor", f"a tensor of dtype {tensor.dtype} and layout {tensor.layout}, which cannot be compared")
    if not tensor.is_contiguous() or tensor.storage_offset() != 0 or tensor.untyped_storage().nbytes() != tensor.numel() * tensor.element_size():
        raise ProtocolError("a tensor in the message is not a plain, contiguous block of values")
    target = device or recorded
    if target.startswith("meta"):
        target = "cpu"
    if target != "cpu":
        tensor = tensor.to(target)
    if value.get("requires_grad") is True and (tensor.is_floating_point() or tensor.is_complex()):
        tensor.requires_grad_(True)
    return tensor
