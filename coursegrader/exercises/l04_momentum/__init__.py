"""Lesson 04 (momentum): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
