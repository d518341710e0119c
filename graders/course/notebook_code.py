"""Reading a lesson's modules back out of its notebook: which cells hold which module's code.

``python -m graders build`` marks every code cell of a module's section with cell metadata
``{"graders": {"module": "<module>"}}`` (``notebooks.py`` writes them).  In the notebook all of a
lesson's cells share the kernel's one namespace, so a module, as graded, is what the student
would have after running the notebook top to bottom, less the scratch work.  Deterministically
and without running anything, each module's source is, cell by cell in notebook order:

- its own marked cells, verbatim;
- from every other code cell (cells the student added anywhere, above the first marked cell
  too, and the other modules' cells): what a module defines at its top level: imports,
  functions, classes, assignments whatever their right-hand side (``LOG_FLOOR = float(-100)``),
  and ``if``/``try`` blocks made only of those.  So a helper written in Part 1 is there for
  Part 2.  Calls, prints and loops are scratch work: they run in the kernel but are not graded;
- never autograder test cells (nbgrader grade cells that are not solution cells) or markdown.

What the student wrote that cannot be graded is left out and said so (``NotebookCode.notes``,
shown in their feedback): a cell that is not valid Python, and an assignment that reads a name
only scratch work sets (``last = path[-1]`` after a loop), which would fail at import.
A marked cell that is not valid Python only because of IPython magics (``%time``, ``!pip``) has
those lines replaced by ``pass``.

An import of a sibling module that a solution makes (``from .losses import mse``) appears in the
notebook as a comment (``IMPORT_NOTE``) and becomes the import again in its own module's cells.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

METADATA_KEY = "graders"
IMPORT_NOTE = "  (defined above in this notebook)"
_NOTED_IMPORT = re.compile(
    r"^# (from \.[A-Za-z_][A-Za-z0-9_]* import [^#\n]+?)" + re.escape(IMPORT_NOTE) + r"$", re.M
)
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.M)


def note_import(statement: str) -> str:
    """How a relative import of a sibling module is written in a notebook cell."""
    return f"# {statement}{IMPORT_NOTE}"


@dataclass
class Piece:
    """Where one cell's code starts in its module, for messages that name the cell."""

    first_line: int  # 1-based line of the module where the cell's code starts
    cell: int  # 1-based position of the cell in the notebook, markdown included
    heading: str  # the cell's first line of code


@dataclass
class NotebookCode:
    """The source of each module found in a notebook, and where each part came from."""

    modules: dict[str, str] = field(default_factory=dict)
    pieces: dict[str, list[Piece]] = field(default_factory=dict)
    # what the student wrote that is not graded, and why: "cell 7: not valid Python (...)"
    notes: list[str] = field(default_factory=list)

    def where(self, module: str, line: int) -> str:
        """'cell 5 (`def mse(...):`), line 3' for a line number of the module's source."""
        found = None
        for piece in self.pieces.get(module, []):
            if piece.first_line <= line:
                found = piece
        if found is None:
            return f"line {line}"
        return f"cell {found.cell} (`{found.heading}`), line {line - found.first_line + 1}"


def is_test_cell(cell: dict) -> bool:
    """An nbgrader autograder test cell: graded, and not an answer cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return isinstance(meta, dict) and bool(meta.get("grade")) and not meta.get("solution")


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def marked_module(cell: dict) -> str | None:
    meta = cell.get("metadata", {}).get(METADATA_KEY)
    module = meta.get("module") if isinstance(meta, dict) else None
    return module if isinstance(module, str) else None


def extract(notebook: dict, modules: tuple[str, ...]) -> NotebookCode:
    """The code of each of ``modules`` in a parsed notebook (nbformat 4 JSON)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("it has no list of cells")
    code_cells = [
        (number, marked_module(cell), cell_source(cell))
        for number, cell in enumerate(cells, start=1)
        if isinstance(cell, dict) and cell.get("cell_type") == "code" and not is_test_cell(cell)
    ]
    present = [m for m in modules if any(marked == m for _, marked, _ in code_cells)]
    code = NotebookCode()
    notes: dict[str, None] = {}
    for module in present:
        defined = set(_BUILTINS)
        pieces: list[tuple[int, str]] = []
        for number, marked, source in code_cells:
            if marked == module:
                source = _NOTED_IMPORT.sub(r"\1", _without_magics(source))
                defined |= _top_level_names(source)
                pieces.append((number, source))
                continue
            kept, dropped = _definitions_only(source, defined)
            if kept:
                pieces.append((number, kept))
            if marked not in modules:  # a cell the student added: say what was left out
                notes.update((f"cell {number}: {why}", None) for why in dropped)
        code.modules[module], code.pieces[module] = _joined(pieces)
    code.notes = list(notes)
    return code


