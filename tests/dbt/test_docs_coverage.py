"""`dbt docs generate` works offline, and every model, every mart column is described."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pixel_config import settings


def test_docs_generate_offline_and_everything_is_described(built_warehouse, warehouse_copy):
    # against a fresh copy of the built warehouse at the path, vars and target folder of the
    # gates' reruns, so that one of them or this run parses the project and the other reads
    # that parse back (tests/conftest.py::warehouse_copy)
    target = warehouse_copy.parent / "target"
    for written in ("static_index.html", "manifest.json", "catalog.json"):
        (target / written).unlink(missing_ok=True)  # what this run must write, not an older run
    env = {
        **os.environ,
        **settings.dbt_environment(warehouse_copy),
        "DO_NOT_TRACK": "1",
        # the site is built from manifest.json and catalog.json (tests/conftest.py turns dbt's
        # JSON artifacts off for the suite's other runs)
        "DBT_WRITE_JSON": "true",
    }
    result = subprocess.run(
        [
            sys.executable, "-c", "from dbt.cli.main import cli; cli()",
            "docs", "generate", "--static",
            "--project-dir", str(settings.DBT_PROJECT_DIR),
            "--profiles-dir", str(settings.PROFILES_DIR),
            "--target-path", str(target),
            "--vars", json.dumps({"lake_root": str(built_warehouse.lake)}),
        ],
        capture_output=True, text=True, env=env, cwd=settings.PROJECT_ROOT, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert (target / "static_index.html").stat().st_size > 100_000

    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "pixel"
    }
    undocumented_models = sorted(name for name, node in models.items() if not node["description"])
    assert undocumented_models == []

    undocumented_columns = []
    for unique_id, entry in catalog["nodes"].items():
        node = manifest["nodes"].get(unique_id, {})
        if node.get("resource_type") != "model" or not node["path"].startswith("marts/"):
            continue
        described = {name for name, col in node["columns"].items() if col.get("description")}
        undocumented_columns += [
            f"{node['name']}.{column}" for column in entry["columns"] if column not in described
        ]
    assert undocumented_columns == []

    # every macro of the project, with each of its arguments, is documented in _macros.yml
    macros = {
        node["name"]: node
        for node in manifest["macros"].values()
        if node["package_name"] == "pixel" and node["path"].startswith("macros/")
    }
    assert macros
    undocumented_macros = sorted(name for name, node in macros.items() if not node["description"])
    assert undocumented_macros == []
    for name, node in macros.items():
        signature = node["macro_sql"].split(")", 1)[0].split("(", 1)[1]
        arguments = [arg.split("=")[0].strip() for arg in signature.split(",") if arg.strip()]
        described = [arg["name"] for arg in node["arguments"] if arg.get("description")]
        assert described == arguments, name
