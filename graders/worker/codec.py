"""Messages between grader and worker.  What the grader reads is JSON and raw tensor bytes: nothing is ever executed.

Both directions use one format, data only: replies (child to grader) come from a process that
runs student code, and requests (grader to child, ``send_request``/``recv_request``) are
decoded by the same code.  Requests were pickles once, for a request written and read in less
than half the time; measured on a class, that was worth under 2% (docs/measurements.md), not
a second format.

Wire format of one reply::

    total length (8 bytes, big-endian) | header length (4 bytes) | header (UTF-8 JSON) | tensor bytes

The header is the value tree in JSON.  Values JSON cannot say directly are tagged objects
``{"$": tag, ...}``: ``tensor`` (dtype, shape, and the index of its bytes in the tail),
``tuple``, ``dict`` (keys that are not strings), ``complex``, ``set``, ``dtype``, ``device``.
Decoding parses JSON and copies bytes into tensors of allow-listed dtypes after checking
every size, so a message from student code can never make the grader run anything; it is
also several times faster than ``torch.save``/``torch.load(weights_only=True)``
(docs/measurements.md), which matters at thousands of calls per submission.

``pack``/``unpack`` convert live values to and from the plain form that crosses: tensors
become CPU copies wrapped in a marker dict recording the device they lived on; anything
that is not an exact built-in type becomes an opaque description.
"""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import time

import torch

TENSOR = "__tensor__"
OPAQUE = "__opaque__"
HEADER = struct.Struct("!Q")
_HEADER_LENGTH = struct.Struct("!I")
MAX_MESSAGE = 256 * 2**20
_DEVICE = re.compile(r"(cpu|cuda|mps|meta)(:[0-9]{1,2})?\Z")
_PLAIN = (bool, int, float, complex, str, type(None))
_ADDRESS = re.compile(
    r"0x[0-9a-fA-F]{6,}"
)  # addresses differ from run to run; descriptions must not
DTYPES = {
    name: getattr(torch, name)
    for name in (
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "bool",
    )
}
_DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class Closed(Exception):
    """The other side closed the connection (or died)."""


class BadRequest(ProtocolError):
    """A whole request arrived but could not be rebuilt: the grader's bug, and the stream is still in step."""


class Timeout(Exception):
    """No complete message arrived before the deadline."""


# -- encoding ---------------------------------------------------------------------------------


def encode(obj) -> bytes:
    """A message body: header length, JSON header, tensor bytes (see the module docstring)."""
    buffers: list = []
    header = _dumps(_to_json(obj, buffers)).encode()
    return b"".join([_HEADER_LENGTH.pack(len(header)), header, *buffers])


_dumps = json.JSONEncoder(separators=(",", ":")).encode
_SCALARS = frozenset((bool, int, str, float, type(None)))


def _to_json(value, buffers: list):
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        for key in value:
            if type(key) is not str or key == "$":
                return {
                    "$": "dict",
                    "items": [
                        [_to_json(k, buffers), _to_json(v, buffers)] for k, v in value.items()
                    ],
                }
        return {k: _to_json(v, buffers) for k, v in value.items()}
    if kind is list:
        return [_to_json(v, buffers) for v in value]
    if kind is tuple:
        return {"$": "tuple", "items": [_to_json(v, buffers) for v in value]}
    if kind is torch.Tensor:
        return _tensor_to_json(value, buffers)
    if kind in (set, frozenset):
        return {"$": "set", "items": [_to_json(v, buffers) for v in value]}
    if kind is complex:
        return {"$": "complex", "re": value.real, "im": value.imag}
    if isinstance(value, torch.dtype):
        return {"$": "dtype", "name": _DTYPE_NAMES.get(value, str(value))}
    if isinstance(value, torch.device):
        return {"$": "device", "name": str(value)}
    raise TypeError(f"cannot encode {kind.__name__}; pack() values before sending them")


def _tensor_to_json(value: torch.Tensor, buffers: list) -> dict:
    name, shape, data = _tensor_bytes(value)
    buffers.append(data)
    return {"$": "tensor", "dtype": name, "shape": shape, "index": len(buffers) - 1}


