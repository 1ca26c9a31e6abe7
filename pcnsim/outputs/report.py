"""A finished sweep as one self-contained HTML page, for mailing to people who will not run pcnsim.

The page makes no outside request of any kind: its CSS is in a <style>, its
figures are inline SVG (or PNG as data: URIs), no script, no font, no link
out. Every value read from the folder is escaped. It reads a folder that
`pcnsim.study.report.write_report` has checked against its manifest; each
optional section (per-run outcomes, sensitivity, discovery, provenance) is
there only if its files are.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..config import ScenarioError
from .stats import checkpoint_weeks

POINTS_SHOWN = 12  # design points shown one by one; beyond, the checkpoint table pools each scenario's runs
ROWS_SHOWN = 50  # rows of a discovery table shown; the rest are in its CSV
FAILED_SHOWN = 10
RUN_COLUMNS = ("run_id", "point", "case", "scenario", "replicate", "seed", "status", "error",
               "seed_entropy", "spawn_key")
DISCOVER_TABLES = (("prim_box.csv", "The box found (PRIM)"),
                   ("prim_trajectory.csv", "PRIM's peeling trajectory"),
                   ("feature_scores.csv", "Feature scores"),
                   ("robustness.csv", "Robustness"))
DISCOVER_FIGURES = ("prim_trajectory", "prim_box")

# Browsers refuse any request the page might still make: no script, nothing but inline style and data: images.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"

STYLE = """
body { font-family: Georgia, "Times New Roman", serif; color: #111; background: #fff; margin: 2em auto;
       max-width: 62em; padding: 0 1em; line-height: 1.45; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; line-height: 1.2; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #999; padding-bottom: 0.15em; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
p.lead { font-size: 1.1em; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.45em; vertical-align: top; }
th { background: #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { text-align: left; font-style: italic; padding-bottom: 0.3em; }
figure { margin: 1em 0; }
img, svg { max-width: 100%; height: auto; }
figure svg, figure img { display: block; }
figcaption { font-size: 0.85em; font-style: italic; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; font-size: 0.8em; white-space: pre-wrap;
      overflow-wrap: anywhere; }
code { font-size: 0.9em; }
.note { font-size: 0.85em; color: #444; }
footer { margin-top: 2.5em; border-top: 1px solid #999; padding-top: 0.4em; font-size: 0.8em; color: #444; }
@page { margin: 1.6cm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, table, pre { break-inside: avoid; page-break-inside: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
"""


def e(value) -> str:
    """A value as escaped HTML text."""
    return html.escape(str(value), quote=True)


def number(x) -> str:
    """A number to about four significant figures ('–' if missing)."""
    if x is None or isinstance(x, str):
        return e(x if x is not None else "–")
    x = float(x)
    if not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    if abs(x) < 1e-4 or abs(x) >= 1e12:
        return f"{x:.3e}"
    if float(x).is_integer() and abs(x) < 1e6:
        return f"{int(x)}"
    digits = min(8, max(0, 3 - math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def label(value) -> str:
    """A design value (a parameter's level) as written in an experiment file: 0.2, not 0.2000."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value):
        return e(f"{float(value):.6g}")
    return e(value)


def _cell(value) -> str:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f'<td class="num">{number(value)}</td>'
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="num">–</td>'
    return f"<td>{e(value)}</td>"


def frame_table(frame: pd.DataFrame, caption: str = "", css: str = "") -> str:
    """A data frame as an escaped HTML table."""
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    cls = f' class="{e(css)}"' if css else ""
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


# ---- figures -------------------------------------------------------------------------------------------------

_SVG_DROP = [re.compile(p, re.S) for p in (r"<\?xml.*?\?>", r"<!DOCTYPE.*?>", r"<!--.*?-->",
                                           r"<metadata>.*?</metadata>")]
_EXTERNAL = re.compile(r"(?:href|src)\s*=\s*[\"'](?!#)|url\(\s*[\"']?(?!#)|@import|<script|<foreignObject|\bon\w+\s*=",
                       re.I)


def inline_svg(text: str, prefix: str) -> str | None:
    """Matplotlib's SVG made fit to stand inside a page: no XML prologue or metadata, no namespace URLs (HTML
    gives <svg> its namespace), every id prefixed so two figures' ids never clash. None if it refers to
    anything outside itself or holds a script, so the page falls back to the PNG."""
    for pattern in _SVG_DROP:
        text = pattern.sub("", text)
    text = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", text)
    start = text.find("<svg")
    if start < 0 or _EXTERNAL.search(text):
        return None
    text = text[start:].strip()
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'(href="#)([^"]+)"', lambda m: f'{m.group(1)}{prefix}-{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", text)
    return text


PNG = b"\x89PNG\r\n\x1a\n"


def png_data_uri(data: bytes) -> str | None:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii") if data.startswith(PNG) else None


def figure(stem: Path, caption: str, prefix: str) -> str:
    """A figure from `stem`.svg (inline) or else `stem`.png (data: URI); '' if neither is usable."""
    svg = stem.with_suffix(".svg")
    if svg.is_file():
        body = inline_svg(svg.read_text(encoding="utf-8", errors="replace"), prefix)
        if body:
            return f"<figure>{body}<figcaption>{e(caption)}</figcaption></figure>"
    png = stem.with_suffix(".png")
    if png.is_file():
        uri = png_data_uri(png.read_bytes())
        if uri:
            return f'<figure><img src="{uri}" alt="{e(caption)}"><figcaption>{e(caption)}</figcaption></figure>'
    return ""


def has_figure(stem: Path) -> bool:
    return stem.with_suffix(".svg").is_file() or stem.with_suffix(".png").is_file()


# ---- what was run --------------------------------------------------------------------------------------------

def _spec(spec) -> str:
    if hasattr(spec, "low"):
        num = f", {spec.num} values" if getattr(spec, "num", None) else ""
        return f"{spec.low:.6g} to {spec.high:.6g}{num}"
    return ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in spec)


def scenario_descriptions(folder: Path, experiment) -> dict[str, str]:
    """Each scenario's description: from points.jsonl (the resolved scenarios the sweep ran) if the folder has it,
    else from the experiment's scenario files that can still be read; a scenario with neither has none."""
    from ..config import read_yaml

    found: dict[str, str] = {}
    points = folder / "points.jsonl"
    if points.is_file():
        for line in points.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                scenario = json.loads(line)["scenario"]
                found.setdefault(str(scenario["name"]), str(scenario.get("description") or ""))
            except (ValueError, KeyError, TypeError):
                continue
        return found
    for name in experiment.scenarios:
        try:
            data = read_yaml(folder / name)
            found.setdefault(str(data["name"]), str(data.get("description") or ""))
        except (ScenarioError, OSError, KeyError, TypeError, AttributeError):
            continue
    return found


def what_was_run(experiment, table: pd.DataFrame, summary: pd.DataFrame, described: dict[str, str]) -> str:
    scenarios = list(dict.fromkeys(table["scenario"]))
    points = table["point"].nunique()
    status = table["status"].fillna("pending")
    ok, failed = int((status == "ok").sum()), int((status == "failed").sum())
    other = len(table) - ok - failed
    if experiment.parameters:
        params = "; ".join(f"<code>{e(k)}</code> {e(_spec(v))}" for k, v in experiment.parameters.items())
        design = (f"a {e(experiment.design)} design over {len(experiment.parameters)} "
                  f"parameter{'s' if len(experiment.parameters) > 1 else ''} ({params})")
    else:
        design = "no parameter varied"
    steps = (f"{experiment.steps} weeks" if experiment.steps is not None else
             f"each scenario's own length (up to week {int(summary['step'].max())})")
    recorded = "every week" if experiment.record_every == 1 else f"every {experiment.record_every} weeks"
    text = (f"<p>{len(scenarios)} scenario{'s' if len(scenarios) > 1 else ''} "
            f"({', '.join(f'<code>{e(s)}</code>' for s in scenarios)}), {design}: {points} design "
            f"point{'s' if points > 1 else ''} in all, each run {experiment.replicates} "
            f"time{'s' if experiment.replicates > 1 else ''} (replicates) from root seed {e(experiment.seed)}, "
            f"for {e(steps)}, outcomes recorded {recorded}. "
            f"{len(table)} runs: {ok} ok, {failed} failed" + (f", {other} not run" if other else "") + ".</p>")
    listed = [(s, described.get(s, "")) for s in scenarios]
    if any(d for _, d in listed):
        text += "<ul>" + "".join(f"<li><code>{e(s)}</code>: {e(d) if d else '(no description)'}</li>"
                                 for s, d in listed) + "</ul>"
    if failed:
        rows = table[status == "failed"][["run_id", "scenario", "replicate", "error"]].head(FAILED_SHOWN)
        more = f" (first {FAILED_SHOWN} of {failed}; all in runs.parquet)" if failed > FAILED_SHOWN else ""
        text += frame_table(rows, f"Failed runs{more}")
    return text


# ---- checkpoint table ----------------------------------------------------------------------------------------

def pooled(summary: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Each group's mean and 95% CI over all its runs, merged from the points' n, mean and sd."""
    from .stats import half_width

    rows = summary[summary["n"] > 0].copy()
    rows["sum"] = rows["n"] * rows["mean"]
    rows["ss"] = (rows["n"] - 1) * rows["sd"].fillna(0.0) ** 2 + rows["n"] * rows["mean"] ** 2
    grouped = rows.groupby([*by, "step", "outcome"], sort=False)[["n", "sum", "ss"]].sum().reset_index()
    n = grouped["n"]
    mean = grouped["sum"] / n
    var = ((grouped["ss"] - n * mean**2) / (n - 1)).where(n > 1).clip(lower=0)
    half = half_width(np.sqrt(var), n)
    return grouped[[*by, "step", "outcome", "n"]].assign(mean=mean, ci_low=mean - half, ci_high=mean + half)


def checkpoint_tables(experiment, summary: pd.DataFrame, outcomes: list[str]) -> str:
    weeks = checkpoint_weeks(summary["step"])
    parameters = [p for p in experiment.parameters if p in summary.columns]
    varied = [p for p in parameters if summary[p].nunique() > 1]
    points = summary["point"].nunique()
    if points <= POINTS_SHOWN:
        keys, rows = ["point", "scenario", *varied], summary
        note = "one row per design point"
    else:
        keys, rows = ["scenario"], pooled(summary, ["scenario"])
        note = (f"{points} design points, more than {POINTS_SHOWN}: each row pools all the runs of a scenario "
                "over the design")
    shown = ", ".join(f"week {w}" for w in weeks)
    parts = [f'<p class="note">Mean and 95% confidence interval of the mean over runs (t-based), at {e(shown)}; '
             f"{e(note)}. From summary.csv.</p>"]
    labels = [k for k in keys if k != "point"]
    for outcome in outcomes:
        these = rows[rows["outcome"] == outcome]
        if these.empty:
            continue
        head1 = "".join(f'<th rowspan="2">{e(k)}</th>' for k in labels) + '<th rowspan="2">runs</th>'
        head1 += "".join(f'<th colspan="2">week {w}</th>' for w in weeks)
        head2 = "".join("<th>mean</th><th>95% CI</th>" for _ in weeks)
        body = []
        for _, group in these.groupby(keys, sort=False):
            at = group.set_index("step")
            first = group.iloc[0]
            cells = "".join(f"<td>{label(first[k])}</td>" for k in labels)
            last = at.loc[weeks[-1]] if weeks[-1] in at.index else None
            cells += f'<td class="num">{number(last["n"]) if last is not None else "–"}</td>'
            for w in weeks:
                if w in at.index:
                    r = at.loc[w]
                    ci = "–" if not (np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"])) else \
                        f"{number(r['ci_low'])} – {number(r['ci_high'])}"
                    cells += (f'<td class="num" data-week="{w}" data-stat="mean">{number(r["mean"])}</td>'
                              f'<td class="num" data-week="{w}" data-stat="ci">{ci}</td>')
                else:
                    cells += '<td class="num">–</td><td class="num">–</td>'
            body.append(f"<tr>{cells}</tr>")
        parts.append(f'<table class="checkpoints" data-outcome="{e(outcome)}"><caption>{e(outcome)}</caption>'
                     f"<thead><tr>{head1}</tr><tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    return "".join(parts)


# ---- per-run outcomes ----------------------------------------------------------------------------------------

def read_runs_summary(folder: Path) -> pd.DataFrame | None:
    for name, reader in (("runs_summary.parquet", pd.read_parquet), ("runs_summary.csv", pd.read_csv)):
        path = folder / name
        if path.is_file():
            try:
                frame = reader(path)
            except Exception as exc:  # noqa: BLE001 - any reader's complaint is one line
                raise ScenarioError(f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None
            missing = [c for c in ("run_id", "scenario", "status") if c not in frame.columns]
            if missing:
                raise ScenarioError(f"{path}: no {missing[0]} column; rebuild it with `pcnsim sweep`")
            return frame
    return None


def scalar_columns(runs: pd.DataFrame, parameters) -> list[str]:
    """The per-run outcome columns: numeric ones after status that are neither design nor parameter columns."""
    after = list(runs.columns)[list(runs.columns).index("status") + 1:]
    return [c for c in after if c not in RUN_COLUMNS and c not in parameters and pd.api.types.is_numeric_dtype(runs[c])]


def crossover_share(runs: pd.DataFrame, column: str) -> dict | None:
    """Among pairs whose two runs are ok, how often the later scenario's run overtakes (a crossover week)."""
    from .stats import wilson_interval

    scenarios = list(dict.fromkeys(runs["scenario"]))
    if len(scenarios) < 2:
        return None
    ok = runs[runs["status"] == "ok"]
    later = ok[ok["scenario"] != scenarios[0]]
    if {"case", "replicate"} <= set(runs.columns):
        first = ok[ok["scenario"] == scenarios[0]][["case", "replicate"]].drop_duplicates()
        later = later.merge(first, on=["case", "replicate"])
    rows = []
    for scenario, group in later.groupby("scenario", sort=False):
        weeks = group[column].astype(float)
        k, n = int(weeks.notna().sum()), len(group)
        low, high = wilson_interval(k, n)
        rows.append({"scenario": scenario, "overtakes": scenarios[0], "pairs": n, "overtook": k,
                     "share": k / n if n else float("nan"), "low": low, "high": high,
                     "median_week": float(weeks.median()) if k else float("nan")})
    return {"outcome": column, "rows": rows}


def runs_tables(runs: pd.DataFrame, parameters) -> str:
    from .stats import half_width

    columns = scalar_columns(runs, parameters)
    ok = runs[runs["status"] == "ok"]
    plain = [c for c in columns if not c.startswith("crossover_")]
    crossing = [c for c in columns if c.startswith("crossover_")]
    parts = [f'<p class="note">From runs_summary: {len(ok)} ok runs of {len(runs)}; mean and t-based 95% confidence '
             "interval of the mean over each scenario's runs (pooled over its design points).</p>"]
    if plain:
        scenarios = list(dict.fromkeys(ok["scenario"]))
        body = []
        for column in plain:
            for i, scenario in enumerate(scenarios):
                values = ok.loc[ok["scenario"] == scenario, column].astype(float).dropna()
                n = len(values)
                mean = values.mean() if n else float("nan")
                half = float(half_width(values.std(ddof=1), n)) if n > 1 else float("nan")
                lead = f'<td rowspan="{len(scenarios)}"><code>{e(column)}</code></td>' if i == 0 else ""
                ci = f"{number(mean - half)} – {number(mean + half)}" if math.isfinite(half) else "–"
                body.append(f"<tr>{lead}<td>{e(scenario)}</td><td class=\"num\">{n}</td>"
                            f'<td class="num" data-stat="mean">{number(mean)}</td>'
                            f'<td class="num" data-stat="ci">{ci}</td></tr>')
        parts.append('<table class="runs"><caption>Per-run outcomes by scenario</caption><thead><tr><th>outcome</th>'
                     "<th>scenario</th><th>runs</th><th>mean</th><th>95% CI</th></tr></thead>"
                     f"<tbody>{''.join(body)}</tbody></table>")
    for column in crossing:
        share = crossover_share(runs, column)
        if not share:
            continue
        body = "".join(
            f"<tr><td>{e(r['scenario'])}</td><td>{e(r['overtakes'])}</td><td class=\"num\">{r['pairs']}</td>"
            f"<td class=\"num\">{r['overtook']}</td><td class=\"num\" data-stat=\"share\">{number(100 * r['share'])}%</td>"
            f"<td class=\"num\" data-stat=\"wilson\">{number(100 * r['low'])}% – {number(100 * r['high'])}%</td>"
            f"<td class=\"num\" data-stat=\"median\">{number(r['median_week'])}</td></tr>" for r in share["rows"])
        outcome = column[len("crossover_"):]
        parts.append(f'<table class="crossover" data-column="{e(column)}"><caption>Crossover on {e(outcome)}: in how '
                     "many pairs of runs (same design case and replicate, both ok) the later scenario's run ends "
                     "strictly above its pair from some week on</caption><thead><tr><th>scenario</th>"
                     "<th>overtakes</th><th>pairs</th><th>overtook</th><th>share</th><th>Wilson 95% CI</th>"
                     f"<th>median crossover week</th></tr></thead><tbody>{body}</tbody></table>")
    return "".join(parts)


# ---- sensitivity ---------------------------------------------------------------------------------------------

def sensitivity_table(path: Path) -> str:
    try:
        indices = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001
        raise ScenarioError(f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None
    if indices.empty:
        return '<p class="note">sensitivity.csv holds no indices (no outcome varied).</p>'
    missing = [c for c in ("scenario", "outcome", "step", "parameter") if c not in indices.columns]
    if missing:
        raise ScenarioError(f"{path}: no {missing[0]} column; rebuild it with `pcnsim sensitivity`")
    weeks = checkpoint_weeks(indices["step"])
    shown = indices[indices["step"].isin(weeks)]
    return (f'<p class="note">Indices with their 95% confidence half-widths at {e(", ".join(map(str, weeks)))} '
            f"(every analysed week is in sensitivity.csv).</p>" + frame_table(shown, css="sensitivity"))


# ---- discovery -----------------------------------------------------------------------------------------------

def render_markdown(text: str, folder: Path) -> tuple[str, set[str]]:
    """Markdown as HTML with raw HTML shown as text, links as plain text, and local images embedded.

    Returns the HTML and the names of the folder's images it embedded."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    embedded: set[str] = set()

    class Contained(Treeprocessor):
        def run(self, root):
            for node in list(root.iter()):
                if node.tag == "a":
                    href = node.attrib.pop("href", "")
                    node.attrib.pop("title", None)
                    node.tag = "span"
                    if href and not href.startswith("#") and href != (node.text or ""):
                        node.tail = f" ({href})" + (node.tail or "")
                elif node.tag == "img":
                    src = node.attrib.pop("src", "")
                    uri = None
                    name = Path(src).name
                    if src == name and name.lower().endswith(".png") and (folder / name).is_file():
                        uri = png_data_uri((folder / name).read_bytes())
                    if uri:
                        node.attrib["src"] = uri
                        embedded.add(Path(name).stem)
                    else:
                        alt = node.attrib.pop("alt", "") or src
                        node.attrib.clear()
                        node.tag, node.text = "span", f"[image not embedded: {alt}]"

    md = markdown.Markdown(extensions=["tables"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(Contained(md), "contained", 0)
    return md.convert(text), embedded


def discovery(folder: Path) -> str:
    parts = []
    embedded: set[str] = set()
    answer = folder / "discover.md"
    if answer.is_file():
        body, embedded = render_markdown(answer.read_text(encoding="utf-8", errors="replace"), folder)
        parts.append(f'<div class="discover">{body}</div>')
    for name, title in DISCOVER_TABLES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            frame = pd.read_csv(path)
        except Exception as exc:  # noqa: BLE001
            raise ScenarioError(f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None
        more = f" (first {ROWS_SHOWN} of {len(frame)} rows; all in discover/{name})" if len(frame) > ROWS_SHOWN else ""
        parts.append(f"<h3>{e(title)}</h3>" + frame_table(frame.head(ROWS_SHOWN), f"discover/{name}{more}",
                                                           css=f"discover-{Path(name).stem}"))
    for stem in DISCOVER_FIGURES:
        if stem not in embedded and has_figure(folder / stem):
            parts.append(figure(folder / stem, f"discover/{stem}", f"d-{stem}"))
    return "".join(parts)


# ---- provenance ----------------------------------------------------------------------------------------------

def value_html(value) -> str:
    """A JSON value as escaped HTML: a dict as a two-column table, a list of dicts as a table."""
    if isinstance(value, dict):
        rows = "".join(f"<tr><th>{e(k)}</th><td>{value_html(v)}</td></tr>" for k, v in value.items())
        return f"<table>{rows}</table>"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = list(dict.fromkeys(k for v in value for k in v))
        head = "".join(f"<th>{e(k)}</th>" for k in keys)
        rows = "".join("<tr>" + "".join(f"<td>{value_html(v.get(k, ''))}</td>" for k in keys) + "</tr>" for v in value)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(value, list):
        return e(", ".join(str(v) for v in value))
    return "–" if value is None else e(value)


def read_provenance(folder: Path) -> dict | None:
    path = folder / "provenance.json"
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ScenarioError(f"{path}: not a JSON object; rebuild it with `pcnsim sweep`")
    return value


def provenance(folder: Path, manifest: dict) -> str:
    made = read_provenance(folder)
    identity = dict(manifest.get("experiment", {}))
    parts = []
    if made is not None:
        parts.append("<h3>What made the runs (provenance.json)</h3>" + value_html(made))
    else:
        parts.append(f"<p>Made by pcnsim {e(identity.get('pcnsim', 'unknown'))} (no provenance.json in the folder: "
                     "commit, Python and package versions were not recorded).</p>")
    parts.append("<h3>Identity of the sweep (manifest.json)</h3>" + value_html(identity))
    files = manifest.get("files", {})
    rows = "".join(f"<tr><td><code>{e(k)}</code></td><td><code>{e(v)}</code></td></tr>" for k, v in sorted(files.items()))
    parts.append('<h3>Checksums (SHA-256, checked when this report was made)</h3><table class="checksums"><thead><tr>'
                 f"<th>file</th><th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table>")
    return "".join(parts)


# ---- the page ------------------------------------------------------------------------------------------------

def render(folder: Path, experiment, table: pd.DataFrame, summary: pd.DataFrame, manifest: dict,
           outcomes: list[str], command: str) -> str:
    """The whole page of a checked sweep folder; `outcomes` are the figure's, `command` what made the page."""
    folder = Path(folder)
    title = f"{experiment.name}: sweep report"
    sections = [f"<h1>{e(experiment.name)}</h1>"]
    if experiment.description:
        sections.append(f'<p class="lead">{e(experiment.description)}</p>')
    sections.append("<h2>What was run</h2>" + what_was_run(experiment, table, summary,
                                                                scenario_descriptions(folder, experiment)))
    figures = []
    if has_figure(folder / "figure"):
        cross = f"; crossover marked on {experiment.figure.crossover}" if experiment.figure.crossover else ""
        # As the figure draws them (pcnsim.outputs.figures.sweep_figure): a sampled design as its spread over points.
        drawn = "each scenario's mean over the design points and the 10–90% quantiles of the points' means" \
            if experiment.design != "factorial" else f"mean and 95% CI, by {experiment.figure.by}"
        figures.append(figure(folder / "figure", f"The sweep's figure: {', '.join(outcomes)} over weeks, "
                                                 f"{drawn}{cross}.", "fig"))
    if has_figure(folder / "sensitivity"):
        figures.append(figure(folder / "sensitivity", "Sensitivity indices at the last analysed week "
                                                      "(every analysed week is in sensitivity.csv).", "sens"))
    if any(figures):
        sections.append("<h2>Figures</h2>" + "".join(figures))
    sections.append("<h2>Outcomes at checkpoint weeks</h2>" + checkpoint_tables(experiment, summary, outcomes))
    runs = read_runs_summary(folder)
    if runs is not None:
        sections.append("<h2>Per-run outcomes</h2>" + runs_tables(runs, list(experiment.parameters)))
    if (folder / "sensitivity.csv").is_file():
        sections.append("<h2>Sensitivity indices</h2>" + sensitivity_table(folder / "sensitivity.csv"))
    if (folder / "discover").is_dir():
        found = discovery(folder / "discover")
        if found:
            sections.append("<h2>Discovery</h2>" + found)
    experiment_file = (folder / "experiment.yaml").read_text(encoding="utf-8")
    sections.append("<h2>The experiment file</h2><p class=\"note\">experiment.yaml as the sweep recorded it.</p>"
                    f"<pre>{e(experiment_file)}</pre>")
    sections.append("<h2>Provenance</h2>" + provenance(folder, manifest))
    footer = (f"<footer>Made by <code>{e(command)}</code> with pcnsim {e(__version__)} from the sweep folder "
              f"<code>{e(folder)}</code>, whose files matched their checksums. This page is self-contained: it "
              "loads nothing from anywhere.</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{e(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(sections) + f"\n{footer}\n</body></html>\n")
