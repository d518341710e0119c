"""The sandbox seen from the grader: the zygote and its children, the handle graders call, limits,
captured output, failures.
"""
