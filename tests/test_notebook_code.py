"""Reading each module's code back out of a notebook: deterministic, and what students would expect."""

import json

from graders.course.model import load_course
from graders.course.notebook_code import extract, note_import
from graders.course.submission import load

LESSON = load_course().lessons[0]


def code_cell(source, module=None, **nbgrader):
    metadata = {"graders": {"module": module}} if module else {}
    if nbgrader:
        metadata["nbgrader"] = nbgrader
    return {
        "cell_type": "code",
        "metadata": metadata,
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_marked_cells_are_read_verbatim_in_order_and_test_cells_never():
    nb = notebook(
        markdown("# Title"),
        code_cell("import torch", "losses"),
        code_cell(
            ["def mse(a, b):\n", "    return a - b"],
            "losses",
            solution=True,
            grade=False,
            grade_id="code-mse",
        ),
        code_cell(
            "hidden_score('lesson1.mse')", grade=True, solution=False, grade_id="test-mse", points=5
        ),
        code_cell("import math", "selection"),
    )
    code = extract(nb, ("losses", "selection"))
    assert (
        code.modules["losses"]
        == "import torch\n\n\ndef mse(a, b):\n    return a - b\n\n\nimport math\n"
    )
    assert code.modules["selection"] == code.modules["losses"], "one namespace, as in the kernel"
    assert "hidden_score" not in code.modules["losses"]


def test_cells_a_student_adds_keep_definitions_but_not_scratch_work():
    added = (
        "import math\nEPS = 1e-12\nprint('trying')\nvalue = mse(1, 2)\n\ndef helper(x):\n    "
        "return x + EPS\nfor i in range(3):\n    pass\n"
    )
    code = extract(
        notebook(code_cell("def mse(a, b):\n    pass\n", "losses"), code_cell(added)), ("losses",)
    )
    source = code.modules["losses"]
    assert "def helper(x):" in source and "EPS = 1e-12" in source and "import math" in source
    assert "value = mse(1, 2)" in source, "an assignment is graded whatever its right-hand side"
    assert "print(" not in source and "for i" not in source
    line = source.splitlines().index("def helper(x):") + 1
    assert code.where("losses", line) == "cell 2 (`import math`), line 6", (
        "line numbers stay those of the cell"
    )
    assert code.notes == []


def test_every_definition_is_graded_wherever_it_sits_and_whatever_computes_it():
    """The three ways correct notebooks lost points: a helper above Part 1, a helper of Part 1
    used in Part 2, and a constant computed with a call."""
    nb = notebook(
        code_cell("def _reduce(x, how):\n    return x.mean() if how == 'mean' else x.sum()\n"),
        code_cell("import torch", "losses"),
        code_cell("def mse(a, b):\n    return _reduce((a - b) ** 2, 'mean')\n", "losses"),
        code_cell(
            "LOG_FLOOR = float(-100)\ndef _clamp_log(p):\n    return p.log().clamp(min=LOG_FLOOR)\n"
        ),
        code_cell("def choose(p):\n    return _clamp_log(p)\n", "selection"),
    )
    code = extract(nb, ("losses", "selection"))
    for module in ("losses", "selection"):
        namespace = {}
        exec(code.modules[module], namespace)
        assert {"_reduce", "LOG_FLOOR", "_clamp_log", "mse", "choose"} <= set(namespace), module
    assert code.modules["losses"].index("def _reduce") < code.modules["losses"].index("def mse")
    assert code.notes == []


def test_what_cannot_be_graded_is_left_out_and_said_so_with_its_cell():
    nb = notebook(
        code_cell("import torch", "losses"),
        code_cell("for lr in (0.1, 1.0):\n    path = [lr]\nlast = path[-1]\nSTEP = 0.5\n"),
        code_cell("def broken(:\n    pass\n"),
        code_cell("try:\n    import scipy\nexcept ImportError:\n    scipy = None\n"),
    )
    code = extract(nb, ("losses",))
    source = code.modules["losses"]
    assert "STEP = 0.5" in source and "import scipy" in source and "scipy = None" in source
    assert "last = " not in source and "broken" not in source and "for lr" not in source
    assert code.notes == [
        "cell 2: line 3, `last = path[-1]`, is not graded: it reads path, which only code that "
        "is not graded (a loop, a call, a print) sets; define it with an assignment at the top "
        "of a cell",
        "cell 3: not valid Python (line 1: invalid syntax), so nothing in it is graded",
    ]


def test_ipython_magics_become_pass_only_where_they_stop_the_cell_parsing():
    code = extract(
        notebook(code_cell("%matplotlib inline\nimport torch\n!pip list\nx = 5 % 2\n", "losses")),
        ("losses",),
    )
    assert (
        code.modules["losses"]
        == "pass  # %matplotlib inline\nimport torch\npass  # !pip list\nx = 5 % 2\n"
    )


def test_an_import_of_a_sibling_module_noted_in_the_notebook_is_an_import_again():
    code = extract(
        notebook(
            code_cell(
                note_import("from .losses import mse, cross_entropy") + "\nimport torch\n",
                "selection",
            )
        ),
        ("selection",),
    )
    assert code.modules["selection"] == "from .losses import mse, cross_entropy\nimport torch\n"


def write_notebook(folder, nb):
    path = folder / "ada" / LESSON.id / f"{LESSON.id}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb))
    return folder / "ada"


def test_a_notebook_submission_is_read_instead_of_python_files(tmp_path):
    folder = write_notebook(tmp_path, notebook(*(code_cell(f"# {m}\n", m) for m in LESSON.modules)))
    (folder / LESSON.id / f"{LESSON.modules[0]}.py").write_text("# not graded: the notebook is\n")
    submission = load("ada", folder, [LESSON])
    assert submission.files == {f"{LESSON.id}/{m}.py": f"# {m}\n" for m in LESSON.modules}
    assert submission.problems == {}


def test_a_notebook_without_a_modules_cells_costs_that_module_only(tmp_path):
    kept = LESSON.modules[0]
    submission = load(
        "ada", write_notebook(tmp_path, notebook(code_cell("import torch", kept))), [LESSON]
    )
    assert f"{LESSON.id}/{kept}.py" in submission.files
    for module in LESSON.modules[1:]:
        assert (
            f"has no code for {module}.py: the cells of its section are missing"
            in submission.problems[f"{LESSON.id}/{module}.py"]
        )


def test_a_syntax_error_names_the_notebook_cell_and_line(tmp_path):
    module = LESSON.modules[0]
    nb = notebook(
        markdown("# Title"),
        code_cell("import torch", module),
        code_cell("def f(:\n    pass\n", module),
    )
    submission = load("ada", write_notebook(tmp_path, nb), [LESSON])
    problem = submission.problems[f"{LESSON.id}/{module}.py"]
    assert (
        problem.startswith(f"{LESSON.id}/{LESSON.id}.ipynb cell 3 (`def f(:`), line 1: ")
        and "SyntaxError" in problem
    )


def test_a_notebook_that_is_not_json_costs_the_lesson_with_one_clear_message(tmp_path):
    submission = load("ada", write_notebook(tmp_path, "{not json"), [LESSON])
    assert set(submission.problems) == {f"{LESSON.id}/{m}.py" for m in LESSON.modules}
    assert all("is not a readable notebook" in p for p in submission.problems.values())
