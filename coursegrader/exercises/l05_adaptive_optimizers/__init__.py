"""Lesson 05 (adaptive optimizers): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
