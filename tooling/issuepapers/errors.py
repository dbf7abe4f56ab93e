"""The one exception for "the user's input or configuration is wrong"."""


class UsageError(Exception):
    """Bad command-line use or configuration: printed without a traceback, exit 2."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint
