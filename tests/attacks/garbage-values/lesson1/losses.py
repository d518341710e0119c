"""Each loss returns something a careless grader might choke on."""


class Agreeable(torch.Tensor):
    """A tensor subclass that claims to equal everything."""

    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True


def mse(input, target, reduction="mean"):
    return torch.zeros_like(input).as_subclass(Agreeable)


def binary_cross_entropy(input, target, reduction="mean"):
    return torch.quantize_per_tensor(input.float().detach(), 0.1, 0, torch.qint8)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    return (input.detach() * 0).to_sparse()


def cross_entropy(input, target, reduction="mean"):
    nested = []
    for _ in range(10_000):
        nested = [nested]
    return {"value": nested, 1j: complex(1, 2), "big": torch.zeros(4, 2**20)}
