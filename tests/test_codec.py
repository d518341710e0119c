"""Data crossing the worker boundary is decoded without executing anything."""

import io
import os
import pickle
import socket
import time

import pytest
import torch

from graders.worker import codec


class Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/graders-codec-pwned",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickled_object_that_runs_code_is_rejected(tmp_path):
    payload = pickle.dumps({"value": Boom()})
    with pytest.raises(codec.ProtocolError):
        codec.decode(payload)
    assert not os.path.exists("/tmp/graders-codec-pwned")


def test_torch_save_of_an_arbitrary_object_is_rejected():
    buffer = io.BytesIO()
    torch.save({"value": Boom()}, buffer)
    with pytest.raises(codec.ProtocolError):
        codec.decode(buffer.getvalue())


def test_tensors_keep_values_dtype_shape_and_device_tag():
    x = torch.randn(2, 3, 4, dtype=torch.float64)
    wire = codec.decode(codec.encode(codec.pack({"x": x, "items": [1, 2.5, "s", None, (x[0],)]})))
    back = codec.unpack(wire)
    assert torch.equal(back["x"], x) and back["x"].dtype == torch.float64
    assert back["items"][:4] == [1, 2.5, "s", None] and torch.equal(back["items"][4][0], x[0])


def test_pretend_numbers_and_subclasses_cross_as_opaque_descriptions():
    class Liar(float):
        def __eq__(self, other):
            return True

    class Sneaky(torch.Tensor):
        pass

    sneaky = torch.ones(2).as_subclass(Sneaky)
    back = codec.unpack(codec.decode(codec.encode(codec.pack([Liar(1.0), sneaky]))))
    assert isinstance(back[0], codec.Opaque) and "Liar" in back[0].type_name
    assert type(back[1]) is torch.Tensor and torch.equal(back[1], torch.ones(2))


def test_malformed_tensor_markers_are_refused():
    with pytest.raises(codec.ProtocolError):
        codec.unpack({codec.TENSOR: "not a tensor", "device": "cpu"})
    with pytest.raises(codec.ProtocolError):
        codec.unpack({codec.TENSOR: torch.ones(1), "device": "cuda; rm -rf /"})


def test_oversized_messages_are_refused_before_reading_them():
    mine, theirs = socket.socketpair()
    theirs.sendall(codec.HEADER.pack(codec.MAX_MESSAGE + 1))
    with pytest.raises(codec.ProtocolError):
        codec.recv(mine)
    mine.close()
    theirs.close()


def test_values_json_cannot_say_directly_survive_the_round_trip():
    value = {
        "tuple": (1, (2.5, "x")),
        "int keys": {0: "a", 1: "b"},
        "dollar": {"$": "not a tag"},
        "complex": 1 + 2j,
        "nan": float("nan"),
        "inf": float("-inf"),
        "set": {3, 4},
        "dtype": torch.bfloat16,
        "device": torch.device("cpu"),
        "big": 10**40,
        "bool": True,
        "empty": torch.zeros(0, 3, dtype=torch.int64),
        "scalar": torch.tensor(2.5, dtype=torch.float16),
        "complex tensor": torch.tensor([1 + 1j, 2 - 1j]),
        "non-contiguous": torch.arange(12.0).reshape(3, 4).t(),
    }
    back = codec.decode(codec.encode(value))
    assert (
        back["tuple"] == (1, (2.5, "x"))
        and back["int keys"] == {0: "a", 1: "b"}
        and back["dollar"] == {"$": "not a tag"}
    )
    assert back["complex"] == 1 + 2j and back["nan"] != back["nan"] and back["inf"] == float("-inf")
    assert (
        back["set"] == {3, 4}
        and back["dtype"] is torch.bfloat16
        and back["big"] == 10**40
        and back["bool"] is True
    )
    for key in ("empty", "scalar", "complex tensor", "non-contiguous"):
        assert torch.equal(back[key], value[key]) and back[key].dtype == value[key].dtype, key


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: data[:-3],  # truncated tensor bytes
        lambda data: data + b"\0",  # trailing bytes
        lambda data: data.replace(b'"float64"', b'"object0"'),  # a dtype that is not allowed
        lambda data: data.replace(
            b'"shape":[2,3]', b'"shape":[9,9]'
        ),  # claims more bytes than sent
        lambda data: data.replace(b'"shape":[2,3]', b'"shape":[-2,-3]'),
        lambda data: data.replace(b'"$":"tuple"', b'"$":"pickle"'),  # an unknown tag
        lambda data: b"\xff\xff\xff\xff" + data[4:],  # header length beyond the message
    ],
)
def test_malformed_messages_are_refused(corrupt):
    data = codec.encode({"x": torch.zeros(2, 3, dtype=torch.float64), "t": (1, 2)})
    with pytest.raises(codec.ProtocolError):
        codec.decode(corrupt(data))


def test_deep_nesting_is_refused():
    value = []
    for _ in range(200):
        value = [value]
    data = codec.encode(value)
    with pytest.raises(codec.ProtocolError):
        codec.decode(data)


