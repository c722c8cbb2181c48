"""Shared fixtures: the sample lake and a warehouse built from it through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_lake import LakeSummary, generate_lake
from tests.fixtures.bad_lake import BadLake, make_bad_lake

# Fixtures that run dbt, a scorer's models or a local S3 server: a test using one (directly or
# through another fixture) is `slow`, so `make test-fast` (-m "not slow ...") leaves it out.
SLOW_FIXTURES = frozenset(
    {
        "built_warehouse",
        "switched_off_warehouse",
        "rebuilt_warehouse",
        "small_warehouse",
        "real_warehouse",
        "scored",
        "s3_server",
        "s3_server_factory",
    }
)


# Folders (and file-name prefixes) whose tests build a warehouse with dbt, start an S3 server or
# a Ray cluster (their fixtures are not all named above): every test in them is `slow`.
SLOW_FOLDERS = ("tests/dbt/", "tests/s3/", "tests/engine/test_ray_")


def pytest_configure(config) -> None:
    """Under pytest-xdist, each worker's dbt runs write their own target/ and logs/ (under
    build/pytest-<worker>/): two builds at once must not share dbt's compiled files.

    dbt writes no JSON artifacts in the tests' runs (`DBT_WRITE_JSON=false`): `manifest.json`,
    which `dbt build` and `dbt test` serialize twice (after parsing and at the end), and
    `run_results.json`. Nothing the suite runs reads them; the tests that check them (the docs
    site, the S3 build's secret-leak check) set `DBT_WRITE_JSON=true` for their own dbt run.
    dbt's saved parse (`partial_parse.msgpack`) is written either way (docs/benchmarks.md, "The
    test suite (issue 20, session 11)")."""
    os.environ.setdefault("DBT_WRITE_JSON", "false")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        from pixel_config import settings

        root = settings.BUILD_DIR / f"pytest-{worker}"
        os.environ["DBT_TARGET_PATH"] = str(root / "target")
        os.environ["DBT_LOG_PATH"] = str(root / "logs")


# `make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup`), and each worker builds
# the session fixtures it uses. The ones named here cost a build or a server: every test using
# one (directly or through another fixture) goes to one xdist group, together with every test
# that shares another such fixture or a module- or class-scoped fixture with it, so each of them
# is still built once per run. The cheap session fixtures (`sample_lake`, the synthetic
# `warehouse` of tests/exports, `small_lake`, `static_embedder`: a few seconds) may be made on
# both workers; so may the S3 server (`s3_server`, `weed` on free loopback ports: ~1-2 s to start
# and to stop; each test makes its own bucket), so the S3 tests that share no build or module
# fixture (tests/s3/test_s3_upload.py, the quarantine and listing tests of test_s3_lake.py) can
# run on the other worker than the sample-lake builds (docs/benchmarks.md, "The test suite's time
# (issue 20, session 9)").
SHARED_SESSION_FIXTURES = frozenset(
    {
        "built_warehouse",
        "built_export",
        "switched_off_warehouse",
        "rebuilt_warehouse",
        "small_warehouse",
    }
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test that builds a warehouse or starts a server `slow` (see SLOW_FIXTURES);
    under xdist, put the tests that share a costly fixture in one group (see above)."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or any(
            folder in item.nodeid for folder in SLOW_FOLDERS
        ):
            item.add_marker(pytest.mark.slow)
    if config.pluginmanager.hasplugin("xdist"):
        for item, group in xdist_groups(items).items():
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)  # after every modifyitems, before xdist sends the ids
def pytest_collection_finish(session) -> None:
    """Make `--dist loadgroup` see the groups on pytest 9.2, where xdist 3.8's renaming of a
    grouped test to `<nodeid>@<group>` (how it tells the scheduler) no longer takes effect:
    pytest-dev/pytest-xdist#1386. Does the same renaming; a no-op where xdist managed it."""
    if not session.config.getoption("loadgroup", False):  # set on xdist workers only
        return
    for item in session.items:
        groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        nodeid = f"{item.nodeid}@{'_'.join(groups)}"
        if groups and not item.nodeid.endswith(nodeid[len(item.nodeid) :]):
            if hasattr(item, "_id"):  # pytest >= 9.2: a structured NodeId
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(nodeid)
            else:
                item._nodeid = nodeid


def shared_fixtures(item: pytest.Item) -> set[str]:
    """What ``item`` must share a worker for: the costly session fixtures it uses, its module-
    and class-scoped fixtures defined in tests/."""
    shared = set(SHARED_SESSION_FIXTURES.intersection(item.fixturenames))
    info = getattr(item, "_fixtureinfo", None)
    for name in item.fixturenames:
        definitions = info.name2fixturedefs.get(name) if info else None
        if definitions and definitions[-1].scope in ("module", "class", "package"):
            definition = definitions[-1]
            if definition.baseid.startswith("tests"):
                shared.add(f"{definition.baseid}::{name}")
    return shared


