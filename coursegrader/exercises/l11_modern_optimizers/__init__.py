"""Lesson 11 (modern optimizers and schedules): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
