"""Benchmarks of the course (make bench): see bench/run.py."""
