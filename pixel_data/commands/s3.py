"""`pixel-data s3 start|env|stop`: a local S3 server (SeaweedFS on loopback) you keep running."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pixel_data.local_s3 import LocalS3Server
from pixel_data.policy import USAGE, examples, fail

app = typer.Typer(
    help="A local S3 server (SeaweedFS `weed mini` on loopback) for trying the S3 path.",
    no_args_is_help=True,
)

DirOption = Annotated[
    Path, typer.Option("--dir", help="Server data folder (holds server.json while it runs).")
]


def _state(directory: Path) -> dict:
    state_file = directory / "server.json"
    if not state_file.is_file():
        fail(f"no server state at {state_file}: start one with `pixel-data s3 start`", USAGE)
    return json.loads(state_file.read_text(encoding="utf-8"))


@app.command(epilog=examples("pixel-data s3 start --dir build/s3"))
def start(directory: DirOption = Path("build/s3")) -> None:
    """Start the server in the background; its address and keys go to DIR/server.json."""
    try:
        server = LocalS3Server(directory).start()
    except (FileNotFoundError, RuntimeError, TimeoutError) as error:
        fail(f"cannot start the S3 server in {directory}: {error}", USAGE)
    state_file = directory / "server.json"
    try:
        state_file.touch(mode=0o600)
        state_file.write_text(json.dumps(server.state()), encoding="utf-8")
    except BaseException:
        server.stop()
        raise
    print(f"weed (pid {server.pid}) serves S3 at {server.endpoint_url}")


@app.command(epilog=examples('eval "$(pixel-data s3 env --dir build/s3)"'))
def env(directory: DirOption = Path("build/s3")) -> None:
    """Print `export AWS_...` lines that point a shell at the running server."""
    state = _state(directory)
    server = LocalS3Server(Path(state["data_dir"]), state["access_key"], state["secret_key"])
    server.ports = state["ports"]
    for key, value in server.env().items():
        print(f"export {key}={value}")


@app.command(epilog=examples("pixel-data s3 stop --dir build/s3"))
def stop(directory: DirOption = Path("build/s3")) -> None:
    """Stop the server started in DIR (by its own PID)."""
    state = _state(directory)
    server = LocalS3Server(Path(state["data_dir"]), ports=state["ports"], pid=state["pid"])
    server.data_dir = server.data_dir.resolve()
    server.stop()
    (directory / "server.json").unlink()
    print(f"weed (pid {state['pid']}) stopped")
