import pytest


@pytest.fixture(autouse=True)
def _plugins(with_plugins):
    """Every test here runs with the plugins of test.ini loaded."""
