"""Lesson 10 (transfer learning): one module per graded exercise (hidden cases, catalogued mistakes, points)."""
