"""nbgrader's configuration for everyone on the course's hub (students and instructors), installed as
the global configuration of each hub environment (hub/install-env.sh copies it to the environment's
etc/jupyter/; in a container image, /etc/jupyter/nbgrader_config.py). docs/INSTRUCTORS.md, section 10.

The course's own nbgrader_config.py (the repository root) is read only by the instructor's nbgrader,
through CourseDirectory.root in the instructor's ~/.jupyter/nbgrader_config.py.
"""
c = get_config()  # noqa: F821 - provided by nbgrader

# the course id of the repository's nbgrader_config.py (tests/coursegrader/test_hub.py checks they agree): the
# exchange's folder for the course, and the course the students' Assignments tab lists
c.CourseDirectory.course_id = "optim-nn"
# nbgrader's exchange: one folder on a filesystem every user's server sees (on Kubernetes, a shared
# volume mounted there in every pod). Create it once, as root, writable by all and sticky:
#   mkdir -p /srv/nbgrader/exchange && chmod 1777 /srv/nbgrader/exchange
c.Exchange.root = "/srv/nbgrader/exchange"
# Validate fails, naming the check, until every visible check passes (see the course's nbgrader_config.py)
c.Validator.validate_all = True
