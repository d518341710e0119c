"""The reference solutions, imported in the grader process under the private package ``_reference``.

They never enter the sandbox.  ``load("lesson1.losses")`` imports solutions/lesson1/losses.py;
solutions refer to each other only with relative imports, so the package name is free.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

from graders.course.model import ROOT

PACKAGE = "_reference"


def load(name: str, solutions: Path = ROOT / "solutions"):
    """The reference module ``name`` (dotted, relative to solutions/)."""
    if PACKAGE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [str(solutions)]
        sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)
    return importlib.import_module(f"{PACKAGE}.{name}")
