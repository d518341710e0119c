"""Runtime detection of forbidden calls while student code runs (the worker's half).

Three nets, each catching routes the others miss:

- ``aten::op`` names: a TorchDispatchMode sees every operator that reaches ATen, whatever
  Python route led there (alias, ``getattr``, tensor method, ``torch._C``, ``torch.ops``).
- dotted names of Python callables: a TorchFunctionMode matches the function object itself,
  and the attribute is wrapped in its module, so ``from m import f as g`` is caught too;
  classes are caught when instantiated.
- ``autograd``: the autograd engine is wrapped, so ``backward()``, ``torch.autograd.grad`` and
  ``torch.func`` transforms are all seen.

Student code runs in this same process and could undo these hooks.  Undoing them and leaving
them undone is caught (the watch checks its modes and wrappers when the call returns, and
reports ``TAMPERED``); undoing and redoing them inside the call is not, so the grader also
scans the source statically (graders/course/forbidden.py) and trusts only its own scan for routes
that can be seen in the text.  docs/sandbox.md lists what each net does and does not catch.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator

from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode


def resolve(dotted: str):
    """The object a dotted name refers to, or None when it does not exist in this torch.

    Walks attributes from the top-level module and imports a submodule only when an
    attribute is missing: a failed import scans sys.path, far too slow to do per call.
    """
    parts = dotted.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i, attribute in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, attribute)
        except AttributeError:
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return None
    return obj


class _FunctionWatch(TorchFunctionMode):
    def __init__(self, watched: dict[int, str], hit: Callable[[str], None]):
        super().__init__()
        self.watched, self.hit = watched, hit

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = self.watched.get(id(func))
        if name is not None:
            self.hit(name)
        return func(*args, **(kwargs or {}))


class _DispatchWatch(TorchDispatchMode):
    def __init__(self, watched: set[str], hit: Callable[[str], None]):
        super().__init__()
        self.watched, self.hit = watched, hit

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func._schema.name
        if name in self.watched:
            self.hit(name)
        return func(*args, **(kwargs or {}))


class _EngineWatch:
    """Stands in for autograd's engine and reports every backward pass."""

    def __init__(self, engine, hit: Callable[[str], None]):
        self._engine, self._hit = engine, hit

    def run_backward(self, *args, **kwargs):
        self._hit("autograd")
        return self._engine.run_backward(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._engine, name)


def _recording(name: str, original, hit: Callable[[str], None]):
    def wrapper(*args, **kwargs):
        hit(name)
        return original(*args, **kwargs)

    wrapper.__wrapped__ = original
    wrapper.__name__ = getattr(original, "__name__", "forbidden")
    return wrapper


@contextlib.contextmanager
def watch(names: list[str] | tuple[str, ...]) -> Iterator[list[str]]:
    """Record, in order of first use, which of ``names`` the code inside the block calls."""
    hits: list[str] = []

    def hit(name: str) -> None:
        if name not in hits:
            hits.append(name)

    aten = {name for name in names if name.startswith("aten::")}
    dotted = [name for name in names if "." in name and not name.startswith("aten::")]
    restore: list[tuple[object, str, object]] = []
    installed: list[tuple[object, str, object]] = []  # (owner, attribute, what we put there)
    functions: dict[int, str] = {}
    for name in dotted:
        obj = resolve(name)
        if obj is None:
            continue
        functions[id(obj)] = name
        if isinstance(obj, type):
            original_init = obj.__init__
            try:
                obj.__init__ = _recording(name, original_init, hit)
            except TypeError:  # a built-in type: the dispatch net has to catch its operators
                continue
            restore.append((obj, "__init__", original_init))
            installed.append((obj, "__init__", obj.__init__))
        else:
            owner = resolve(name.rsplit(".", 1)[0])
            attribute = name.rsplit(".", 1)[1]
            defining = (
                importlib.import_module(obj.__module__)
                if getattr(obj, "__module__", None)
                else None
            )
            for module in {id(m): m for m in (owner, defining) if m is not None}.values():
                if getattr(module, attribute, None) is obj:
                    restore.append((module, attribute, obj))
                    setattr(module, attribute, _recording(name, obj, hit))
                    installed.append((module, attribute, getattr(module, attribute)))
    if "autograd" in names:
        from torch.autograd.variable import Variable

        restore.append((Variable, "_execution_engine", Variable._execution_engine))
        Variable._execution_engine = _EngineWatch(Variable._execution_engine, hit)
        installed.append((Variable, "_execution_engine", Variable._execution_engine))
    modes = []
    if functions:
        modes.append((_FunctionWatch(functions, hit), _function_modes))
    if aten:
        modes.append((_DispatchWatch(aten, hit), _dispatch_modes))
    for mode, _ in modes:
        mode.__enter__()
    try:
        yield hits
    finally:
        if any(mode not in stack() for mode, stack in modes) or any(
            getattr(o, a, None) is not w for o, a, w in installed
        ):
            hit(TAMPERED)
        for mode, stack in reversed(modes):
            current = stack()
            if (
                current and current[-1] is mode
            ):  # code that popped ours has to live with the stack it left
                mode.__exit__(None, None, None)
        for owner, attribute, original in reversed(restore):
            setattr(owner, attribute, original)


TAMPERED = "code that switches off the grader's watch of torch calls"


def _function_modes() -> list:
    from torch.overrides import _get_current_function_mode_stack

    return _get_current_function_mode_stack()


def _dispatch_modes() -> list:
    from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

    return _get_current_dispatch_mode_stack()
