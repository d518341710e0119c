"""The pytest plugin that runs hidden graders against submissions, and what it computes:
comparisons, mistakes, references, inputs, scores, result.json.
"""
