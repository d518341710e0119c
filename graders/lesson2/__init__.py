"""Hidden graders for lesson 2 (gradient descent): one test module per solution module, mistakes
beside them.
"""
