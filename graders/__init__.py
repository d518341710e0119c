"""The course harness: builds student exercises from solutions and grades submissions in a sandbox.

The engine's subpackages, in the order a submission meets them (docs/architecture.md):

- ``course/``     what is graded: course.toml as records (``model``), submissions read as text,
                  forbidden names found statically, fingerprints, errors for people
- ``pipeline/``   ``python -m graders grade``: the pipeline stage by stage, shards, Dask, progress
- ``grading/``    the pytest plugin that runs hidden graders, and what they use: comparisons and
                  mistake matching, references, inputs, scoring, the result.json schema
- ``host/``       the sandbox from outside: the zygote, the ``Student`` handle graders call,
                  cgroups, captured output, the unprivileged fallback, every way code fails
- ``worker/``     the code that runs *inside* the sandbox, next to student code
- ``reports/``    feedback.md, class.csv, report.html and Gradescope's results.json
- ``notebooks/``  the nbgrader course: notebooks built and read back, graded in the sandbox,
                  kernels in the sandbox, the audit against the gradebook
- ``packaging/``  ``python -m graders build`` (exercises/ and nbgrader/ from solutions/) and the
                  Gradescope bundle

The course content is ``lessonN/``: per student module, its hidden grader (``test_<module>.py``)
and its mistake catalogue (``mistakes_<module>.py``), which take what they need from ``api``,
the one import for grader authors.
"""
