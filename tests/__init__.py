import pytest

# The shared helpers assert; rewrite them as pytest does test modules, for the same messages.
pytest.register_assert_rewrite("tests.helpers")
