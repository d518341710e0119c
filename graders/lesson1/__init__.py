"""Hidden graders for lesson 1 (loss functions): one test module per solution module, mistakes
beside them.
"""