def test_requests_keep_tensors_of_every_dtype_shape_and_flag():
    value = {
        "params": codec.pack(
            {"args": (torch.randn(3, 2), torch.arange(6).reshape(2, 3).t()), "wrt": (0,)}
        ),
        "bf16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
        "bool": torch.tensor([True, False]),
        "empty": torch.zeros(0, 4),
        "scalar": codec.pack({"x": torch.tensor(3.0, requires_grad=True)}),
        "complex": torch.tensor([1 + 2j]).conj(),
        "dtype": torch.float64,
        "device": torch.device("cpu"),
        "files": {"lesson1/losses.py": "def mse(): ..."},
    }
    back = _through_socket(value)
    args = codec.unpack(back["params"])["args"]
    assert torch.equal(args[0], codec.unpack(value["params"])["args"][0])
    assert torch.equal(args[1], torch.arange(6).reshape(2, 3).t()) and args[1].dtype == torch.int64
    for key in ("bf16", "bool", "empty", "complex"):
        assert torch.equal(back[key], value[key]) and back[key].dtype == value[key].dtype, key
    scalar = codec.unpack(back["scalar"])["x"]
    assert scalar.requires_grad and float(scalar) == 3.0 and not back["bf16"].requires_grad
    back["bf16"].add_(1)  # the child's tensors are its own, and writable
    assert back["dtype"] is torch.float64 and back["files"] == value["files"]


def test_requests_cross_a_socket_and_a_deadline_bounds_the_wait_for_a_reply():
    mine, theirs = socket.socketpair()
    codec.send_request(
        mine, {"op": "probe", "x": torch.ones(20_000)}, time.monotonic() + 5
    )  # larger than one read
    request = codec.recv_request(theirs)
    assert request["op"] == "probe" and torch.equal(request["x"], torch.ones(20_000))
    started = time.monotonic()
    with pytest.raises(codec.Timeout):
        codec.recv(mine, time.monotonic() + 0.2)  # the child has not answered
    assert 0.15 < time.monotonic() - started < 2
    codec.send(theirs, {"ok": True})
    assert codec.recv(mine, time.monotonic() + 5) == {"ok": True}
    theirs.close()
    with pytest.raises(codec.Closed):
        codec.recv(mine, time.monotonic() + 5)
    mine.close()


def _through_socket(value):
    mine, theirs = socket.socketpair()
    try:
        codec.send_request(mine, value, time.monotonic() + 5)
        return codec.recv_request(theirs)
    finally:
        mine.close()
        theirs.close()


def test_a_request_holds_data_only():
    back = _through_socket({"c": 1 + 2j, "s": {1}, "f": frozenset([2])})
    assert back == {"c": 1 + 2j, "s": {1}, "f": {2}}
    with pytest.raises(TypeError, match="cannot encode Boom"):
        _through_socket({"value": Boom()})  # an object is refused before it is sent
    assert not os.path.exists("/tmp/graders-codec-pwned")


def test_a_request_that_is_not_a_message_is_a_bad_request():
    mine, theirs = socket.socketpair()
    payload = b"not a message"
    mine.sendall(codec.HEADER.pack(len(payload)) + payload)
    with pytest.raises(codec.BadRequest):
        codec.recv_request(theirs)
    mine.close()
    theirs.close()


def test_the_child_answers_a_request_it_cannot_rebuild_and_serves_the_next():
    import threading

    from graders.worker.child import Child

    mine, theirs = socket.socketpair()
    server = threading.Thread(target=Child(theirs).serve, daemon=True)
    server.start()
    payload = pickle.dumps({"value": Boom()})
    mine.sendall(codec.HEADER.pack(len(payload)) + payload)
    reply = codec.recv(mine, time.monotonic() + 5)
    assert (
        reply["ok"] is False
        and reply["error"]["phase"] == "worker"
        and "unreadable request" in reply["error"]["message"]
    )
    codec.send_request(mine, {"op": "nothing"}, time.monotonic() + 5)
    assert "unknown op" in codec.recv(mine, time.monotonic() + 5)["error"]["message"]
    mine.close()
    server.join(5)
    assert not server.is_alive() and not os.path.exists("/tmp/graders-codec-pwned")


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.t(),
        lambda x: x[:, ::2],
        lambda x: x[1].expand(5, 4),
        lambda x: x[1:, 1:3],
        lambda x: x.t()[0],
        lambda x: x[0, 0],
        lambda x: x[0, 0].expand(1, 1),
        lambda x: x[0, :1].expand(2, 1),
    ],
    ids=[
        "transposed",
        "every-other-column",
        "expanded",
        "sliced",
        "strided-row",
        "0-dim-view",
        "expanded-1x1",
        "expanded-column",
    ],
)
def test_request_tensors_reach_the_child_with_their_strides(make):
    """Code that is wrong only on non-contiguous inputs (writing through .view of a copy) must
    meet them: a request's tensors keep their layout; a reply's cross contiguous."""
    base = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
    tensor = make(base)
    sent = {"x": tensor, "g": tensor.detach().clone().requires_grad_(True)}
    back = codec.unpack(_through_socket(codec.pack(sent, layout=True)))

    def layout(t):  # a size-1 dimension's stride is meaningless (torch calls any contiguous)
        return [(n, stride) for n, stride in zip(t.shape, t.stride()) if n > 1]

    assert back["x"].shape == tensor.shape and layout(back["x"]) == layout(tensor)
    assert torch.equal(back["x"], tensor) and back["g"].requires_grad
    reply = codec.unpack(_through_socket(codec.pack({"x": tensor})))["x"]
    assert reply.is_contiguous() and torch.equal(reply, tensor)


@pytest.mark.parametrize(
    "layout",
    [[[3, 4], [1]], [[3, 4], [1, -3]], [[3, 4], [4, 2]], [[2], ["1"]], "3x4", [[9**9], [1]]],
)
def test_malformed_layouts_are_refused(layout):
    packed = codec.pack({"x": torch.arange(12.0).reshape(3, 4).t()}, layout=True)
    packed["x"]["strided"] = layout
    with pytest.raises(codec.ProtocolError):
        codec.unpack(_through_socket(packed))
