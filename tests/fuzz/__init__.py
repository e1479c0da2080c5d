"""The fuzz suite (issue 17): hostile inputs for every public entry point.

Each test asserts that only a :class:`~billkit.errors.BillkitError` escapes,
that splits conserve their total and that outputs are deterministic. The
quick profile runs in the normal test command; the deep one with
``pytest -m fuzz`` or ``HYPOTHESIS_PROFILE=deep`` (see tests/conftest.py).
"""
