"""Lesson 08 (vanishing gradients, ReLU, He initialisation): one module per graded exercise (hidden
cases, catalogued mistakes, points)."""
