"""Tools for working on resourceful itself, run through tox."""