def _tensor_bytes(value: torch.Tensor) -> tuple[str, list[int], memoryview | bytes]:
    """(dtype name, shape, a view of the tensor's own bytes): they join a message without another copy."""
    name = _DTYPE_NAMES.get(value.dtype)
    if value.device.type != "cpu" or name is None:
        raise TypeError(f"cannot encode a {value.dtype} tensor on {value.device}; pack() it first")
    tensor = value.detach()
    if tensor.is_conj() or tensor.is_neg() or not tensor.is_contiguous():
        tensor = tensor.resolve_conj().resolve_neg().contiguous()
    flat = tensor.reshape(-1)
    if flat.numel() and flat.stride() != (1,):  # size-1 dimensions with any stride, e.g. expanded
        flat = torch.empty(flat.shape, dtype=flat.dtype).copy_(flat)
    return (name, list(tensor.shape), flat.view(torch.uint8).numpy().data if flat.numel() else b"")


# -- requests: the same format, the other way ----------------------------------------------------


def encode_request(obj) -> bytes:
    """A request body, in the reply format: nothing but data crosses, in either direction."""
    return encode(obj)


def send_request(sock: socket.socket, obj, deadline: float | None = None) -> None:
    """The grader's side: write one request."""
    _send_frame(sock, encode_request(obj), deadline)


def recv_request(sock: socket.socket):
    """The child's side: read one request from the grader (the only one holding the other end)."""
    return decode_request(_recv_frame(sock, None, MAX_MESSAGE))


def decode_request(data) -> object:
    """The request a body holds; BadRequest if it cannot be read."""
    try:
        return decode(data)
    except Exception as exc:  # the grader's bug, never the student's
        raise BadRequest(f"unreadable request ({type(exc).__name__}: {exc})") from None


# -- decoding ---------------------------------------------------------------------------------


def decode(data) -> object:
    """The value a message body holds; any malformation raises ProtocolError."""
    data = data if isinstance(data, bytearray) else bytearray(data)
    try:
        (length,) = _HEADER_LENGTH.unpack_from(data, 0)
        end = _HEADER_LENGTH.size + length
        if end > len(data):
            raise ProtocolError("the header runs past the end of the message")
        header = json.loads(data[_HEADER_LENGTH.size : end].decode("utf-8"))
        reader = _Tensors(data, end)
        value = _from_json(header, reader, 0)
        reader.finish()
        return value
    except ProtocolError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        RecursionError,
        struct.error,
        UnicodeDecodeError,
        RuntimeError,
    ) as exc:
        raise ProtocolError(f"undecodable message ({type(exc).__name__})") from None


class _Tensors:
    """Hands out the tail's tensor bytes in order, checking every size."""

    def __init__(self, data: bytearray, offset: int):
        self.data, self.offset, self.next = data, offset, 0

    def take(self, entry: dict) -> torch.Tensor:
        dtype = DTYPES.get(entry.get("dtype"))
        shape = entry.get("shape")
        if (
            dtype is None
            or not isinstance(shape, list)
            or not all(type(s) is int and s >= 0 for s in shape)
        ):
            raise ProtocolError("malformed tensor header")
        if entry.get("index") != self.next:
            raise ProtocolError("tensor bytes out of order")
        self.next += 1
        numel = 1
        for size in shape:
            numel *= size
        nbytes = numel * dtype.itemsize
        if self.offset + nbytes > len(self.data):
            raise ProtocolError("tensor bytes run past the end of the message")
        if numel == 0:
            return torch.empty(shape, dtype=dtype)
        tensor = torch.frombuffer(self.data, dtype=dtype, count=numel, offset=self.offset).reshape(
            shape
        )
        self.offset += nbytes
        return tensor

    def finish(self) -> None:
        if self.offset != len(self.data):
            raise ProtocolError("unexpected bytes after the last tensor")


def _from_json(value, tensors: _Tensors, depth: int):
    if depth > 64:
        raise ProtocolError("nesting too deep")
    kind = type(value)
    if kind in (bool, int, float, str, type(None)):
        return value
    if kind is list:
        return [_from_json(v, tensors, depth + 1) for v in value]
    if kind is not dict:
        raise ProtocolError(f"unexpected {kind.__name__} in header")
    tag = value.get("$")
    if tag is None:
        return {k: _from_json(v, tensors, depth + 1) for k, v in value.items()}
    if tag == "tensor":
        return tensors.take(value)
    if tag == "tuple":
        return tuple(_from_json(v, tensors, depth + 1) for v in value["items"])
    if tag == "set":
        return set(_from_json(v, tensors, depth + 1) for v in value["items"])
    if tag == "dict":
        return {
            _from_json(k, tensors, depth + 1): _from_json(v, tensors, depth + 1)
            for k, v in value["items"]
        }
    if tag == "complex":
        return complex(float(value["re"]), float(value["im"]))
    if tag == "dtype":
        if value.get("name") not in DTYPES:
            raise ProtocolError("unknown dtype")
        return DTYPES[value["name"]]
    if tag == "device":
        if not isinstance(value.get("name"), str) or not _DEVICE.match(value["name"]):
            raise ProtocolError("malformed device")
        return torch.device(value["name"])
    raise ProtocolError(f"unknown tag {tag!r}")


