"""`pixel-data`: the app, assembled from one module per command group (pixel_data/commands/).

Exit codes and error messages follow one policy (pixel_data/policy.py, docs/cli.md).
"""

from __future__ import annotations

import typer

from pixel_data.commands import demo, eval, export, lake, s3, score, warehouse

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


if __name__ == "__main__":
    app()
