"""Static detection of forbidden calls in a submission's source (the grader's trusted half).

The source is parsed, never run.  Import aliases are followed (``import torch.nn.functional
as F``, ``from torch.nn.functional import mse_loss as m``, ``L = nn.MSELoss``), so is
``getattr(F, "mse_loss")`` with a literal string, and a forbidden ``torch.f`` that is also a
tensor method is caught as ``x.f(...)``.  Hits are attributed to the top-level function or
class they occur in, and an entry point is charged for every function of the module it
refers to, directly or indirectly.  Routes the text cannot show (names built at run time)
are left to the worker's runtime detection (worker/forbidden.py).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

MODULE_LEVEL = "<module>"


@dataclass(frozen=True)
class StaticHit:
    name: str  # the forbidden name as course.toml spells it
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
        hits = []
        for definition in sorted(reachable):
            for dotted, line in self.found.get(definition, ()):
                for name in forbidden:
                    if _matches(dotted, name) and StaticHit(name, line) not in hits:
                        hits.append(StaticHit(name, line))
        return sorted(hits, key=lambda hit: hit.line)


def _matches(dotted: str, forbidden: str) -> bool:
    if forbidden.startswith("aten::"):
        op = forbidden[len("aten::") :]
        return dotted in (f"torch.ops.aten.{op}", f"torch._C._nn.{op}", f"torch._VF.{op}")
    if dotted == forbidden:
        return True
    if dotted.startswith(".") and forbidden.count(".") >= 1:  # a method call such as x.logsumexp()
        leaf = forbidden.rsplit(".", 1)[1]
        return dotted == "." + leaf and forbidden.rsplit(".", 1)[0] in ("torch", "torch.special") and leaf in _tensor_methods()
    return False


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
    top_level = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    top_level |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
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
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
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
    for node in ast.walk(tree):  # second pass: ``F = torch.nn.functional``, ``L = nn.MSELoss``
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = _chain(node.value, aliases)
            if target and "." in target:
                aliases[node.targets[0].id] = target
    return aliases


def _chain(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``a.b.c`` with its root resolved through ``aliases``; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        root = aliases.get(node.id)
        if root is None:
            return None
        return ".".join([root, *reversed(parts)])
    return None


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name a node refers to, or ``.method`` for a method call on an unknown object."""
    if isinstance(node, ast.Attribute):
        chain = _chain(node, aliases)
        if chain:
            return chain
        return "." + node.attr
    if isinstance(node, ast.Name) and node.id in aliases and "." in aliases[node.id]:
        return aliases[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
        if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            base = _chain(node.args[0], aliases) if not isinstance(node.args[0], ast.Name) else aliases.get(node.args[0].id)
            if base:
                return f"{base}.{node.args[1].value}"
            return "." + node.args[1].value
    return None