# -- sockets -----------------------------------------------------------------------------------


def send(sock: socket.socket, obj, deadline: float | None = None) -> None:
    """Write one reply; ``deadline`` (a time.monotonic() value) bounds the wait for a reader that does not read."""
    _send_frame(sock, encode(obj), deadline)


def recv(sock: socket.socket, deadline: float | None = None, limit: int = MAX_MESSAGE):
    """Read one reply and decode it; ``deadline`` is a time.monotonic() value."""
    return decode(_recv_frame(sock, deadline, limit))


# A socket used with a deadline is switched to non-blocking once, and waits go through poll():
# each message then costs one send, or one recv when the reply is already there, instead of
# resetting the socket's timeout and polling before every call.


def _timed(sock: socket.socket, deadline: float | None) -> None:
    """A socket used with a deadline waits in ``_wait``, never in a blocking call."""
    if deadline is not None and sock.gettimeout() != 0.0:
        sock.setblocking(False)


def _send_frame(sock: socket.socket, data: bytes, deadline: float | None) -> None:
    _timed(sock, deadline)
    view = memoryview(b"".join([HEADER.pack(len(data)), data]))
    while view:
        try:
            sent = sock.send(view)
        except (BlockingIOError, InterruptedError):
            _wait(sock, select.POLLOUT, deadline)
            continue
        except OSError as exc:
            raise Closed(str(exc)) from None
        view = view[sent:]


_FIRST_READ = 1 << 16  # most messages arrive whole in one read of this size


def _recv_frame(sock: socket.socket, deadline: float | None, limit: int) -> bytearray:
    """The body of one message.

    One side never sends a second message before the other has answered the first, so bytes
    beyond the end of this message can only come from a peer that breaks the protocol.
    """
    _timed(sock, deadline)
    buffer = bytearray(_FIRST_READ)
    received = _read_some(sock, memoryview(buffer), deadline)
    while received < HEADER.size:
        received += _read_some(sock, memoryview(buffer)[received:], deadline)
    (size,) = HEADER.unpack_from(buffer)
    if size > limit:
        raise ProtocolError(f"message of {size} bytes exceeds the limit of {limit}")
    end = HEADER.size + size
    if received > end:
        raise ProtocolError("bytes after the end of the message")
    if end <= len(buffer):
        while received < end:
            received += _read_some(sock, memoryview(buffer)[received:end], deadline)
        del buffer[end:]
        del buffer[: HEADER.size]
        return buffer
    rest = _read_exactly(sock, end - received, deadline)
    return buffer[HEADER.size : received] + rest


def _read_some(sock: socket.socket, view: memoryview, deadline: float | None) -> int:
    """Read at least one byte into ``view``."""
    while True:
        try:
            count = sock.recv_into(view, min(len(view), 1 << 20))
        except (BlockingIOError, InterruptedError):
            _wait(sock, select.POLLIN, deadline)
            continue
        except OSError as exc:
            raise Closed(str(exc)) from None
        if not count:
            raise Closed("connection closed")
        return count


def _wait(sock: socket.socket, events: int, deadline: float | None) -> None:
    """Until ``sock`` is ready for ``events`` (or has hung up), or the deadline passes: then the
    caller's next try finds nothing either, and this raises Timeout."""
    if deadline is None:
        timeout = None
    else:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout()
        timeout = max(left * 1000, 1)
    poller = select.poll()
    poller.register(sock, events)
    poller.poll(timeout)


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view, received = memoryview(buffer), 0
    while received < size:
        received += _read_some(sock, view[received:], deadline)
    return buffer


# -- live values <-> what crosses ---------------------------------------------------------------


