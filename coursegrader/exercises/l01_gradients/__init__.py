"""Lesson 01 (gradients): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
