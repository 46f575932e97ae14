"""Sphinx configuration for the resourceful documentation."""

from __future__ import annotations

import resourceful

project = "resourceful"
author = "The resourceful developers"
copyright = "2026, The resourceful developers"
release = resourceful.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
# Intersphinx is left out: CI builds the docs without network access to fetch inventories.

html_theme = "furo"
html_title = "resourceful"
exclude_patterns = ["_build"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True}
autodoc_inherit_docstrings = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False

nitpicky = True
# Without intersphinx, references into the standard library and httpx cannot resolve.
nitpick_ignore_regex = [
    ("py:(class|obj|func)", r"(collections\.abc|enum|typing|httpx2?|anyio)\..*")
]