def xdist_groups(items: list[pytest.Item]) -> dict[pytest.Item, str]:
    """A group name for every test that shares a costly fixture (connected through shared
    fixtures: a test reading two of them joins their groups); tests sharing nothing get none."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    needs = {item: sorted(shared_fixtures(item)) for item in items}
    for keys in needs.values():
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    members: dict[str, set[str]] = {}
    for keys in needs.values():
        for key in keys:
            members.setdefault(root(key), set()).add(key)
    # named after the first fixture of the group (sorted), so the name is stable across workers
    names = {group: min(keys).replace("/", ".") for group, keys in members.items()}
    return {item: names[root(keys[0])] for item, keys in needs.items() if keys}


@dataclass(frozen=True)
class BuiltWarehouse:
    lake: Path
    summary: LakeSummary
    warehouse: Path
    output: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `pixel-data ARGS` in a subprocess, the way a user does."""
    return subprocess.run(
        [sys.executable, "-m", "pixel_data.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1", "COLUMNS": "250", **(env or {})},
        timeout=900,
    )


def build(
    lake: Path, warehouse: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--lake", str(lake), "--warehouse", str(warehouse), *extra, env=env)


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory) -> tuple[Path, LakeSummary]:
    lake = tmp_path_factory.mktemp("lake") / "sample_lake"
    return lake, generate_lake(lake, records=3000, seed=7)


@pytest.fixture(scope="session")
def built_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    lake, summary = sample_lake
    root = tmp_path_factory.mktemp("warehouse")
    warehouse = root / "warehouse.duckdb"
    # its own cold caches, as on a fresh clone: what another build of the run (or an older
    # checkout) left in a shared result cache first changes its export's bytes, and under xdist
    # the order of the builds changes (docs/benchmarks.md, "The test suite's time, part 3")
    caches = {
        "PIXEL_EMBEDDING_CACHE": str(root / "embeddings"),
        "PIXEL_RESULT_CACHE": str(root / "results"),
    }
    result = build(lake, warehouse, env=caches)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def built_export(built_warehouse, tmp_path_factory) -> Path:
    """One `pixel-data export` of `built_warehouse`, shared read-only by every test that reads
    an export of the sample lake (exporting it is seconds; copy it before changing it)."""
    out = tmp_path_factory.mktemp("built_export") / "export"
    result = run_cli("export", "--out", str(out), "--warehouse", str(built_warehouse.warehouse))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path_factory) -> Path:
    """A fresh byte copy of the built warehouse, always at one path of this worker, for the dbt
    runs against the built warehouse after its build: the gates' tamper tests (`tampered`) and
    the docs site. dbt parses the whole project again when the warehouse path (part of the
    profile) or a var changes, so these runs share one path, the same vars and one target folder
    beside the copy (`target/`): the first of a worker parses, the next ones read that parse
    back (tests/dbt/test_warehouse_quality_gates.py::dbt_test; docs/benchmarks.md, "Test suite,
    session 10 (issue 20)" and "The test suite (issue 20, session 11)"). One test at a time
    per worker uses it, each from a new copy."""
    folder = tmp_path_factory.getbasetemp() / "tampered"
    folder.mkdir(exist_ok=True)
    # same file name: DuckDB views name their catalog after the file
    copy = folder / built_warehouse.warehouse.name
    for leftover in folder.glob(f"{copy.name}*"):  # the last test's copy and its WAL, if any
        leftover.unlink()
    shutil.copy(built_warehouse.warehouse, copy)
    return copy


@pytest.fixture
def tampered(warehouse_copy) -> Path:
    """A fresh copy of the built warehouse to break on purpose (the gates' tamper tests)."""
    return warehouse_copy


# The small lake: one session build shared by the modules that each built a lake of a few
# records before (a `dbt build` costs ~21 s however small the lake): test_cli's files, the
# language module's file and the bad-input lake (tests/fixtures/bad_lake.py). Each module checks
# its own records by source file; a figure over the whole lake is checked against all three.
SMALL_LAKE_CLI_FILES = ("curated/priority_a.jsonl", "safety/reddit_a.jsonl")
SMALL_LAKE_LANGUAGE_FILE = "curated/priority_languages.jsonl"

