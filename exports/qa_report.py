"""The QA report: one self-contained HTML page with charts, and a JSON twin with the same figures.

Every figure is a `qa_*` mart of the built warehouse (dbt_project/models/marts/reports), read
as it is; the export's manifest adds the composition. The report shows what exists: a warehouse
without a mart shows none of its figures. It holds counts and file:line locations, never record
text.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from exports import charts

QA_HTML = "qa_report.html"
QA_JSON = "qa_report.json"


def collect_figures(warehouse: Path, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every figure the report shows, as plain JSON-ready data.

    The figures are the warehouse's `qa_*` marts (dbt_project/models/marts/reports), read as
    they are; a warehouse without a mart (built before it existed, or a synthetic one) shows
    none of its figures.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
        }
        views = con.execute("select view_name from duckdb_views()").fetchall()
        tables |= {row[0] for row in views}

        def rows(table: str, sql: str) -> list[dict[str, Any]]:
            return _rows(con, sql) if table in tables else []

        totals = rows(
            "qa_build_totals",
            "select input_records, exported, quarantined, exact_duplicates, near_duplicates,"
            " filtered, edge_cases from qa_build_totals",
        )
        return {
            # no wall-clock time: the same warehouse gives the same report, byte for byte
            "built_at": _built_at(con, tables),
            "export": _export_info(manifest),
            "totals": totals[0] if totals else None,
            "row_accounting": rows(
                "row_accounting", "select * from row_accounting order by source_dataset"
            ),
            "stage_mix": rows("qa_stage_mix", "select * from qa_stage_mix order by stage_number"),
            "splits": rows("qa_splits", "select split, records from qa_splits order by split"),
            "categories": {
                kind: rows(
                    "qa_categories",
                    "select category, records from qa_categories"
                    f" where enrichment = '{kind}' order by records desc, category",
                )
                for kind in ("after_enrichment", "before_enrichment")
            },
            "edge_cases": rows(
                "qa_edge_cases",
                "select source_dataset, stage, split, records from qa_edge_cases order by all",
            ),
            "quarantine_top": rows(
                "qa_quarantine_summary",
                "select reason, source_dataset, records, files, example_location"
                " from qa_quarantine_summary"
                " order by records desc, reason, source_dataset limit 15",
            ),
            "score_histograms": _score_histograms(
                rows("qa_score_histograms", "select * from qa_score_histograms order by score, bin")
            ),
            "pii_counts": {
                row["pii_type"]: row["replacements"]
                for row in rows(
                    "qa_pii_counts",
                    "select pii_type, replacements from qa_pii_counts order by pii_type",
                )
            },
            "languages": rows(
                "qa_languages",
                "select * from qa_languages order by conversations desc, language",
            ),
            "crisis_flags": rows(
                "qa_crisis_flags",
                "select stage, evidence, records, edge_cases from qa_crisis_flags"
                " order by stage, records desc, evidence",
            ),
            "gates": {
                "tests": rows(
                    "gate_results",
                    "select gate, gate_kind, status, failures from gate_results"
                    " order by status, gate, gate_kind, attached_node",
                ),
                "thresholds": rows(
                    "quality_thresholds", "select * from quality_thresholds order by stage, metric"
                ),
                "filtered_by_gate": rows(
                    "qa_filtered_by_gate",
                    "select gate, records from qa_filtered_by_gate order by gate",
                ),
            },
            "composition": (manifest or {}).get("composition"),
        }


def render_html(figures: dict[str, Any]) -> str:
    """The self-contained page: inline CSS and SVG only."""
    sections = [
        _overview(figures),
        _funnel(figures),
        _stage_mix(figures),
        _composition_section(figures),
        _categories_section(figures),
        _languages_section(figures),
        _scores_section(figures),
        _gates_section(figures),
        _edge_cases_section(figures),
        _quarantine_section(figures),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>pixel-data QA report</title>"
        f"<style>{_CSS}</style></head><body><h1>QA report</h1>"
        + "".join(sections)
        + "</body></html>"
    )


def write_qa_report(
    out_dir: Path, warehouse: Path, manifest: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write qa_report.html and qa_report.json into out_dir (an export folder or any folder)."""
    if manifest is None and (out_dir / "manifest.json").is_file():
        manifest = json.loads((out_dir / "manifest.json").read_text())
    figures = collect_figures(warehouse, manifest)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / QA_HTML, out_dir / QA_JSON
    json_path.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str) + "\n")
    html_path.write_text(render_html(figures))
    return html_path, json_path


