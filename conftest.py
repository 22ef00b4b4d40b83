"""Test plumbing that applies to every test path, the notebooks included.

It lives here, not beside the lessons, so that a learner's file browser shows lessons only.
"""

pytest_plugins = ["tests.notebook_runs"]
