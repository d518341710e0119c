"""Lesson 5: advanced optimization techniques."""
