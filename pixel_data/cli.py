"""`pixel-data`: the app, assembled from one module per command group (pixel_data/commands/).

Exit codes and error messages follow one policy (pixel_data/policy.py, docs/cli.md).
"""

from __future__ import annotations

import sys

import typer

from pixel_config.settings import ProjectNotFound
from pixel_data.commands import demo, eval, export, lake, s3, score, warehouse
from pixel_data.policy import USAGE, report

app = typer.Typer(
    help="SQL-first warehouse for counselling-conversation training data. "
    "Exit codes: 0 ok, 1 a failed gate, verify or refused export, 2 a usage error or missing "
    "input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
warehouse.register(app)
export.register(app)
lake.register(app)
demo.register(app)
score.register(app)
app.add_typer(eval.app, name="eval")
app.add_typer(s3.app, name="s3")


def main() -> None:
    """The `pixel-data` console script: the app, with "no project found" as a usage error."""
    try:
        app()
    except (
        ProjectNotFound
    ) as exc:  # raised on first use of a project path, outside typer's handling
        report(str(exc))
        sys.exit(USAGE)


if __name__ == "__main__":
    main()
