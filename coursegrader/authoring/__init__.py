"""What a lesson's author runs, never the grader: the files generated from the exercise registry
(:mod:`.keys`: the visible cases' stored answer keys), and helpers to write notebooks."""
