"""Lesson 12 (sharpness and stability): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
