"""Static detection of forbidden calls in a submission's source (the grader's trusted half).

The source is parsed, never run.  Each top-level definition's names are resolved to the
dotted names they stand for, and a forbidden name is found whatever the route:

- aliases: ``import torch.nn.functional as F``, ``from torch.nn.functional import mse_loss as m``,
  ``L = nn.MSELoss``, ``F = importlib.import_module("torch.nn.functional")``,
  ``sys.modules["torch.nn.functional"]``;
- strings the text spells out, even in pieces: ``getattr(F, "mse" + "_loss")``,
  ``vars(F)["mse_loss"]``, ``F.__dict__["mse_loss"]`` (literals, ``+``, f-strings of literals,
  ``"".join`` of literals);
- the implementing module's own name: a name is compared with the forbidden one by the
  object it denotes in torch, so ``torch.nn.modules.loss.MSELoss`` is ``torch.nn.MSELoss``;
  any name inside a private torch module (``torch._refs``, ``torch._decomp``, ``torch._C._nn``,
  ...) with the same last part as a forbidden name; ``torch.ops.aten.op`` with any overload;
- a forbidden ``torch.f`` used as a tensor method (``x.logsumexp()``);
- and two things honest code for these exercises never needs: ``getattr`` with a computed
  name on a module that holds a forbidden name, and ``eval``/``exec``/``compile``.

Hits are attributed to the top-level function or class they occur in, and an entry point is
charged for every definition of the module it refers to, directly or indirectly.  Names
built at run time from data are left to the worker's runtime detection (worker/forbidden.py);
docs/sandbox.md lists what each half does not catch.
"""

from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass

MODULE_LEVEL = "<module>"
DYNAMIC_CODE = ("eval", "exec", "compile")
COMPUTED = "<computed>"  # the attribute part of getattr(module, <not a literal>)


@dataclass(frozen=True)
class StaticHit:
    name: str  # the forbidden name as course.toml spells it, or what was done instead
    line: int

    def describe(self) -> str:
        return f"{self.name} (line {self.line})"


@dataclass
class Scan:
    references: dict[str, set[str]]  # top-level definition -> top-level names it uses
    found: dict[str, list[tuple[str, int]]]  # top-level definition -> (dotted name, line)

    def hits(self, entry: str, forbidden: tuple[str, ...]) -> list[StaticHit]:
        reachable, stack = set(), [entry, MODULE_LEVEL]
        while stack:
            name = stack.pop()
            if name in reachable:
                continue
            reachable.add(name)
            stack.extend(self.references.get(name, ()))
        hits: list[StaticHit] = []
        for definition in sorted(reachable):
            for dotted, line in self.found.get(definition, ()):
                for name in _matching(dotted, forbidden):
                    if StaticHit(name, line) not in hits:
                        hits.append(StaticHit(name, line))
        return sorted(hits, key=lambda hit: hit.line)


