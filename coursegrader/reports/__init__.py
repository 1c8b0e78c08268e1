"""What an instructor reads and exports about a class: near-identical code (:mod:`.code_similarity`,
the measure behind ``make similarity``), LMS submissions collected through the roster
(:mod:`.lms_collect`) and grades exported to an LMS (:mod:`.lms_export`). The class report and the
similarity page are written by ``tools/class_report.py`` and ``tools/similarity.py``."""
