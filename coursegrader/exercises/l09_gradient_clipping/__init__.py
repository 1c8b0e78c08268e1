"""Lesson 09 (gradient clipping): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