def _matching(dotted: str, forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden names ``dotted`` reaches (or, for eval and computed getattr, a description of it)."""
    if not forbidden:
        return []
    if dotted in DYNAMIC_CODE:
        return [f"{dotted}() (code built from strings cannot be checked)"]
    if dotted.endswith("." + COMPUTED):
        module = dotted[: -len(COMPUTED) - 1]
        if any(
            name.rsplit(".", 1)[0] == module and module != "torch"
            for name in forbidden
            if "." in name
        ):
            return [f"getattr({module}, <a computed name>)"]
        return []
    return [name for name in forbidden if _matches(dotted, name)]


def _matches(dotted: str, forbidden: str) -> bool:
    if forbidden.startswith("aten::"):
        op = forbidden[len("aten::") :]
        for spelled in (f"torch.ops.aten.{op}", f"torch._C._nn.{op}", f"torch._VF.{op}"):
            if dotted == spelled or dotted.startswith(spelled + "."):
                return True
        return _private_twin(dotted, op)
    if dotted == forbidden or dotted.startswith(forbidden + "."):
        return True
    leaf = forbidden.rsplit(".", 1)[-1]
    if dotted.startswith("."):  # a method call such as x.logsumexp()
        return (
            dotted == "." + leaf
            and forbidden.rsplit(".", 1)[0] in ("torch", "torch.special")
            and leaf in _tensor_methods()
        )
    if _private_twin(dotted, leaf):
        return True
    target = _resolve(forbidden)
    return target is not None and _resolve(dotted) is target


def _private_twin(dotted: str, leaf: str) -> bool:
    """``torch._refs.nn.functional.mse_loss`` for ``mse_loss``: a private implementation of the same thing."""
    parts = dotted.split(".")
    return (
        len(parts) > 2
        and parts[0] == "torch"
        and any(p.startswith("_") for p in parts[1:-1])
        and parts[-1] == leaf
    )


@functools.cache
def _resolve(dotted: str):
    """The object a dotted name denotes among modules already imported here, or None.

    Walks module and class dictionaries only: no import and no ``__getattr__`` runs, so a
    name in a student's source never makes the grader execute anything.
    """
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        obj = module
        for attribute in parts[split:]:
            try:
                obj = vars(obj)[attribute]
            except (TypeError, KeyError):
                return None
        return obj if (callable(obj) and not isinstance(obj, type(sys))) else None
    return None


@functools.cache
def _tensor_methods() -> frozenset[str]:
    import torch

    return frozenset(name for name in dir(torch.Tensor) if not name.startswith("_"))


def scan(source: str) -> Scan:
    """Every dotted name each top-level definition uses, with aliases resolved."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return Scan({}, {})
    aliases = _aliases(tree)
    top_level = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    top_level |= {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    references: dict[str, set[str]] = {}
    found: dict[str, list[tuple[str, int]]] = {}
    for node in tree.body:
        owner = _owner(node)
        refs = references.setdefault(owner, set())
        names = found.setdefault(owner, [])
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and inner.id in top_level and inner.id != owner:
                refs.add(inner.id)
            dotted = _dotted(inner, aliases)
            if dotted:
                names.append((dotted, inner.lineno))
    return Scan(references, found)


def _owner(node: ast.stmt) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        return node.targets[0].id  # ``mse = F.mse_loss`` belongs to ``mse``
    return MODULE_LEVEL


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from imports and simple assignments anywhere."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for _ in range(
        2
    ):  # assignments, twice: ``F = importlib.import_module(...)`` then ``f = F.mse_loss``
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                target = _chain(node.value, aliases)
                if target and "." in target:
                    aliases[node.targets[0].id] = target
    return aliases


def _chain(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``a.b.c`` with its root resolved through ``aliases`` (or an import by a literal name); None for anything else."""
    parts = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif (
            isinstance(node, ast.Subscript)
            and _is_namespace(node.value, aliases)
            and _literal(node.slice) is not None
        ):
            parts.append(_literal(node.slice))  # vars(F)["mse_loss"], F.__dict__["mse_loss"]
            node = node.value.args[0] if isinstance(node.value, ast.Call) else node.value.value
        else:
            break
    if isinstance(node, ast.Name):
        root = aliases.get(node.id)
    else:
        root = _imported(node, aliases)
    if root is None:
        return None
    return ".".join([root, *reversed(parts)])


def _is_namespace(node: ast.AST, aliases: dict[str, str]) -> bool:
    """``vars(X)`` or ``X.__dict__``, where X is a known name."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "vars"
        and len(node.args) == 1
    ):
        return _chain(node.args[0], aliases) is not None
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "__dict__"
        and _chain(node.value, aliases) is not None
    )


def _imported(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The module named by ``importlib.import_module("x")``, ``__import__("x", ...)`` or ``sys.modules["x"]``."""
    if isinstance(node, ast.Subscript) and _chain(node.value, aliases) == "sys.modules":
        return _literal(node.slice)
    if not isinstance(node, ast.Call) or not node.args:
        return None
    function = node.func.id if isinstance(node.func, ast.Name) else _chain(node.func, aliases)
    name = _literal(node.args[0])
    if function in ("importlib.import_module", "import_module"):
        return name
    if function == "__import__" and name:
        fromlist = len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
        return (
            name if fromlist else name.split(".")[0]
        )  # without a fromlist it returns the top package
    return None


def _literal(node: ast.AST) -> str | None:
    """The string an expression spells out with literals only.

    ``"a"``, ``"a" + "b"``, ``f"a{'b'}"``, ``"".join(["a", "b"])``.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        pieces = [
            _literal(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values
        ]
        return "".join(pieces) if all(p is not None for p in pieces) else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        separator = _literal(node.func.value)
        pieces = [_literal(e) for e in node.args[0].elts]
        return (
            separator.join(pieces)
            if separator is not None and all(p is not None for p in pieces)
            else None
        )
    return None


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name a node refers to, ``.method`` for a method of an unknown object, or a dynamic-code marker."""
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        chain = _chain(node, aliases)
        if chain:
            return chain
        return "." + node.attr if isinstance(node, ast.Attribute) else None
    if isinstance(node, ast.Name) and node.id in aliases and "." in aliases[node.id]:
        return aliases[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in DYNAMIC_CODE and node.func.id not in aliases:
            return node.func.id
        if node.func.id == "getattr" and len(node.args) >= 2:
            base = _chain(node.args[0], aliases)
            name = _literal(node.args[1])
            if name is None:
                return f"{base}.{COMPUTED}" if base else None
            return f"{base}.{name}" if base else "." + name
    return None
