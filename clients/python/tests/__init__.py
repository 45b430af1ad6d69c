"""Tests of the Python client against a real service (``LAGENT_URL``)."""
