"""The course harness: builds student exercises from solutions and grades submissions in a sandbox.

The engine lives in small modules beside one hidden-grader package per lesson:

- ``course``      course.toml as typed records
- ``build``       ``python -m graders build``: exercises/ and nbgrader/ generated from solutions/
- ``grade``       ``python -m graders grade``: the grading pipeline, stage by stage
- ``submission``  finding and reading submissions (never executing them)
- ``sandbox``     starting the isolated worker; ``student`` the handle graders call
- ``cgroups``     a memory and process limit per child; ``capture`` what student code prints
- ``failures``    every way student code fails, with its status and machine-readable kind
- ``worker/``     the code that runs *inside* the sandbox, next to student code
- ``plugin``      the pytest plugin that runs hidden graders against submissions
- ``scoring``     test outcomes into points; ``results`` the result.json schema
- ``feedback``    per-student Markdown; ``classtable`` the class CSV
- ``notebooks``   the nbgrader course's notebooks; ``notebook_code`` reading code back out of one
- ``notebook_grading``  grading notebooks in the isolated worker, for autograder cells and TrustedScores
- ``nbgrader_bridge``   nbgrader's configuration and our autograde stages (``RunCells``, ``TrustedScores``)
- ``audit``       ``python -m graders audit``: nbgrader's gradebook against isolated grading
- ``lessonN/``    hidden graders (``test_<module>.py``) and mistake catalogues
"""
