"""Helpers for the tests: test towns, users and tokens, request bodies, the live server and the
browser harness. Tests import them from here; conftest files hold only fixtures."""
