"""Lesson 2: gradient descent optimization."""
