"""nbgrader configuration: the repository root is the course directory.

source/<lesson>/<lesson>.ipynb -> release/<lesson>/ (generate_assignment);
submitted/<student>/<lesson>/ -> autograded/ -> feedback/ (autograde, generate_feedback).
Autograding is hardened (coursegrader/grading/autograde/, docs/INSTRUCTORS.md): the kernel runs
in a bubblewrap sandbox, survives kernels that die or hang, and every grade cell's score is
re-judged outside the kernel; feedback never shows the hidden tests' source.
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
                                    AssignLatePenalties,
                                    CheckCellMetadata,
                                    ClearHiddenTests,
                                    ClearOutput,
                                    GetGrades,
                                    IgnorePattern,
                                    LimitOutput,
                                    OverwriteKernelspec,
                                    SaveAutoGrades,
)

from coursegrader.grading.autograde import (
                                    CapOutputs,
                                    SafeDeduplicateIds,
                                    SafeExecute,
                                    SafeOverwriteCells,
                                    SelfContainedFeedback,
                                    VerifyGrades,
)
from coursegrader.grading.autograde.feedback import FeedbackExporter

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "optim-nn"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Lessons are created in the gradebook on first use; students on first autograde.
c.GenerateAssignment.create_assignment = True
c.Autograde.create_student = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# nbgrader's default pipelines, with DeduplicateIds and OverwriteCells made safe (a copied test cell no
# longer fails the whole submission; a deleted one is put back and graded), Execute replaced by SafeExecute
# (sandbox, dead/hung kernels)
# VerifyGrades right after it (scores judged outside the student's kernel) and CapOutputs (a cell's
# output bounded in characters, not only in lines as LimitOutput does).
c.Autograde.sanitize_preprocessors = [ClearOutput, SafeDeduplicateIds, OverwriteKernelspec, SafeOverwriteCells,
                                      CheckCellMetadata]
c.Autograde.autograde_preprocessors = [SafeExecute, VerifyGrades, CapOutputs, IgnorePattern,
                                       ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
# "auto": sandboxed when bwrap works, a warning otherwise; "required" refuses to grade without it.
c.SafeExecute.sandbox = "auto"
c.SafeExecute.memory_limit_gb = 4.0
# Skipping never changes a grade: every cell a student added, edited or moved runs; of the lesson's own
# cells, unchanged (compared with source/<lesson>/ by content), the setup, the nbgrader cells and the cells
# they depend on by name run, the experiments and figures are skipped with a note
# (coursegrader/grading/cellflow.py). False runs all.
c.SafeExecute.skip_unneeded_cells = True
# Validate (the students' button and `nbgrader validate`) also fails on a visible check that raises, and names it:
# the release's grade cells hold only hidden tests, so without this an untouched notebook "passes all the tests".
# Autograding is not affected (it scores grade cells only).
c.Validator.validate_all = True
# Per-cell limit: the harness bounds every case itself (2 s); this only stops a runaway cell.
c.Execute.timeout = 60

# Feedback shows every grade cell's report and score but not the hidden tests' source (nbgrader #917).
# SelfContainedFeedback: math rendered to MathML at build time and figures fitted, so the page reads offline.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor, SelfContainedFeedback]
c.SelfContainedFeedback.enabled = True  # nbconvert preprocessors are off unless enabled
# nbgrader's feedback template without its MathJax script (a page loads nothing), summary naming the exercises
c.GenerateFeedback.exporter_class = FeedbackExporter
