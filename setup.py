# Metadata and entry points live in pyproject.toml; this shim keeps
# `python setup.py develop` and older tooling working.
from setuptools import setup

setup()
