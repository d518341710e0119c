"""Everything a hidden grader uses, in one import: ``from graders import api``.

A grader file (``graders/lessonN/test_<module>.py``) takes its fixtures from the plugin and
everything else from here, so that it never reaches into the engine's modules:

Fixtures (arguments of a test function, set up by graders/grading/plugin.py):
    ``student``  the submission's code, in its sandbox, bound to the test's exercise and
                 device: ``student.call(...)``, ``student.call_backward(...)``,
                 ``student.probe("name", ...)``
    ``expect``   comparisons with the exercise's tolerances that name catalogue mistakes
    ``gen``      the case's seeded inputs (``Inputs``), the same for every student
    ``memo``     ``memo("name", compute)``: a reference value computed once per case and name
    ``device``, ``dtype``, ``course``, ``exercise``, ``seed``

Marks: ``@pytest.mark.exercise("lessonN.entry", weight=1)`` on every test.

Names:
    ``load_reference(name)``  the reference solution module ``name`` ("lesson1.losses"),
                         imported in the grader process, never in a sandbox
    ``Catalogue``, ``Mistake``  mistake catalogues (``mistakes_<module>.py``)
    ``Expect``           the one family of comparisons (``expect.close``, ``.trajectory``,
                         ``.records``, ``.not_raised``, ``.fails_like``, ``.changed``, ``.fail``),
                         each naming
                         the catalogue mistakes that give the student's result
    ``difference``, ``same``, ``describe``, ``describe_call``, ``explained``  how values,
                         calls and matched mistakes are written in feedback
    ``remembered(cache, run)``  a mistake's run computed once per case for the whole class
    ``Inputs``, ``SHAPES``  seeded inputs and the shapes that expose broadcasting bugs
    ``Tolerance``        a tolerance from course.toml
    ``figures``          plots of a failure for the student's feedback, built from the values
                         the grader compared (``figures.figure``, ``.curve``, ``.scatter``,
                         ``.steps``, ``.path``) and given to ``expect.close(..., figure=...)``
    ``StudentFailure``, ``ForbiddenCall``, ``UnusableValue``  what a probe raises when the
                         student's code cannot give a value to compare; ``ChangedInput``
                         when it changed, in place, a tensor the request gave it
"""

from graders.course.model import Tolerance
from graders.grading import figures
from graders.grading.compare import (
    Expect,
    describe,
    describe_call,
    difference,
    explained,
    remembered,
    same,
)
from graders.grading.inputs import SHAPES, Inputs
from graders.grading.mistakes import Catalogue, Mistake
from graders.grading.reference import load as load_reference
from graders.host.failures import ChangedInput, ForbiddenCall, StudentFailure, UnusableValue

__all__ = [
    "SHAPES",
    "Catalogue",
    "ChangedInput",
    "Expect",
    "ForbiddenCall",
    "Inputs",
    "Mistake",
    "StudentFailure",
    "Tolerance",
    "UnusableValue",
    "describe",
    "describe_call",
    "difference",
    "explained",
    "figures",
    "load_reference",
    "remembered",
    "same",
]
