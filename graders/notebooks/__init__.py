"""The nbgrader course: notebooks built from solutions, read back, graded in the sandbox, kernels
in the sandbox, the audit.
"""
