"""issuepapers: advisory-committee issue papers as checked Markdown."""

__version__ = "0.1.0"
