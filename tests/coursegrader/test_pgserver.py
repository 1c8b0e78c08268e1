"""The test PostgreSQL server is real and nbgrader's Gradebook works on it (the scale option of grading)."""
import pytest
from pgserver import PostgresServer, binaries

if binaries() is None:  # CI installs it (.ci/system-packages); a developer without it is told how
    pytest.skip("PostgreSQL is not installed: `apt-get install postgresql`", allow_module_level=True)


def test_gradebook_round_trip_on_a_real_postgresql():
    from nbgrader.api import Gradebook

    with PostgresServer() as pg:
        url = pg.createdb("gradebook")
        assert pg.socket_file.exists()
        with Gradebook(url, course_id="optim-nn") as gb:
            gb.update_or_create_assignment("01_gradients")
            gb.add_student("ada", email="ada@uni.edu")
        with Gradebook(url, course_id="optim-nn") as gb:
            assert [s.id for s in gb.students] == ["ada"]
            assert [a.name for a in gb.assignments] == ["01_gradients"]
    assert not pg.socket_file.exists(), "the server is stopped afterwards"