# tests/dbt/test_warehouse_language.py: conversations in English, Chinese and Spanish.
LANGUAGE_CONVERSATIONS = {
    "en": [
        (
            "I have been arguing with my sister about our mother's care.",
            "That sounds stressful. What part of it weighs on you most?",
        ),
        (
            "Work has been overwhelming and I can't switch off at night.",
            "It sounds exhausting. When did you notice it getting worse?",
        ),
        (
            "I moved to a new city and I feel lonely most evenings.",
            "Moving is a big change. Who have you been able to talk to?",
        ),
    ],
    "zh": [
        (
            "我最近和男朋友经常吵架，心里很难受。",
            "听起来你很难过，能多说说吵架的时候发生了什么吗？",
        ),
        ("工作压力很大，晚上总是睡不着觉。", "压力这么大一定很辛苦，你平时怎么让自己放松呢？"),
        (
            "我真的不想活了，每天都很痛苦。",
            "谢谢你告诉我，我很担心你。你现在安全吗？可以拨打心理援助热线。",
        ),
    ],
    "es": [
        (
            "Me siento muy sola desde que me mudé a otra ciudad.",
            "Eso suena muy difícil. ¿Con quién has podido hablar?",
        ),
        (
            "Tengo mucha ansiedad antes de cada examen en la universidad.",
            "Es comprensible. ¿Qué sueles sentir justo antes del examen?",
        ),
    ],
}
SMALL_LAKE_LANGUAGE_RECORDS = sum(len(pairs) for pairs in LANGUAGE_CONVERSATIONS.values())
# tests/pixel_data/test_cli.py: a conversation and a broken line (quarantined) in the curated
# dataset, a preference pair in the safety dataset; no other registered dataset has a file.
SMALL_LAKE_CLI_RECORDS = 3
SMALL_LAKE_RECORDS = SMALL_LAKE_CLI_RECORDS + SMALL_LAKE_LANGUAGE_RECORDS


@dataclass(frozen=True)
class SmallLake:
    path: Path
    bad: BadLake


@pytest.fixture(scope="session")
def small_lake(tmp_path_factory) -> SmallLake:
    """The small lake (see SMALL_LAKE_*); its registered datasets without a file include
    counsel_qa."""
    lake = tmp_path_factory.mktemp("small") / "lake"
    lake.mkdir()
    bad = make_bad_lake(lake)
    (lake / "safety").mkdir()
    conversation = {
        "messages": [
            {"role": "client", "content": "I can't sleep."},
            {"role": "therapist", "content": "What keeps you up?"},
        ]
    }
    (lake / SMALL_LAKE_CLI_FILES[0]).write_text(json.dumps(conversation) + "\n{broken\n")
    pair = {"prompt": "I feel hopeless", "chosen": "I'm here with you.", "rejected": "Ok."}
    (lake / SMALL_LAKE_CLI_FILES[1]).write_text(json.dumps(pair) + "\n")
    lines = [
        json.dumps(
            {"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]},
            ensure_ascii=False,
        )
        for pairs in LANGUAGE_CONVERSATIONS.values()
        for u, a in pairs
    ]
    (lake / SMALL_LAKE_LANGUAGE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return SmallLake(lake, bad)


@pytest.fixture(scope="session")
def small_warehouse(small_lake, tmp_path_factory) -> tuple[Path, str]:
    """The small lake built once with the defaults: the warehouse (read-only: copy it before
    building over it) and the build's output."""
    warehouse = tmp_path_factory.mktemp("small_wh") / "warehouse.duckdb"
    result = build(small_lake.path, warehouse)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return warehouse, result.stdout


# Model scoring and near-duplicate detection off: the SQL path, with PII still redacted. Builds
# whose subject is not a score (reading the lake from S3, say) use it and compare against
# switched_off_warehouse.
SWITCHED_OFF_VARS = '{"scoring_enabled": false, "near_dup_enabled": false}'


@pytest.fixture(scope="session")
def switched_off_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    """The sample lake built with model scoring and near-duplicate detection off (one build,
    shared by the tests of both switches), with its own empty embedding cache."""
    lake, summary = sample_lake
    root = tmp_path_factory.mktemp("switched_off")
    warehouse = root / "warehouse.duckdb"
    result = run_cli(
        "build",
        "--lake",
        str(lake),
        "--warehouse",
        str(warehouse),
        "--vars",
        SWITCHED_OFF_VARS,
        env={"PIXEL_EMBEDDING_CACHE": str(root / "embeddings")},
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def rebuilt_warehouse(sample_lake, tmp_path_factory) -> BuiltWarehouse:
    """The sample lake built a second time, from its own copy and with its own (cold) embedding
    cache, `embeddings` beside the warehouse: shared by the determinism test (same lake, same
    seed, same splits) and the incremental-embedding test (which copies lake and cache on)."""
    source, summary = sample_lake
    root = tmp_path_factory.mktemp("rebuilt")
    lake = root / "lake"
    shutil.copytree(source, lake)
    warehouse = root / "warehouse.duckdb"
    result = run_cli(
        "build",
        "--lake",
        str(lake),
        "--warehouse",
        str(warehouse),
        env={"PIXEL_EMBEDDING_CACHE": str(root / "embeddings")},
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return BuiltWarehouse(lake, summary, warehouse, result.stdout)


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real labelled data where the evaluations find it (``PIXEL_REALDATA`` or ../shared)."""
    from evaluation.realdata import RealDataMissing, realdata_root

    try:
        return realdata_root()
    except RealDataMissing as missing:
        pytest.skip(f"{missing}; skipping")
