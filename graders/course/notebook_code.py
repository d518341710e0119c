"""Reading a lesson's modules back out of its notebook: which cells hold which module's code.

``python -m graders build`` marks every code cell of a module's section with cell metadata
``{"graders": {"module": "<module>"}}`` (``notebooks.py`` writes them).  Reading a notebook back,
deterministically and without running anything:

- a marked cell belongs to its module, verbatim;
- a code cell the student added belongs to the module of the closest marked cell above it,
  but only for what a module defines: imports, functions, classes, and assignments without
  calls (``EPS = 1e-12``).  Calls, prints and loops in such cells are the student's scratch
  work: they run in the kernel but are not part of the graded module;
- autograder test cells (nbgrader grade cells that are not solution cells), markdown, and
  code above the first marked cell are never part of a module;
- a marked cell that is not valid Python only because of IPython magics (``%time``, ``!pip``)
  has those lines replaced by ``pass``.

A lesson's modules share the kernel's one namespace in the notebook, but are separate modules
when graded: an import of a sibling module that a solution makes (``from .losses import mse``)
appears in the notebook as a comment (``IMPORT_NOTE``) and becomes the import again here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

METADATA_KEY = "graders"
IMPORT_NOTE = "  (defined above in this notebook)"
_NOTED_IMPORT = re.compile(
    r"^# (from \.[A-Za-z_][A-Za-z0-9_]* import [^#\n]+?)" + re.escape(IMPORT_NOTE) + r"$", re.M
)
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.M)
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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
    parts: dict[str, list[tuple[int, str]]] = {}
    current = None
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        module, source = marked_module(cell), cell_source(cell)
        if module in modules:
            current = module
            parts.setdefault(module, []).append((number, _without_magics(source)))
        elif current is not None:
            definitions = _definitions_only(source)
            if definitions:
                parts[current].append((number, definitions))
    code = NotebookCode()
    for module, pieces in parts.items():
        text, line = "", 1
        code.pieces[module] = []
        for number, source in pieces:
            source = _NOTED_IMPORT.sub(r"\1", source.rstrip("\n"))
            heading = next((s.strip() for s in source.splitlines() if s.strip()), "")
            code.pieces[module].append(Piece(line, number, heading[:60]))
            text += source + "\n\n\n"
            line += source.count("\n") + 3
        code.modules[module] = text.rstrip("\n") + "\n"
    return code


def _without_magics(source: str) -> str:
    """The cell itself, or with IPython magic lines replaced by ``pass`` when only they stop it parsing."""
    if _parses(source) or not _MAGIC.search(source):
        return source
    replaced = "\n".join(
        _MAGIC.sub(lambda m: f"{m.group(1)}pass  # {m.group(2)}", line)
        for line in source.split("\n")
    )
    return replaced if _parses(replaced) else source


def _definitions_only(source: str) -> str:
    """The imports, functions, classes and call-free assignments of a cell the student added.

    Every other line is left blank, so line numbers still match the cell's.
    """
    source = _without_magics(source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    lines = source.split("\n")
    keep = [False] * len(lines)
    for node in tree.body:
        if isinstance(node, _DEFINITIONS) or (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and not any(isinstance(n, ast.Call) for n in ast.walk(node))
        ):
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            keep[start - 1 : node.end_lineno] = [True] * (node.end_lineno - start + 1)
    if not any(keep):
        return ""
    return "\n".join(line if kept else "" for line, kept in zip(lines, keep))


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True
