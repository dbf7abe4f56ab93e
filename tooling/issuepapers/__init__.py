"""issuepapers: advisory-committee issue papers as checked Markdown."""

__version__ = "0.2.0"
