"""Import a submission from source text held in memory, so no student file needs to exist in the sandbox.

Modules get file names under ``<submission>/`` (``<submission>/lesson1/losses.py``): tracebacks
show the student's lines through ``get_source``, and the name can never collide with a
real file.  A lesson folder without ``__init__.py`` still imports as a package.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

PREFIX = "<submission>/"


class SubmissionFinder(importlib.abc.MetaPathFinder):
    """Serves ``lessonN.module`` imports from a {relative path: source text} mapping."""

    def __init__(self, files: dict[str, str]):
        self.files = dict(files)
        self.packages = {path.rsplit("/", 1)[0] for path in self.files if "/" in path}
        for package in list(self.packages):  # every ancestor folder is a package too
            parts = package.split("/")
            self.packages.update("/".join(parts[:i]) for i in range(1, len(parts)))

    def find_spec(self, fullname, path=None, target=None):
        relative = fullname.replace(".", "/")
        if relative in self.packages:
            filename, source, package = (
                PREFIX + relative + "/__init__.py",
                self.files.get(relative + "/__init__.py", ""),
                True,
            )
        elif relative + ".py" in self.files:
            filename, source, package = (
                PREFIX + relative + ".py",
                self.files[relative + ".py"],
                False,
            )
        else:
            return None
        spec = importlib.util.spec_from_loader(
            fullname, SourceLoader(fullname, filename, source), origin=filename, is_package=package
        )
        # sets __file__, which students use; the name stays outside any real folder
        spec.has_location = True
        return spec

    def install(self) -> None:
        sys.meta_path.insert(0, self)


class SourceLoader(importlib.abc.SourceLoader):
    def __init__(self, fullname: str, filename: str, source: str):
        self.fullname, self.filename, self.source = fullname, filename, source

    def get_filename(self, fullname):
        return self.filename

    def get_data(self, path):
        if path != self.filename:
            raise OSError(f"no such file in the submission: {path}")
        return self.source.encode("utf-8")

    def is_package(self, fullname):
        return self.filename.endswith("/__init__.py")
