"""Lesson 4: backpropagation, from the chain rule on a graph of scalars to custom autograd Functions."""
