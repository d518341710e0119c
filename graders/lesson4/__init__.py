"""Hidden graders for lesson 4 (backpropagation): one test module per solution module, mistakes
beside them.
"""