# ---------------------------------------------------------------------------------------------
# figures


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _built_at(con: duckdb.DuckDBPyConnection, tables: set[str]) -> str | None:
    if "build_metadata" not in tables:
        return None
    row = con.execute("select built_at from build_metadata").fetchone()
    return row[0] if row else None


def _export_info(manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    if not manifest:
        return None
    return {
        "version": manifest.get("version"),
        "content_sha256": manifest.get("content_sha256"),
        "files": len(manifest.get("files", [])),
        "config_lock": manifest.get("config_lock"),
    }


def _score_histograms(bins: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{score: {bin_edges, counts}} from the rows of qa_score_histograms (by score, then bin)."""
    histograms: dict[str, dict[str, Any]] = {}
    for row in bins:
        histogram = histograms.setdefault(
            row["score"], {"bin_edges": [row["bin_lower"]], "counts": []}
        )
        histogram["bin_edges"].append(row["bin_upper"])
        histogram["counts"].append(row["records"])
    return histograms


# ---------------------------------------------------------------------------------------------
# html


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p class='muted'>none</p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def _overview(f: dict[str, Any]) -> str:
    t = f["totals"] or {}
    cards = [
        (label, t[key])
        for label, key in (
            ("records in", "input_records"),
            ("exported", "exported"),
            ("quarantined", "quarantined"),
            ("exact duplicates", "exact_duplicates"),
            ("near duplicates", "near_duplicates"),
            ("filtered by gates", "filtered"),
            ("edge cases kept", "edge_cases"),
        )
        if key in t
    ]
    export = f["export"]
    line = (
        f"<p>Export {escape(str(export['version']))}, {export['files']} files, content sha256 "
        f"<code>{escape(str(export['content_sha256']))}</code></p>"
        if export
        else "<p class='muted'>Not attached to an export.</p>"
    )
    return (
        "<section id='overview'><h2>Overview</h2><div class='cards'>"
        + "".join(f"<div class='card'><b>{v:,}</b><span>{escape(k)}</span></div>" for k, v in cards)
        + f"</div>{line}<p class='muted'>Warehouse built {escape(str(f['built_at']))}</p></section>"
    )


def _funnel(f: dict[str, Any]) -> str:
    rows = f["row_accounting"]
    chart = charts.bar_chart(
        [r["source_dataset"] for r in rows],
        [r["exported"] for r in rows],
        title="Exported records per source dataset",
    )
    columns = [
        c
        for c in (
            "source_dataset",
            "files",
            "input_records",
            "exported",
            "quarantined",
            "exact_duplicates",
            "near_duplicates",
            "filtered",
            "is_balanced",
        )
        if rows and c in rows[0]
    ]
    return (
        "<section id='funnel'><h2>Records in and out per source</h2>"
        + chart
        + _table(rows, columns)
        + "</section>"
    )


def _stage_mix(f: dict[str, Any]) -> str:
    mix = f["stage_mix"]
    chart = charts.grouped_bar_chart(
        [r["stage"] for r in mix],
        {
            "target": [r["target_share"] or 0 for r in mix],
            "actual": [r["actual_share"] or 0 for r in mix],
        },
        title="Stage mix: target vs actual share",
    )
    return (
        "<section id='stage-mix'><h2>Stage mix and splits</h2>"
        + chart
        + _table(mix)
        + _table(f["splits"])
        + "</section>"
    )


def _composition_section(f: dict[str, Any]) -> str:
    composition = f.get("composition")
    if not composition:
        return ""
    stages = composition["stages"]
    chart = charts.grouped_bar_chart(
        [s["stage"] for s in stages],
        {"target": [s["target"] for s in stages], "selected": [s["selected"] for s in stages]},
        title=f"Composition: target vs selected records ({composition['target_samples']:,} asked)",
        value_format="{:,.0f}",
    )
    rows = [
        {key: s[key] for key in ("stage", "available", "target", "selected", "shortfall")}
        | {
            "received_from_shortfall": s["received_from_shortfall"],
            "by_tier": s["selected_by_tier"],
        }
        for s in stages
    ]
    note = (
        f"<p class='bad'>{composition['shortfall_unplaced']:,} records short of the target:"
        " the warehouse has too few.</p>"
        if composition["shortfall_unplaced"]
        else ""
    )
    return (
        "<section id='composition'><h2>Composition: target vs actual</h2>"
        + chart
        + note
        + _table(rows)
        + f"<p class='muted'>{escape(composition['rule'])}</p></section>"
    )


def _categories_section(f: dict[str, Any]) -> str:
    after = f["categories"]["after_enrichment"]
    before = f["categories"]["before_enrichment"]
    parts = [
        charts.bar_chart(
            [r["category"] for r in after],
            [r["records"] for r in after],
            title="Exported records per category",
        )
    ]
    if before:
        parts.append(
            charts.bar_chart(
                [r["category"] for r in before],
                [r["records"] for r in before],
                title="Categories before enrichment",
            )
        )
    return "<section id='categories'><h2>Categories</h2>" + "".join(parts) + "</section>"


def _scores_section(f: dict[str, Any]) -> str:
    histograms = f["score_histograms"]
    body = (
        "".join(
            charts.histogram(h["bin_edges"], h["counts"], title=f"Distribution of {name}")
            for name, h in histograms.items()
        )
        or "<p class='muted'>No score columns in this warehouse yet.</p>"
    )
    pii = f["pii_counts"]
    pii_html = (
        charts.bar_chart(list(pii), list(pii.values()), title="PII found, by type")
        if pii
        else "<p class='muted'>No PII counts in this warehouse yet.</p>"
    )
    crisis = f.get("crisis_flags") or []
    crisis_html = (
        charts.bar_chart(
            [f"{row['stage']}: {row['evidence']}" for row in crisis],
            [row["records"] for row in crisis],
            title="Crisis-flagged conversations, by stage and evidence",
        )
        + _table(crisis)
        if crisis
        else "<p class='muted'>No crisis flags in this warehouse.</p>"
    )
    return (
        "<section id='scores'><h2>Score distributions</h2>"
        + body
        + "<h3>Crisis flags</h3>"
        + crisis_html
        + "<h3>PII</h3>"
        + pii_html
        + "</section>"
    )


def _languages_section(f: dict[str, Any]) -> str:
    languages = f.get("languages") or []
    body = (
        _table(languages)
        if languages
        else "<p class='muted'>No language figures in this warehouse yet.</p>"
    )
    return (
        "<section id='languages'><h2>Languages</h2><p>Detected per conversation (ISO 639-1);"
        " a scorer that does not support a language leaves its score null, and the"
        " unsupported_language_policy var decides whether such records are kept.</p>"
        + body
        + "</section>"
    )


def _gates_section(f: dict[str, Any]) -> str:
    tests = f["gates"]["tests"]
    failing = [t for t in tests if t["status"] != "pass"]
    summary = (
        f"<p class='{'bad' if failing else 'good'}'>{len(tests) - len(failing)} of "
        f"{len(tests)} gates passed in the last build.</p>"
        if tests
        else "<p class='muted'>No gate results recorded.</p>"
    )
    return (
        "<section id='gates'><h2>Gates and thresholds</h2>"
        + summary
        + (_table(failing) if failing else "")
        + "<h3>Thresholds</h3>"
        + _table(f["gates"]["thresholds"])
        + "<h3>Filtered by gate</h3>"
        + _table(f["gates"]["filtered_by_gate"])
        + "</section>"
    )


def _edge_cases_section(f: dict[str, Any]) -> str:
    return (
        "<section id='edge-cases'><h2>Edge cases</h2><p>Edge-case training data bypasses every"
        " safety filter and goes to stage 3 only.</p>" + _table(f["edge_cases"]) + "</section>"
    )


def _quarantine_section(f: dict[str, Any]) -> str:
    return (
        "<section id='quarantine'><h2>Top quarantine reasons</h2>"
        + _table(f["quarantine_top"])
        + "</section>"
    )


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:980px;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:12px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}th{background:#f4f4f4}
.cards{display:flex;flex-wrap:wrap;gap:.6rem}.card{border:1px solid #ddd;border-radius:6px;
padding:.5rem .8rem;min-width:110px}.card b{display:block;font-size:1.3rem}
.card span,.muted{color:#777}.bad{color:#b00020;font-weight:bold}.good{color:#2e7d32}
svg.chart text{font-size:12px;fill:#333}svg.chart text.small{font-size:10px}
figure{margin:.8rem 0}figcaption{color:#666;font-size:12px}
"""
