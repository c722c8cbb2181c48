"""Errors raised by the exporter."""


class ExportError(RuntimeError):
    """The export was refused or could not be completed; the message says what to do."""