def pack(value, depth: int = 0, *, layout: bool = False):
    """Turn a live value into what may cross: plain containers, CPU tensors, descriptions of the rest.

    Only exact built-in types pass as themselves, so an object that merely pretends to be
    a float or a list becomes an opaque description rather than crossing the boundary.
    With ``layout`` (the grader's requests), a tensor keeps its strides: a transposed, sliced
    or expanded input reaches student code as it is, since code that is wrong only on such
    inputs (writing through ``.view`` of a copy) must meet them.  Replies cross contiguous.
    """
    if depth > 32:
        return {OPAQUE: "nesting too deep", "repr": ""}
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, torch.Tensor):
        return _pack_tensor(value, layout)
    if kind in (list, tuple):
        packed = [pack(v, depth + 1, layout=layout) for v in value]
        return packed if kind is list else tuple(packed)
    if kind is dict:
        return {
            (k if type(k) in (str, int) else repr(k)): pack(v, depth + 1, layout=layout)
            for k, v in value.items()
        }
    if isinstance(value, (torch.dtype, torch.device)):
        return value
    return {OPAQUE: f"{kind.__module__}.{kind.__qualname__}", "repr": _safe_repr(value)}


def _pack_tensor(tensor: torch.Tensor, layout: bool = False):
    try:
        plain = tensor.detach()
        if type(plain) is not torch.Tensor:
            plain = plain.as_subclass(torch.Tensor)
        device = str(plain.device)
        if plain.layout != torch.strided:
            plain = plain.to_dense()
        if plain.dtype not in _DTYPE_NAMES:
            raise TypeError(f"dtype {plain.dtype} is not supported")
        if (
            plain.device.type == "meta"
        ):  # the fake device has shapes but no data: send zeros as placeholders
            plain = torch.zeros(plain.shape, dtype=plain.dtype)
        if layout and not plain.is_contiguous() and plain.numel():
            # the span of storage the tensor's elements lie in, and how they lie in it
            span = 1 + sum((size - 1) * stride for size, stride in zip(plain.shape, plain.stride()))
            flat = plain.as_strided((span,), (1,), plain.storage_offset())
            return {
                TENSOR: flat.to("cpu", copy=True),
                "device": device,
                "requires_grad": bool(tensor.requires_grad),
                "strided": [list(plain.shape), list(plain.stride())],
            }
        return {
            TENSOR: plain.to("cpu", copy=True).contiguous(),
            "device": device,
            "requires_grad": bool(tensor.requires_grad),
        }
    except Exception as exc:
        return {
            OPAQUE: "torch.Tensor",
            "repr": f"a tensor that cannot be copied ({type(exc).__name__}: {exc})",
        }


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
    """What crossed, back to live values; ``device`` overrides the recorded device (worker side)."""
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
            return Opaque(
                _ADDRESS.sub("0x...", str(value.get(OPAQUE))[:200]),
                _ADDRESS.sub("0x...", str(value.get("repr", ""))[:300]),
            )
        return {k: unpack(v, device=device, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, torch.Tensor):  # a bare tensor, e.g. inside the grader's own requests
        return value
    raise ProtocolError(f"unexpected {kind.__name__} in message")


def _strided(flat: torch.Tensor, layout) -> torch.Tensor:
    """The view of ``flat`` with the shape and strides a request recorded (``pack(layout=True)``)."""
    try:
        shape, stride = layout
        dims = [*shape, *stride]
        if len(shape) != len(stride) or any(type(n) is not int or n < 0 for n in dims):
            raise ValueError
        if flat.dim() != 1 or 1 + sum((n - 1) * s for n, s in zip(shape, stride)) != len(flat):
            raise ValueError
    except (TypeError, ValueError):
        raise ProtocolError("malformed strided tensor in message") from None
    return flat.as_strided(shape, stride)


def _unpack_tensor(value: dict, device: str | None) -> torch.Tensor:
    tensor = value.get(TENSOR)
    recorded = value.get("device", "cpu")
    if (
        type(tensor) is not torch.Tensor
        or not isinstance(recorded, str)
        or not _DEVICE.match(recorded)
    ):
        raise ProtocolError("malformed tensor in message")
    target = device or recorded
    if target != "cpu":
        tensor = tensor.to(target)
    if "strided" in value:
        tensor = _strided(tensor, value["strided"])
    if value.get("requires_grad") is True and (tensor.is_floating_point() or tensor.is_complex()):
        tensor.requires_grad_(True)
    return tensor