def _joined(pieces: list[tuple[int, str]]) -> tuple[str, list[Piece]]:
    text, line, where = "", 1, []
    for number, source in pieces:
        source = source.rstrip("\n")
        heading = next((s.strip() for s in source.splitlines() if s.strip()), "")
        where.append(Piece(line, number, heading[:60]))
        text += source + "\n\n\n"
        line += source.count("\n") + 3
    return text.rstrip("\n") + "\n", where


def _without_magics(source: str) -> str:
    """The cell itself, or with IPython magic lines replaced by ``pass`` when only they stop it parsing."""
    if _parses(source) or not _MAGIC.search(source):
        return source
    replaced = "\n".join(
        _MAGIC.sub(lambda m: f"{m.group(1)}pass  # {m.group(2)}", line)
        for line in source.split("\n")
    )
    return replaced if _parses(replaced) else source


def _definitions_only(source: str, defined: set[str]) -> tuple[str, list[str]]:
    """What a module defines in a cell (see the module's docstring), and why anything else that
    the student meant as a definition was left out.  ``defined``: the names bound so far, which
    the kept statements add to.

    Every line not kept is left blank, so line numbers still match the cell's.
    """
    source = _without_magics(source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        if not source.strip():
            return "", []
        where = f"line {exc.lineno}: " if getattr(exc, "lineno", None) else ""
        message = getattr(exc, "msg", str(exc))
        return "", [f"not valid Python ({where}{message}), so nothing in it is graded"]
    lines = source.split("\n")
    keep = [False] * len(lines)
    dropped = []
    for node in tree.body:
        if not _is_definition(node):
            continue
        if isinstance(node, _RUNS_AT_IMPORT):
            unknown = sorted(_names_read(node) - defined)
            if unknown:
                names = ", ".join(unknown)
                text = ast.get_source_segment(source, node) or ""
                shown = text.splitlines()[0][:60] if text else type(node).__name__
                dropped.append(
                    f"line {node.lineno}, `{shown}`, is not graded: it reads {names}, which only "
                    "code that is not graded (a loop, a call, a print) sets; define "
                    f"{'them' if len(unknown) > 1 else 'it'} with an assignment at the top of a cell"
                )
                continue
        defined |= _bound_names(node)
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        keep[start - 1 : node.end_lineno] = [True] * (node.end_lineno - start + 1)
    if not any(keep):
        return "", dropped
    return "\n".join(line if kept else "" for line, kept in zip(lines, keep)), dropped


_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
_RUNS_AT_IMPORT = (*_ASSIGNMENTS, ast.If, ast.Try)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _is_definition(node: ast.stmt) -> bool:
    """An import, function, class or assignment, or an ``if``/``try`` made only of those."""
    if isinstance(node, (*_DEFINITIONS, *_ASSIGNMENTS, ast.Pass)):
        return True
    if isinstance(node, ast.If):
        return all(_is_definition(n) for n in node.body + node.orelse)
    if isinstance(node, ast.Try):
        bodies = node.body + node.orelse + node.finalbody
        bodies += [n for handler in node.handlers for n in handler.body]
        return all(_is_definition(n) for n in bodies)
    return False


def _walk_here(node: ast.AST):
    """The nodes of ``node`` that run when it runs: not the bodies of functions and lambdas it defines."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        yield from _walk_here(child)


def _names_read(node: ast.AST) -> set[str]:
    """Global names a statement reads when it runs (names it binds itself are not counted)."""
    loaded, stored = set(), set()
    for child in _walk_here(node):
        if isinstance(child, ast.Name):
            (loaded if isinstance(child.ctx, ast.Load) else stored).add(child.id)
        elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
            loaded.add(child.target.id)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            stored.add(child.name)
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        return loaded - (stored - {node.target.id})
    return loaded - stored


def _bound_names(node: ast.AST) -> set[str]:
    """Global names a top-level statement binds."""
    names = set()
    for child in _walk_here(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in child.names)
        elif isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
    return names


def _top_level_names(source: str) -> set[str]:
    """Every global name a cell run verbatim binds (loops and ``with`` blocks included)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {name for node in tree.body for name in _bound_names(node)}


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True
