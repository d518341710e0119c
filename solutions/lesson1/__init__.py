"""Lesson 1: understanding loss functions."""
