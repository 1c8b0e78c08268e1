"""nbgrader configuration: the repository root is the course directory.

source/<lesson>/<lesson>.ipynb -> release/<lesson>/ (generate_assignment);
submitted/<student>/<lesson>/ -> autograded/ -> feedback/ (autograde, generate_feedback).
"""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "optim-nn"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Lessons are created in the gradebook on first use; students on first autograde.
c.GenerateAssignment.create_assignment = True
c.Autograde.create_student = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# Generous per-cell limit: the harness bounds every case itself; this only stops a runaway kernel.
c.Execute.timeout = 120
