"""Expected failures: the CLI prints these as one line and exits 2, without a traceback."""


class UserError(Exception):
    """Bad input or a bad setting that the user can fix (names the file, row and column)."""

    exit_code = 2
