"""``python -m graders VERB``: each verb is one module with a ``main(argv)`` and a one-line docstring."""

from __future__ import annotations

import importlib
import sys

from graders.course.errors import HarnessError

VERBS = {
    "build": "graders.packaging.build",
    "grade": "graders.pipeline.grade",
    "report": "graders.reports.report",
    "similarity": "graders.pipeline.similarity",
    "audit": "graders.notebooks.audit",
    "export": "graders.notebooks.export",
    "gradescope-bundle": "graders.packaging.gradescope_bundle",
    "check": "graders.pipeline.check",
    "mutant": "graders.pipeline.mutant",
    "new-exercise": "graders.pipeline.new_exercise",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in VERBS:
        lines = ["usage: python -m graders VERB [options]", "", "verbs:"]
        for verb, module in VERBS.items():
            doc = (importlib.import_module(module).main.__doc__ or "").strip().splitlines()[0]
            lines.append(f"  {verb:<18} {doc}")
        print("\n".join(lines))
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown verb {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    try:
        return importlib.import_module(VERBS[argv[0]]).main(argv[1:])
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: results written so far are kept; run the same command again to finish",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
