"""Forbidden calls are found in the source (aliases, getattr, methods) and at run time (any route)."""

import pytest
import torch

from graders.course.forbidden import scan
from graders.worker.forbidden import TAMPERED, watch

MSE = ("torch.nn.functional.mse_loss", "torch.nn.MSELoss", "aten::mse_loss")


@pytest.mark.parametrize(
    "source",
    [
        "import torch.nn.functional as F\ndef mse(a, b):\n    return F.mse_loss(a, b)\n",
        "from torch.nn.functional import mse_loss as sq\ndef mse(a, b):\n    return sq(a, b)\n",
        "from torch import nn\ndef mse(a, b):\n    return nn.MSELoss()(a, b)\n",
        "import torch\nL = torch.nn.MSELoss\ndef mse(a, b):\n    return L()(a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return getattr(F, 'mse_loss')(a, b)\n",
        "import torch\ndef helper(a, b):\n    return torch.nn.functional.mse_loss(a, b)\ndef "
        "mse(a, b):\n    return helper(a, b)\n",
        "import torch\nmse = torch.nn.functional.mse_loss\n",
        "import torch\ndef mse(a, b):\n    return torch.ops.aten.mse_loss(a, b)\n",
        "import torch\ndef mse(a, b):\n    return torch.ops.aten.mse_loss.default(a, b)\n",
        "import importlib\ndef mse(a, b):\n    F = importlib.import_module('torch.nn.' + "
        "'functional')\n    return F.mse_loss(a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return getattr(F, 'mse' + '_loss')(a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return getattr(F, ''.join(['mse', '_', 'loss']))(a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return vars(F)['mse_loss'](a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return F.__dict__[f'mse_{\"loss\"}'](a, b)\n",
        "import sys\ndef mse(a, b):\n    return sys.modules['torch.nn.functional'].mse_loss(a, b)\n",
        "def mse(a, b):\n    return __import__('torch.nn.functional', fromlist=['x']).mse_loss(a, b)\n",
        "from torch.nn.modules import loss\ndef mse(a, b):\n    return loss.MSELoss()(a, b)\n",
        "from torch.nn.modules.loss import MSELoss as Squares\ndef mse(a, b):\n    return Squares()(a, b)\n",
        "import torch._refs.nn.functional as R\ndef mse(a, b):\n    return R.mse_loss(a, b)\n",
        "import torch\nfrom torch._decomp import decomposition_table\ndef mse(a, b):\n"
        "    return decomposition_table[torch.ops.aten.mse_loss.default](a, b)\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    name = input()\n    return getattr(F, name)(a, b)\n",
        "def mse(a, b):\n    return eval('a')\n",
    ],
    ids=[
        "alias-module",
        "alias-function",
        "class",
        "assigned-class",
        "getattr-string",
        "via-helper",
        "module-level-alias",
        "torch-ops",
        "op-overload",
        "import-module",
        "getattr-built-string",
        "getattr-joined-string",
        "vars",
        "dunder-dict",
        "sys-modules",
        "dunder-import",
        "implementing-module",
        "implementing-class",
        "private-twin",
        "decomposition",
        "getattr-computed",
        "eval",
    ],
)
def test_static_scan_sees_through_aliases(source):
    hits = scan(source).hits("mse", MSE)
    assert hits, "not detected"


@pytest.mark.parametrize(
    "source",
    [
        "import torch\ndef mse(a, b):\n    return ((a - b) ** 2).mean()\n",
        "import torch\ndef mse(a, b):\n    return getattr(torch, 'float' + '64') and ((a - b) ** 2).mean()\n",
        "import torch\ndef mse(a, b, reduction='mean'):\n    return getattr((a - b) ** 2, reduction)()\n",
        "import torch.nn.functional as F\ndef mse(a, b):\n    return F.relu(a - b).pow(2).mean()\n",
    ],
    ids=["plain", "getattr-on-torch", "getattr-on-a-tensor", "other-function-of-the-module"],
)
def test_static_scan_leaves_honest_code_alone(source):
    assert scan(source).hits("mse", MSE) == []


def test_static_scan_charges_only_the_entry_point_that_uses_it():
    source = (
        "import torch.nn.functional as F\ndef other(a, b):\n    return F.mse_loss(a, b)\ndef "
        "mse(a, b):\n    return ((a - b) ** 2).mean()\n"
    )
    assert scan(source).hits("mse", MSE) == []
    assert scan(source).hits("other", MSE)[0].line == 3


def test_static_scan_catches_a_forbidden_function_used_as_a_method():
    hits = scan("def ce(x, t):\n    return x.logsumexp(dim=1)\n").hits("ce", ("torch.logsumexp",))
    assert [h.name for h in hits] == ["torch.logsumexp"]


def test_runtime_watch_sees_routes_the_text_cannot_show():
    x = torch.randn(3, requires_grad=True)
    name = "mse" + "_loss"
    with watch(list(MSE)) as hits:
        getattr(torch.nn.functional, name)(x, x.detach())
    assert "aten::mse_loss" in hits and "torch.nn.functional.mse_loss" in hits
    with watch(list(MSE)) as hits:
        torch._C._nn.mse_loss(x, x.detach())
    assert "aten::mse_loss" in hits


def test_runtime_watch_sees_autograd_and_forbidden_classes():
    x = torch.randn(3, requires_grad=True)
    with watch(["autograd", "torch.optim.Adam"]) as hits:
        torch.optim.Adam([x])
        (x * 2).sum().backward()
    assert hits == ["torch.optim.Adam", "autograd"]


def test_runtime_watch_restores_everything_afterwards():
    original_init, original_engine = (
        torch.nn.MSELoss.__init__,
        torch.autograd.variable.Variable._execution_engine,
    )
    with watch(["torch.nn.MSELoss", "autograd", "torch.nn.functional.mse_loss"]):
        pass
    assert torch.nn.MSELoss.__init__ is original_init
    assert torch.autograd.variable.Variable._execution_engine is original_engine
    assert torch.nn.functional.mse_loss.__name__ == "mse_loss" and not hasattr(
        torch.nn.functional.mse_loss, "__wrapped__"
    )


def test_allowed_code_records_nothing():
    x = torch.randn(4, 3)
    with watch(list(MSE)) as hits:
        ((x - 1) ** 2).mean()
    assert hits == []


def test_runtime_watch_reports_being_switched_off():
    from torch.overrides import _pop_mode
    from torch.utils._python_dispatch import _pop_mode as pop_dispatch

    x = torch.randn(3)
    with watch(list(MSE)) as hits:
        _pop_mode()
        pop_dispatch()
        torch.nn.functional.mse_loss.__wrapped__(x, x)
    assert hits == [TAMPERED]
    with watch(list(MSE)) as hits:  # and the next watch works again
        torch.nn.functional.mse_loss(x, x)
    assert "aten::mse_loss" in hits
