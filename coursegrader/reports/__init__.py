"""What an instructor reads about a class: the class report, code similarity, LMS grade exports."""
