"""For bench/feedback_figures.py only: every process of a ``grade`` run builds no figure.

Put on PYTHONPATH with GRADERS_BENCH_NO_FIGURES=1, it replaces
``graders.grading.figures.built`` before the run starts, in the command and in each shard's
pytest; nothing else changes.  A process without the variable, or that cannot import the
graders (a sandboxed child, which never builds figures), is left alone.
"""

import os

if os.environ.get("GRADERS_BENCH_NO_FIGURES") == "1":
    try:
        from graders.grading import figures
    except ImportError:
        pass
    else:
        figures.built = lambda make: None
