"""Lesson 02 (gradient descent and the learning rate): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
