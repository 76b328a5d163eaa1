"""The report page: a ``Snapshot`` rendered as one self-contained HTML file.

No JavaScript, no external file, no web font: styles are inlined from ``style.css`` and charts
are inline SVG (``charts``). Every value is escaped. Sections have stable ids (``model``,
``runs``, ``contract``, ``drift``, ``audit``) so tests and links can find them. The page is about
one dataset (the snapshot's), named in its header and wherever a version number could be read as
another dataset's.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from importlib import resources

from . import charts
from .collect import ContractCheck, Json, ModelCard, RunPoint, Snapshot

Cell = str | int | float | None
FAILURES_SHOWN = 20
RUNS_SHOWN = 10


def stylesheet() -> str:
    """The shared stylesheet (the same file as leanops' own ``report.css``)."""
    return resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")


def esc(value: object) -> str:
    """``value`` as escaped HTML text (``-`` for None)."""
    return "-" if value is None else html.escape(str(value))


def badge(status: str | None) -> str:
    """A coloured status label (the class is the status word: ok, warn, alert, failed ...)."""
    if not status:
        return '<span class="badge">unknown</span>'
    css = status.replace(" ", "-")
    return f'<span class="badge {esc(css)}">{esc(status)}</span>'


def number(value: object, digits: int = 4) -> str:
    """A number in a short form (``-`` for anything else)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-"
    return f"{value:.{digits}g}"


def when(stamp: str | float | None) -> str:
    """A UTC time as ``YYYY-MM-DD HH:MM`` (from ISO text or a POSIX timestamp)."""
    if stamp is None:
        return "-"
    if isinstance(stamp, float | int):
        moment = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    else:
        try:
            moment = dt.datetime.fromisoformat(stamp)
        except ValueError:
            return esc(stamp)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int] | None = None
) -> str:
    """An HTML table; cells are already HTML (escape them first)."""
    numeric = numeric or set()
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tile(label: str, value: str, detail: str = "") -> str:
    """A summary tile at the top of the page."""
    extra = f'<div class="note">{detail}</div>' if detail else ""
    return (
        f'<div class="tile"><div class="label">{esc(label)}</div>'
        f'<div class="value">{value}</div>{extra}</div>'
    )


def _section(ident: str, title: str, body: str) -> str:
    return f'<section id="{ident}"><h2>{esc(title)}</h2>{body}</section>'


def _empty(text: str) -> str:
    return f'<p class="empty">{text}</p>'


def _chart(svg: str | None, caption: str) -> str:
    if svg is None:
        if charts.available():
            return ""
        return (
            '<p class="note">Charts need matplotlib: <code>uv sync --extra report</code> '
            "(tables below show the same figures).</p>"
        )
    return (
        f'<figure class="chart">{svg}<figcaption class="note">{esc(caption)}</figcaption></figure>'
    )


# ------------------------------------------------------------------------------------ sections


def summary(snapshot: Snapshot) -> str:
    """The tiles: production model, last pipeline run, contract, drift."""
    card = snapshot.production
    model = tile(
        "Production model",
        f"v{card.version}" if card else '<span class="badge">none</span>',
        f"since {when(card.since)}" if card and card.since else "",
    )
    last = snapshot.runs[-1] if snapshot.runs else None
    pipeline = tile(
        "Last pipeline",
        badge(last.status) if last else '<span class="badge">none</span>',
        _run_time(last) if last else "",
    )
    contract = snapshot.contract
    contract_tile = tile(
        "Data contract",
        badge("ok" if contract.passed else "failed")
        if contract
        else '<span class="badge">not checked</span>',
        f"{esc(contract.dataset)} v{esc(contract.contract_version)}" if contract else "",
    )
    drift = snapshot.drift
    drift_tile = tile(
        "Drift",
        badge(drift.status) if drift else '<span class="badge">not checked</span>',
        f"{esc(drift.input)}, {when(drift.created_at)}" if drift else "",
    )
    return f'<div class="summary">{model}{pipeline}{contract_tile}{drift_tile}</div>'


def _run_time(run: RunPoint) -> str:
    """When a run ended (and began), or since when it runs."""
    if run.end is None:
        return f"started {when(run.start)}"
    return f"ended {when(run.end)} (started {when(run.start)})"


def _comparison(card: ModelCard) -> str:
    columns: list[tuple[str, dict[str, float] | None]] = [
        (f"v{card.version} (production)", card.metrics)
    ]
    if card.previous_version is not None:
        columns.append((f"v{card.previous_version} (previous production)", card.previous_metrics))
    columns.append(("baseline", card.baseline_metrics))
    names = sorted({name for _, values in columns for name in (values or {})})
    if not names:
        return _empty("No metrics recorded for this version.")
    rows = [
        [esc(name), *(number((values or {}).get(name)) for _, values in columns)] for name in names
    ]
    note = f'<p class="note">Baseline: {esc(card.baseline_note)}.</p>' if card.baseline_note else ""
    if card.baseline_metrics is None:
        note = (
            '<p class="note">Baseline: not available (run <code>train</code> or '
            "<code>pipeline</code>).</p>"
        )
    return (
        table(["metric", *(name for name, _ in columns)], rows, set(range(1, len(columns) + 1)))
        + note
    )


def model_section(snapshot: Snapshot) -> str:
    """The production model's card and how it compares."""
    card = snapshot.production
    project = esc(snapshot.project)
    waiting = (
        f'<p class="note">Candidate v{snapshot.candidate} waits for '
        f"<code>{project} promote</code>.</p>"
        if snapshot.candidate is not None and (card is None or snapshot.candidate != card.version)
        else ""
    )
    if card is None:
        body = _empty(
            f"No production model yet. Run <code>{project} pipeline</code> to train a candidate, "
            f"then <code>{project} promote</code>."
            + (f" {snapshot.versions} version(s) registered so far." if snapshot.versions else "")
        )
        return _section("model", "Production model", body + waiting)
    fingerprint = (
        f"<code>{esc(card.data_fingerprint[:16])}</code>" if card.data_fingerprint else "-"
    ) + (f" ({card.data_rows} rows)" if card.data_rows is not None else "")
    facts = [
        ("dataset", esc(snapshot.dataset)),
        ("version", f"<strong>v{card.version}</strong>"),
        ("production since", when(card.since)),
        ("by", esc(card.by)),
        ("how", esc(card.action)),
        ("why", esc(card.reason or "no reason given")),
        ("trained", when(card.created_at)),
        ("run", f"<code>{esc((card.run_id or '-')[:12])}</code>"),
        ("data fingerprint", fingerprint),
        ("contract version", esc(card.contract_version)),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    compared = "<h3>Metrics on the held-out rows</h3>" + _comparison(card)
    return _section("model", "Production model", f'<dl class="card">{dl}</dl>{compared}{waiting}')


def runs_section(snapshot: Snapshot) -> str:
    """The dataset's recent pipeline runs: their metrics over time, the last few as a table;
    other datasets' runs are counted, not mixed in (their version numbers are their own)."""
    runs, project, dataset = snapshot.runs, esc(snapshot.project), esc(snapshot.dataset)
    others = (
        f'<p class="note">{snapshot.other_runs} pipeline run(s) of other datasets are not shown '
        f"(all of them: <code>{project} runs list --name pipeline</code>).</p>"
        if snapshot.other_runs
        else ""
    )
    if not runs:
        text = next((n for n in snapshot.notes if "MLflow" in n), "")
        return _section(
            "runs",
            "Pipeline runs",
            _empty(
                esc(text)
                if text
                else f"No pipeline runs of dataset {dataset} yet: run "
                f"<code>{project} pipeline</code>."
            )
            + others,
        )
    chart = _chart(
        charts.runs_chart(runs),
        f"Metrics of the last {len(runs)} pipeline runs of dataset {snapshot.dataset} (UTC).",
    )
    recent = list(reversed(runs))[:RUNS_SHOWN]
    rows = [
        [
            when(run.start),
            when(run.end),
            badge(run.status),
            esc(run.user),
            esc(run.model_version),
            esc(" ".join(f"{k}={number(v)}" for k, v in sorted(run.metrics.items())) or "-"),
            f"<code>{esc(run.id[:12])}</code>",
        ]
        for run in recent
    ]
    head = f"<p>Pipeline runs of dataset <strong>{dataset}</strong>.</p>"
    headers = ["started", "ended", "status", "by", "model", "metrics", "run"]
    return _section("runs", "Pipeline runs", head + chart + table(headers, rows) + others)


def contract_section(contract: ContractCheck | None, project: str) -> str:
    """The last contract check and its first failures."""
    if contract is None:
        return _section(
            "contract",
            "Data contract",
            _empty(f"No contract check yet: run <code>{esc(project)} contract check</code>."),
        )
    verdict = badge("ok" if contract.passed else "failed")
    facts = [
        ("dataset", esc(contract.dataset)),
        ("contract version", esc(contract.contract_version)),
        ("source", esc(contract.source)),
        ("rows", esc(contract.rows)),
        ("checked", when(contract.checked_at)),
        ("result", f"{verdict} {contract.failure_count} failure(s)"),
    ]
    body = '<dl class="card">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
    if contract.failures:
        shown = contract.failures[:FAILURES_SHOWN]
        rows = [[esc(f.get(key)) for key in ("column", "check", "value", "row")] for f in shown]
        body += table(["column", "check", "value", "row"], rows)
        if contract.failure_count > len(shown):
            more = contract.failure_count - len(shown)
            body += f'<p class="note">... and {more} more in the JSON report.</p>'
    return _section("contract", "Data contract", body)


def _p(value: object) -> str:
    if not isinstance(value, int | float):
        return "-"
    return "&lt;1e-6" if value < 1e-6 else f"{value:.3g}"


def _change(feature: Json) -> str:
    note = feature.get("note")
    if isinstance(note, str) and note:
        return esc(note)
    days = feature.get("mean_shift_days")
    if isinstance(days, int | float):
        return f"mean {days:+.1f} days"
    shift = feature.get("mean_shift_sd")
    if isinstance(shift, int | float):
        return f"mean {shift:+.2f} sd"
    change = feature.get("largest_change")
    if isinstance(change, dict):
        before, after = change.get("reference"), change.get("batch")
        if isinstance(before, int | float) and isinstance(after, int | float):
            return f"{esc(change.get('category'))}: {before:.1%} → {after:.1%}"
    return "-"


def drift_section(snapshot: Snapshot) -> str:
    """The dataset's last drift check: reference against batch per feature, drawn and tabled."""
    drift, project = snapshot.drift, esc(snapshot.project)
    if drift is None:
        unnamed = (
            f'<p class="note">{snapshot.drift_unnamed} older drift report(s) in reports/ do not '
            "say which dataset they checked, so they are not shown: run drift again.</p>"
            if snapshot.drift_unnamed
            else ""
        )
        return _section(
            "drift",
            "Drift",
            _empty(
                f"No drift check of dataset {esc(snapshot.dataset)} yet: run "
                f"<code>{project} drift BATCH.csv</code>."
            )
            + unnamed,
        )
    alpha = f", family-wise false-warning rate {drift.alpha:.0%}" if drift.alpha else ""
    head = (
        f"<p>{badge(drift.status)} <code>{esc(drift.input)}</code>, {esc(drift.rows)} rows against "
        f"model v{esc(drift.model_version)} of dataset <strong>{esc(drift.dataset)}</strong>, "
        f"checked {when(drift.created_at)}{alpha}.</p>"
    )
    chart = _chart(
        charts.drift_chart(drift.features),
        "Share of rows per bin: reference (grey) against the batch (blue); bins of numbers and "
        "dates are the reference's deciles, low to high.",
    )
    order = {"alert": 0, "warn": 1, "insufficient data": 2, "ok": 3, "not checked": 4}
    rows = [
        [
            esc(f.get("feature")),
            esc(f.get("kind")),
            esc(f.get("test")),
            number(f.get("statistic"), 3),
            _p(f.get("p_adjusted")),
            number(f.get("psi"), 3),
            _change(f),
            badge(str(f.get("status"))),
        ]
        for f in sorted(
            drift.features,
            key=lambda f: (order.get(str(f.get("status")), 4), str(f.get("feature"))),
        )
    ]
    headers = ["feature", "kind", "test", "statistic", "p (Holm)", "PSI", "change", "status"]
    return _section("drift", "Drift", head + chart + table(headers, rows, {3, 4, 5}))


def audit_section(audit: Sequence[Mapping[str, object]]) -> str:
    """Who changed what in the registry, newest first."""
    if not audit:
        return _section("audit", "Audit trail", _empty("Nothing registered or promoted yet."))
    rows = []
    for record in audit:
        moved = (
            f"v{record.get('from')} → v{record.get('to')}"
            if record.get("from")
            else f"→ v{record.get('to')}"
        )
        rows.append(
            [
                when(str(record.get("time"))),
                esc(record.get("who")),
                esc(record.get("action")),
                esc(record.get("alias")),
                esc(moved),
                esc(record.get("reason")),
            ]
        )
    return _section(
        "audit",
        "Audit trail",
        table(["time", "who", "action", "alias", "versions", "reason"], rows),
    )


def render(snapshot: Snapshot) -> str:
    """The whole page."""
    project = snapshot.project
    notes = "".join(f'<p class="note">{esc(note)}</p>' for note in snapshot.notes)
    body = "".join(
        [
            summary(snapshot),
            model_section(snapshot),
            runs_section(snapshot),
            drift_section(snapshot),
            contract_section(snapshot.contract, project),
            audit_section(snapshot.audit),
            notes,
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(project)} report</title><style>{stylesheet()}</style></head><body>"
        f"<header><h1>{esc(project)}</h1>"
        f"<p>Project report for dataset <strong>{esc(snapshot.dataset)}</strong>, "
        f"generated {when(snapshot.generated_at)} UTC "
        f"· {esc(snapshot.task)} · runs tracked: {esc(snapshot.backend)}</p></header>"
        f"<main>{body}</main><footer>Made by <code>{esc(project)} report</code> (leanops). "
        "Self-contained: no script, no network.</footer></body></html>\n"
    )
