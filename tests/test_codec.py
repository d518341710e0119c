"""Data crossing the worker boundary is decoded without executing anything."""

import io
import os
import pickle
import socket

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
        "tuple": (1, (2.5, "x")), "int keys": {0: "a", 1: "b"}, "dollar": {"$": "not a tag"},
        "complex": 1 + 2j, "nan": float("nan"), "inf": float("-inf"), "set": {3, 4},
        "dtype": torch.bfloat16, "device": torch.device("cpu"), "big": 10**40, "bool": True,
        "empty": torch.zeros(0, 3, dtype=torch.int64), "scalar": torch.tensor(2.5, dtype=torch.float16),
        "complex tensor": torch.tensor([1 + 1j, 2 - 1j]), "non-contiguous": torch.arange(12.0).reshape(3, 4).t(),
    }  # fmt: skip
    back = codec.decode(codec.encode(value))
    assert back["tuple"] == (1, (2.5, "x")) and back["int keys"] == {0: "a", 1: "b"} and back["dollar"] == {"$": "not a tag"}
    assert back["complex"] == 1 + 2j and back["nan"] != back["nan"] and back["inf"] == float("-inf")
    assert back["set"] == {3, 4} and back["dtype"] is torch.bfloat16 and back["big"] == 10**40 and back["bool"] is True
    for key in ("empty", "scalar", "complex tensor", "non-contiguous"):
        assert torch.equal(back[key], value[key]) and back[key].dtype == value[key].dtype, key


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: data[:-3],  # truncated tensor bytes
        lambda data: data + b"\0",  # trailing bytes
        lambda data: data.replace(b'"float64"', b'"object0"'),  # a dtype that is not allowed
        lambda data: data.replace(b'"shape":[2,3]', b'"shape":[9,9]'),  # claims more bytes than sent
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
