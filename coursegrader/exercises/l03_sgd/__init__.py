"""Lesson 03 (SGD and the training loop): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
