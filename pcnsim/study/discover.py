"""Scenario discovery over a finished sweep: in which futures does an outcome hold, and how robust is each policy?

The input is a sweep folder's per-run table, `DIR/runs_summary.parquet` (one
row per run: its keys, the varied parameters, its status and its scalar
outcomes), and `DIR/experiment.yaml`, whose `levers` (what a policy maker
sets: `scenario` and/or parameters) and `uncertainties` (what they do not
control) say which parameters describe the world. PRIM (the EMA Workbench's)
finds a box of uncertainties in which the outcome mostly holds; CART and
extra-trees feature scores say which uncertainties matter; and each lever
setting's robustness is the share of futures in which the outcome holds, with
its regret on a score when one is given.

An outcome that names scenario-qualified columns (`race.joint_value_w260 >
trust_first.joint_value_w260`) or a crossover column is *paired*: it is
evaluated once per future (the same `case` and `replicate` in every scenario,
so the same seed), on the table `futures` makes. Otherwise it is evaluated on
each run. EMA Workbench is an optional extra (`pcnsim[discover]`), imported
only here, inside the functions that use it.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import logging
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ScenarioError, read_yaml
from ..outputs.files import file_sha256, locked, sha256, staged, write_bytes

SUMMARY = "runs_summary.parquet"
EXPERIMENT = "experiment.yaml"
MANIFEST = "manifest.json"
MARKER = "discover.json"  # written last: a folder with it holds a complete discovery
KEYS = ("run_id", "point", "case", "scenario", "replicate", "seed", "status")
EXTRA = "pcnsim discover needs the discover extra: pip install 'pcnsim[discover]'"
Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: two-sided 95% intervals
SHOWN = 8  # columns named in an --outcome error
# A column name as written in an expression: a word, or dotted words (a parameter, or scenario.column). It never
# starts inside a word or after a dot, so the `isna` of `x.isna()` after a bracket and the `e5` of 1e5 are not names.
_NAME = re.compile(r"""(?P<string>'[^']*'|"[^"]*")|(?<![\w.])(?P<name>\w+(?:\.\w+)*)""")
_PLAIN_SCENARIO = re.compile(r"^\w+$", re.ASCII)


@dataclass(frozen=True)
class Roles:
    """What the columns of a per-run table are."""

    scenarios: list[str]  # in the sweep's order: the first is the one crossovers are measured against
    parameters: list[str]  # the varied parameters, in the table's order
    levers: list[str]
    uncertainties: list[str]
    scalars: list[str]  # numeric outcomes per run


@dataclass
class Result:
    """A discovery's numbers and the files it wrote."""

    folder: Path
    out: Path
    expr: str
    paired: bool  # the outcome compares scenarios, evaluated once per future
    rows: int  # futures (paired) or runs the outcome was evaluated on
    holds: int
    uncertainties: list[str]
    levers: list[str]
    threshold: float
    trajectory: pd.DataFrame  # one row per box on PRIM's peeling trajectory
    chosen: int  # the box on the trajectory the answer describes
    meets_threshold: bool  # whether the chosen box's density reaches the threshold
    limits: pd.DataFrame  # the chosen box's restricted uncertainties
    cart: str
    scores: pd.DataFrame
    robustness: pd.DataFrame
    score: str | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def base_rate(self) -> float:
        return self.holds / self.rows

    @property
    def box(self) -> pd.Series:
        return self.trajectory.loc[self.chosen]


def roles(table: pd.DataFrame, experiment: Mapping, source: str) -> Roles:
    """The scenarios, parameters, levers, uncertainties and scalar outcomes of a per-run table.

    `experiment` is the experiment file's mapping; its `levers` and
    `uncertainties` are read from it if given (default levers: `scenario` when
    the sweep has two or more scenarios; default uncertainties: every varied
    parameter that is not a lever). `source` names the experiment file.
    """
    missing = [key for key in KEYS if key not in table.columns]
    if missing:
        raise ScenarioError(f"{source}: the per-run table has no column {missing[0]!r}; a sweep's {SUMMARY} has "
                            f"{', '.join(KEYS[:4])}, the parameters, replicate, seed, status and the outcomes")
    columns = list(table.columns)
    parameters = columns[columns.index("scenario") + 1: columns.index("replicate")]
    after = columns[columns.index("status") + 1:]
    scalars = [c for c in after if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    scenarios = list(table.sort_values("point", kind="stable")["scenario"].drop_duplicates())
    allowed = ["scenario", *parameters]
    chosen = {}
    for key, default in (("levers", ["scenario"] if len(scenarios) >= 2 else []), ("uncertainties", None)):
        value = experiment.get(key)
        value = default if value is None else value  # a sweep writes every field, null for "the default"
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(f"{source}: {key}: give a list of column names; allowed: {', '.join(allowed)}")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ScenarioError(f"{source}: {key}: {unknown[0]!r} is not varied in this sweep; allowed: "
                                f"{', '.join(allowed)}")
        chosen[key] = list(dict.fromkeys(value))
    levers = chosen["levers"]
    uncertainties = chosen.get("uncertainties", [p for p in parameters if p not in levers])
    both = [u for u in uncertainties if u in levers]
    if both:
        raise ScenarioError(f"{source}: {both[0]!r} is both a lever and an uncertainty; name it in one of them")
    if "scenario" in uncertainties:
        raise ScenarioError(f"{source}: uncertainties: 'scenario' is what a policy maker chooses between; "
                            "list it under levers")
    if not uncertainties:
        raise ScenarioError(f"{source}: the sweep varies no uncertainty, so there is no future to describe; "
                            "vary a parameter that is not a lever (levers: " + (", ".join(levers) or "none") + ")")
    return Roles(scenarios, parameters, levers, uncertainties, scalars)


def futures(table: pd.DataFrame, experiment: Mapping, source: str = EXPERIMENT) -> pd.DataFrame:
    """One row per future (`case`, `replicate`) of a sweep of two or more scenarios, every scenario's run ok.

    Columns: case, replicate, the uncertainties (from the first scenario's
    rows), and `{scenario}.{scalar}` for every scenario and scalar. With
    exactly two scenarios, each crossover column also stands under its plain
    name: there is one comparison (the second scenario's against the first).
    """
    r = roles(table, experiment, source)
    if len(r.scenarios) < 2:
        raise ScenarioError(f"{source}: the sweep has one scenario ({r.scenarios[0]}), so there are no paired "
                            "futures to compare; name plain columns in --outcome")
    ok = table[table["status"] == "ok"]
    repeated = ok[ok.duplicated(["scenario", "case", "replicate"])]
    if len(repeated):
        row = repeated.iloc[0]
        raise ScenarioError(f"{source}: scenario {row['scenario']} has two runs of case {row['case']}, replicate "
                            f"{row['replicate']}; a future is one case and replicate of each scenario")
    wide = ok[ok["scenario"] == r.scenarios[0]][["case", "replicate", *r.uncertainties]]
    for scenario in r.scenarios:
        runs = ok[ok["scenario"] == scenario][["case", "replicate", *r.scalars]]
        wide = wide.merge(runs.rename(columns={c: f"{scenario}.{c}" for c in r.scalars}), on=["case", "replicate"])
    if len(r.scenarios) == 2:
        for name in r.scalars:
            if name.startswith("crossover_"):
                wide[name] = wide[f"{r.scenarios[1]}.{name}"]
    return wide.sort_values(["case", "replicate"]).reset_index(drop=True)


def _names(expr: str) -> Iterator[re.Match]:
    """The names an expression uses, outside its string literals."""
    return (m for m in _NAME.finditer(expr) if m.group("name"))


def _resolve(name: str, known: set[str]) -> tuple[str, str] | None:
    """The longest dotted prefix of `name` that is a column, and the attribute access after it."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        column = ".".join(parts[:i])
        if column in known:
            return column, "".join(f".{p}" for p in parts[i:])
    return None


def outcome(frame: pd.DataFrame, expr: str, source: str) -> pd.Series:
    """The rows of `frame` in which the boolean expression `expr` (pandas `DataFrame.eval`) holds.

    Column names are translated into plain identifiers first, so dotted names
    (`values.spread`, `race.joint_value_w260`) can be written as they are; a
    dotted name resolves to its longest prefix that is a column, and the rest
    is an attribute (`crossover_milestones_met.isna()`). `source` says where
    the full list of columns is, for the error. Anything that is not one
    true/false per row, or that holds in every row or in none (PRIM would
    have nothing to find), is a one-line ScenarioError.
    """
    columns = [str(c) for c in frame.columns]

    def wrong(problem: str, near: str = "") -> ScenarioError:
        shown = difflib.get_close_matches(near, columns, n=SHOWN, cutoff=0.5) if near else []
        shown += [c for c in columns if c not in shown][: SHOWN - len(shown)]
        more = ", ..." if len(columns) > len(shown) else ""
        return ScenarioError(f"--outcome {expr}: {problem}; columns: {', '.join(shown)}{more} "
                             f"({len(columns)} in all: {source})")

    for bad, why in (("@", "local variables (@name)"), ("`", "backticks"), ("__", "names with __")):
        if bad in expr:
            raise wrong(f"{why} are not allowed; name the columns as they are")
    known, idents, pieces, last = set(columns), {}, [], 0
    for match in _names(expr):
        resolved = _resolve(match.group("name"), known)
        if resolved:
            column, rest = resolved
            ident = idents.setdefault(column, f"_c{len(idents)}")
            pieces += [expr[last:match.start()], ident + rest]
            last = match.end()
    pieces.append(expr[last:])
    problem = _unsafe("".join(pieces), set(idents.values()))
    if problem:
        raise wrong(problem)
    evaluated = pd.DataFrame({ident: frame[column] for column, ident in idents.items()}, index=frame.index)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numexpr's and pandas' own chatter about the expression's dtypes
            value = evaluated.eval("".join(pieces))
    except pd.errors.UndefinedVariableError as exc:
        name = re.search(r"name '(\w+)'", str(exc))
        unknown = next((m.group("name") for m in _names(expr) if name and m.group("name").split(".")[0] ==
                        name.group(1)), name.group(1) if name else "")
        raise wrong(f"unknown column {unknown!r}", unknown) from None
    except Exception as exc:  # pandas raises many types for a bad expression: each is the user's to fix
        raise wrong(f"cannot evaluate it ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(value, pd.Series) or len(value) != len(frame):
        raise wrong(f"gives one {type(value).__name__} ({str(value)[:40]}), not one true/false per row")
    if not pd.api.types.is_bool_dtype(value):
        raise wrong(f"gives {value.dtype} values, not true/false; compare them (e.g. ... > 0)")
    value = value.fillna(False).astype(bool)  # a missing (NA) comparison is not the outcome holding
    holds = int(value.sum())
    if holds in (0, len(value)):
        where = "every" if holds else "no"
        raise wrong(f"holds in {where} row ({holds} of {len(value)}), so there is nothing to tell apart")
    return value.rename("outcome")


SAFE_METHODS = frozenset({"isna", "notna", "abs"})
_SAFE_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Invert,
               ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr,
               ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Name, ast.Load, ast.Constant)


def _unsafe(translated: str, columns: set[str]) -> str | None:
    """Why an expression is more than arithmetic, comparisons and logic over columns and literals, or None.

    pandas' eval calls any method it is given (`x.to_csv('/path')` writes a file), so only columns, numbers,
    strings, operators and the methods in SAFE_METHODS, called without arguments, get through (a name that is no
    column, and what follows it, is pandas' to refuse: it resolves names to columns only).
    """
    try:
        tree = ast.parse(translated, mode="eval")
    except SyntaxError:
        return None  # pandas says what is wrong with it
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            method = node.func
            if not (isinstance(method, ast.Attribute) and method.attr in SAFE_METHODS and not node.args
                    and not node.keywords and isinstance(method.value, ast.Name)):
                return (f"calls something other than {', '.join(sorted(SAFE_METHODS))} of a column; use columns, "
                        "numbers, comparisons and and/or/not")
        elif isinstance(node, ast.Attribute):
            unknown = isinstance(node.value, ast.Name) and node.value.id not in columns  # pandas: "unknown column"
            if not unknown and node.attr not in SAFE_METHODS:
                return f"uses .{node.attr}; only {', '.join(sorted(SAFE_METHODS))}() of a column are allowed"
        elif not isinstance(node, _SAFE_NODES):
            return f"uses {type(node).__name__}; use columns, numbers, comparisons and and/or/not"
    return None


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share k/n (keeps inside [0, 1], good at 0 and n)."""
    p, z2 = k / n, Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _setting(values: tuple, levers: list[str]) -> str:
    return ", ".join(f"{lever}={value}" for lever, value in zip(levers, values))


def _as_tuple(key) -> tuple:
    """A groupby or pivot key as a tuple, whether it groups by one column or several."""
    return key if isinstance(key, tuple) else (key,)


def robustness(runs: pd.DataFrame, holds: pd.Series | None, r: Roles, score: str | None) -> pd.DataFrame:
    """Per lever setting (each combination of the levers' values): the share of its futures in which the outcome
    holds, with a 95% Wilson interval, and, given `score` (higher is better), its regret per future.

    `runs` are the ok runs. `holds` is None for a paired outcome: it already
    compares the settings, so its share is reported once, over all futures, by
    the caller. A future for regret is a combination of the uncertainties'
    values and a replicate; only futures in which every setting has a score
    count, and a setting repeated in one future (a design that revisits a
    point) counts with its mean.
    """
    levers = r.levers or ["scenario"]  # no lever: the sweep's one setting, named by its scenario
    settings = sorted(set(runs[levers].itertuples(index=False, name=None)))
    rows = {s: {"setting": _setting(s, levers), **dict(zip(levers, s))} for s in settings}
    if holds is not None:
        for s, group in holds.groupby([runs[lever] for lever in levers], sort=True):
            k, n = int(group.sum()), len(group)
            low, high = wilson(k, n)
            rows[_as_tuple(s)].update(futures=n, holds=k, share=k / n, share_low=low, share_high=high)
    if score:
        scores = runs.pivot_table(index=[*r.uncertainties, "replicate"], columns=levers, values=score,
                                  aggfunc="mean").dropna()
        if scores.empty or len(scores.columns) < len(rows):
            raise ScenarioError(f"--score {score}: no future (values of the uncertainties and a replicate) has a "
                                "score under every lever setting, so regret cannot be measured; vary the levers "
                                "factorially over the same futures")
        regret = scores.max(axis=1).to_numpy()[:, None] - scores.to_numpy()
        for j, s in enumerate(scores.columns):
            rows[_as_tuple(s)].update(regret_futures=len(regret), regret_mean=float(regret[:, j].mean()),
                                      regret_p90=float(np.quantile(regret[:, j], 0.9)),
                                      regret_max=float(regret[:, j].max()))
    return pd.DataFrame(list(rows.values()))


@contextmanager
def _ema():
    """EMA Workbench's analysis package, quiet: importing it warns about optional packages it does not need here
    (ipyparallel, altair), and its analyses log their progress and trip pandas 3's deprecation warnings."""
    logger = logging.getLogger("EMA")  # the parent of every EMA module's logger
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from ema_workbench import analysis
        except ImportError:
            raise ScenarioError(EXTRA) from None
        logger.setLevel(logging.ERROR)
        try:
            yield analysis
        finally:
            logger.setLevel(level)


def _design(frame: pd.DataFrame, uncertainties: list[str], source: str) -> pd.DataFrame:
    """The uncertainties as EMA's PRIM and CART read them: numbers as floats, anything else as categories.

    EMA 3.0 under pandas 3 fails on integer columns (PRIM pastes fractional
    limits into them) and on booleans (CART writes split thresholds into them).
    """
    x = {}
    for name in uncertainties:
        column = frame[name].reset_index(drop=True)
        if column.isna().any():
            raise ScenarioError(f"{source}: uncertainty {name!r} is missing in {int(column.isna().sum())} rows; "
                                "every run of a sweep has a value of each varied parameter")
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        x[name] = column.astype(float) if numeric else column.astype(str).astype("category")
    return pd.DataFrame(x)


def _restricted(limits: pd.DataFrame, initial: pd.DataFrame) -> list[str]:
    return [c for c in initial.columns if not (limits[c] == initial[c]).all()]


def _trajectory(found, initial: pd.DataFrame) -> pd.DataFrame:
    """Each box PRIM's peeling (and pasting) passed through, in order, with the uncertainties it restricts."""
    t = found.peeling_trajectory
    return pd.DataFrame({
        "box": t["id"].astype(int), "coverage": t["coverage"].astype(float), "density": t["density"].astype(float),
        "mass": t["mass"].astype(float), "rows": t["n"].astype(int), "holds": t["k"].astype(int),
        "restricted_dims": t["res_dim"].astype(int),
        "restricted": ["; ".join(_restricted(limits, initial)) for limits in found.box_lims],
    })


def choose(trajectory: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """The box the answer describes, and whether its density reaches `threshold`.

    The box with the largest coverage among those whose density reaches the
    threshold (ties: fewer restricted uncertainties, then the earlier box):
    the widest description of where the outcome mostly holds. PRIM's own
    current box, the last on the trajectory, is its smallest and densest,
    peeled down to mass_min, and usually restricts uncertainties that only fit
    noise. If no box reaches the threshold, the densest (ties: larger coverage).
    """
    meets = trajectory[trajectory["density"] >= threshold]
    if len(meets):
        best = meets.sort_values(["coverage", "restricted_dims", "box"], ascending=[False, True, True], kind="stable")
        return int(best.index[0]), True
    best = trajectory.sort_values(["density", "coverage", "box"], ascending=[False, False, True], kind="stable")
    return int(best.index[0]), False


def _limits(found, i: int, initial: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """The restricted uncertainties of box i: low and high (numbers) or the values kept (categories), each with the
    uncertainty's whole range and PRIM's quasi-p-values of the restriction (Bryant and Lempert 2010)."""
    limits, rows = found.box_lims[i], []
    quasi_p = found.p_values[i]
    for name in _restricted(limits, initial):
        low, high = (quasi_p.get(name, [-1.0, -1.0]) + [-1.0, -1.0])[:2]
        row = {"parameter": name, "qp_low": np.nan if low == -1 else low, "qp_high": np.nan if high == -1 else high}
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            row.update(values="; ".join(sorted(limits.loc[0, name])), whole="; ".join(sorted(initial.loc[0, name])))
        else:
            row.update(low=float(limits.loc[0, name]), high=float(limits.loc[1, name]),
                       range_low=float(initial.loc[0, name]), range_high=float(initial.loc[1, name]),
                       whole_numbers=bool((x[name] == x[name].round()).all()))
        rows.append(row)
    columns = ["parameter", "low", "high", "range_low", "range_high", "whole_numbers", "values", "whole", "qp_low",
               "qp_high"]
    return pd.DataFrame(rows, columns=columns)


def _number(value: float) -> str:
    return f"{value:.3g}"


def in_words(limits: pd.DataFrame) -> str:
    """A box's restrictions as a phrase: `a ≥ 31 and b ≤ 0.19` (limits are inclusive, as PRIM's are)."""
    phrases = []
    for row in limits.itertuples(index=False):
        if isinstance(row.values, str):
            phrases.append(f"{row.parameter} in {{{row.values.replace('; ', ', ')}}}")
            continue
        # A whole-number uncertainty's limit between two values reads as the value it lets in.
        low = math.ceil(row.low) if row.whole_numbers else row.low
        high = math.floor(row.high) if row.whole_numbers else row.high
        if row.low > row.range_low and row.high < row.range_high:
            phrases.append(f"{_number(low)} ≤ {row.parameter} ≤ {_number(high)}")
        elif row.low > row.range_low:
            phrases.append(f"{row.parameter} ≥ {_number(low)}")
        else:
            phrases.append(f"{row.parameter} ≤ {_number(high)}")
    return " and ".join(phrases) if phrases else "(no restriction: the whole space of uncertainties)"


def _cart(analysis, x: pd.DataFrame, y: np.ndarray, mass_min: float) -> tuple[str, pd.Series]:
    """CART's tree as text rules, and its importance of each uncertainty (a category's dummies summed)."""
    from sklearn.tree import export_text

    tree = analysis.CART(x, y, mass_min=max(mass_min, 1 / len(x)))  # a leaf holds at least one row
    tree.build_tree()
    # EMA leaves the tree's random_state unset and scikit-learn breaks ties between equally good splits at random:
    # the same tree refitted on EMA's own matrix with a fixed seed makes a discovery reproducible.
    tree.clf.set_params(random_state=0).fit(tree._x, tree.y)
    names = [name.replace(tree.sep, " = ") for name in tree.feature_names]
    text = export_text(tree.clf, feature_names=names, show_weights=True, decimals=3)
    owners = [name.split(tree.sep)[0] for name in tree.feature_names]
    importance = pd.Series(tree.clf.feature_importances_, index=owners).groupby(level=0).sum()
    return text, importance.reindex(x.columns, fill_value=0.0)


def _scores(analysis, x: pd.DataFrame, y: np.ndarray, cart: pd.Series) -> pd.DataFrame:
    """Each uncertainty's extra-trees feature score (EMA's get_ex_feature_scores) and CART importance, ranked."""
    # EMA's default max_features is round(k / 3), which is 0 for one uncertainty: at least one.
    ranked, _ = analysis.get_ex_feature_scores(x, y, mode=analysis.RuleInductionType.CLASSIFICATION,
                                               max_features=max(1, round(x.shape[1] / 3)), random_state=0)
    extra = ranked.iloc[:, 0].reindex(x.columns, fill_value=0.0)  # EMA drops a category with one value: scored 0
    scores = pd.DataFrame({"parameter": x.columns, "extra_trees": extra.to_numpy(), "cart": cart.to_numpy()})
    scores = scores.sort_values(["extra_trees", "cart"], ascending=False, kind="stable").reset_index(drop=True)
    scores["extra_trees_rank"] = scores["extra_trees"].rank(ascending=False, method="min").astype(int)
    scores["cart_rank"] = scores["cart"].rank(ascending=False, method="min").astype(int)
    return scores


def _rendered(fig) -> dict[str, bytes]:
    """A figure as PNG (200 dpi), SVG and PDF bytes, without the time of drawing (same input, same files)."""
    files = {}
    for suffix, metadata in ((".png", {}), (".svg", {"Date": None}), (".pdf", {"CreationDate": None})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=suffix[1:], dpi=200, metadata=metadata)
        files[suffix] = buffer.getvalue()
    return files


def _trajectory_figure(trajectory: pd.DataFrame, chosen: int, threshold: float, base_rate: float) -> dict:
    from matplotlib.figure import Figure  # no pyplot: nothing global changes, and no display is needed

    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(trajectory["coverage"], trajectory["density"], color="0.75", linewidth=1, zorder=1)
    dots = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["restricted_dims"], cmap="viridis",
                      s=22, zorder=2)
    fig.colorbar(dots, ax=ax, label="uncertainties restricted")
    box = trajectory.loc[chosen]
    ax.scatter([box["coverage"]], [box["density"]], s=160, facecolors="none", edgecolors="crimson", linewidths=2,
               zorder=3, label=f"chosen: box {int(box['box'])} (coverage {box['coverage']:.2f}, "
                               f"density {box['density']:.2f})")
    ax.axhline(threshold, color="crimson", linestyle="--", linewidth=1, label=f"density threshold {threshold:g}")
    ax.axhline(base_rate, color="0.4", linestyle=":", linewidth=1, label=f"base rate {base_rate:.2f}")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage: share of the rows where it holds that fall in the box")
    ax.set_ylabel("density: share of the box's rows where it holds")
    ax.set_title("PRIM's peeling trajectory")
    ax.legend(loc="lower left", fontsize=8)
    return _rendered(fig)


def _box_figure(limits: pd.DataFrame, initial: pd.DataFrame, x: pd.DataFrame, stats: pd.Series) -> dict:
    """Each uncertainty's whole range as a grey bar and the box's part of it in colour (categories: those kept)."""
    from matplotlib.figure import Figure

    names = list(initial.columns)
    fig = Figure(figsize=(9.5, 1.3 + 0.55 * len(names)), layout="constrained")
    ax = fig.add_subplot()
    restricted = limits.set_index("parameter")
    for row, name in enumerate(reversed(names)):
        ax.barh(row, 1, color="0.88", height=0.5)
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            kept = restricted.loc[name, "values"] if name in restricted.index else "; ".join(sorted(initial.loc[0, name]))
            ax.barh(row, 1, color="tab:blue", height=0.5, alpha=1.0 if name in restricted.index else 0.3)
            ax.text(1.01, row, "{" + kept.replace("; ", ", ") + "}", va="center", fontsize=8)
            continue
        whole_low, whole_high = float(initial.loc[0, name]), float(initial.loc[1, name])
        low, high = ((restricted.loc[name, "low"], restricted.loc[name, "high"]) if name in restricted.index
                     else (whole_low, whole_high))
        span = (whole_high - whole_low) or 1.0
        ax.barh(row, (high - low) / span, left=(low - whole_low) / span, color="tab:blue", height=0.5,
                alpha=1.0 if name in restricted.index else 0.3)
        box = f"box {_number(low)} to {_number(high)}" if name in restricted.index else "not restricted"
        ax.text(1.02, row, f"{box} (range {_number(whole_low)} to {_number(whole_high)})", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), list(reversed(names)))
    ax.set_xlim(0, 1.95)
    ax.set_xticks([])
    ax.set_xlabel("grey: the range in the sweep; blue: the box (pale: not restricted)")
    ax.set_title(f"PRIM box {int(stats['box'])}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
                 f"mass {stats['mass']:.2f}", fontsize=10)
    return _rendered(fig)


def _table(frame: pd.DataFrame) -> str:
    """A small frame as a Markdown table (numbers to 3 significant figures)."""
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.3g}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def answer(result: Result) -> str:
    """The discovery's answer in one paragraph: base rate, the box in words, its density and coverage."""
    what = "futures" if result.paired else "runs"
    box = result.box
    text = (f"`{result.expr}` holds in {result.base_rate:.0%} of {what} overall ({result.holds} of {result.rows}). "
            f"Inside the box {in_words(result.limits)} it holds in {box['density']:.0%} (density), and the box "
            f"holds {box['coverage']:.0%} of all {what} where it holds (coverage); the box is {box['mass']:.0%} of "
            f"all {what} (mass).")
    if not result.meets_threshold:
        text += f" No box on PRIM's trajectory reaches density {result.threshold:g}: this is the densest."
    return text


def _report(result: Result, folder: Path) -> str:
    rows = "futures (one case and replicate of every scenario, each scenario's run ok)" if result.paired else \
        "ok runs"
    lines = [f"# Scenario discovery: `{result.expr}`", "",
             f"Sweep {folder}: the outcome is evaluated on {result.rows} {rows}. Uncertainties (the box's "
             f"dimensions): {', '.join(result.uncertainties)}. Levers: {', '.join(result.levers) or 'none'}.", "",
             answer(result), "",
             f"Box {result.chosen} of {len(result.trajectory)} on PRIM's peeling trajectory (prim_trajectory.csv): "
             f"{'the one with the largest coverage among those with density' if result.meets_threshold else 'none has density'}"
             f" ≥ {result.threshold:g}. Its limits are in prim_box.csv, with quasi-p-values (small: the restriction is "
             "unlikely to be chance).", "",
             "## Which uncertainties matter", "",
             "Extra-trees feature scores (EMA Workbench) and the CART tree's importances (cart_tree.txt):", "",
             _table(result.scores[["parameter", "extra_trees", "cart"]]), "",
             "## Robustness of each lever setting", ""]
    if result.paired:
        lines += ["The outcome compares the scenarios within each future, so it is one share over all futures, not "
                  "one per setting" + (f"; regret on {result.score} is per setting." if result.score else "."), ""]
    else:
        lines += ["The share of each setting's runs in which the outcome holds (95% Wilson interval)"
                  + (f"; regret on {result.score}: the best setting's score in that future minus this one's."
                     if result.score else "."), ""]
    lines += [_table(result.robustness.drop(columns=[c for c in result.levers if c in result.robustness])), ""]
    return "\n".join(lines)


def describe(result: Result) -> str:
    """What `pcnsim discover` prints: the answer, the uncertainties that matter most, robustness, the files."""
    top = ", ".join(result.scores["parameter"].head(3))
    lines = [answer(result), f"most influential uncertainties (extra trees): {top}"]
    for row in result.robustness.to_dict("records"):
        parts = [row["setting"]]
        if not pd.isna(row.get("share", np.nan)):
            parts.append(f"holds in {row['share']:.0%} [{row['share_low']:.0%}, {row['share_high']:.0%}] of "
                         f"{row['futures']}")
        if not pd.isna(row.get("regret_mean", np.nan)):
            parts.append(f"regret on {result.score}: mean {row['regret_mean']:.3g}, 90th percentile "
                         f"{row['regret_p90']:.3g}, max {row['regret_max']:.3g}")
        lines.append("  " + "; ".join(parts))
    lines.append(f"wrote {len(result.files)} files into {result.out} (discover.md explains them)")
    return "\n".join(lines)


def read(folder: str | Path) -> tuple[pd.DataFrame, dict, dict | None, str]:
    """A sweep folder's per-run table, its experiment's mapping, its manifest (or None) and the table's checksum.

    The table is checked against the manifest's checksum when the manifest lists it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such sweep folder; run `pcnsim sweep EXPERIMENT --out {folder}` first")
    manifest = None
    if (folder / MANIFEST).exists():
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"{folder / MANIFEST}: cannot read it ({type(exc).__name__}); run the sweep again "
                                "to rebuild the folder") from None
        if not isinstance(manifest, dict):
            raise ScenarioError(f"{folder / MANIFEST}: does not hold a mapping; run the sweep again to rebuild it")
    if manifest is not None and not manifest.get("files"):
        raise ScenarioError(f"{folder}: the sweep is still running or was interrupted; run `pcnsim sweep EXPERIMENT "
                            f"--out {folder}` to finish it")
    path = folder / SUMMARY
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc.strerror}); a finished sweep writes it: run `pcnsim sweep "
                            f"EXPERIMENT --out {folder}` to finish the sweep") from None
    checksum = sha256(data)
    listed = manifest.get("files") if manifest else None
    if isinstance(listed, dict) and SUMMARY in listed and listed[SUMMARY] != checksum:
        raise ScenarioError(f"{path}: its checksum differs from {MANIFEST}'s, so it is damaged or changed since the "
                            "sweep wrote it; run the sweep again to rebuild it")
    try:
        table = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a file that is not a Parquet table
        raise ScenarioError(f"{path}: not a readable Parquet table ({type(exc).__name__})") from None
    experiment = read_yaml(folder / EXPERIMENT, "an experiment file")
    if not isinstance(experiment, dict):
        raise ScenarioError(f"{folder / EXPERIMENT}: the file must hold a mapping of experiment fields")
    return table, experiment, manifest, checksum


def _check_options(threshold, peel_alpha, mass_min, box) -> None:
    for option, value, low, high in (("--threshold", threshold, 0.0, 1.0), ("--peel-alpha", peel_alpha, 0.0, 0.5),
                                     ("--mass-min", mass_min, 0.0, 0.5)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
            raise ScenarioError(f"{option} {value}: give a number above {low:g} and at most {high:g}")
    if box is not None and (isinstance(box, bool) or not isinstance(box, int) or box < 0):
        raise ScenarioError(f"--box {box}: give a box number of PRIM's peeling trajectory, 0 or more")


def _is_paired(expr: str, wide: pd.DataFrame, r: Roles) -> bool:
    """Whether `expr` names a column only a future has: scenario-qualified, or a crossover."""
    plain = set(r.uncertainties) | {"case", "replicate"}
    known = set(wide.columns)
    return any((resolved := _resolve(m.group("name"), known)) and resolved[0] not in plain for m in _names(expr))


def discover(folder: str | Path, expr: str, *, out: str | Path | None = None, threshold: float = 0.8,
             peel_alpha: float = 0.05, mass_min: float = 0.05, box: int | None = None,
             score: str | None = None) -> Result:
    """Scenario discovery on a sweep folder: where in the uncertainties does `expr` hold, and how robust is each
    lever setting. Writes its files into `out` (default DIR/discover) and returns the numbers.

    x is the uncertainties (PRIM's boxes describe the world a policy faces, not
    the policy), y is `expr` (see `outcome`). `box` picks a box of PRIM's
    peeling trajectory instead of `choose`'s. Nothing is written before every
    input is known good.
    """
    _check_options(threshold, peel_alpha, mass_min, box)
    folder = Path(folder)
    with locked(folder, wait=False, shared=True) if folder.is_dir() else nullcontext():
        table, experiment, manifest, checksum = read(folder)
    r = roles(table, experiment, str(folder / EXPERIMENT))
    ok = table[table["status"] == "ok"].reset_index(drop=True)
    if ok.empty:
        raise ScenarioError(f"{folder / SUMMARY}: no run of this sweep succeeded, so there is nothing to analyse")
    settings = ok.groupby(r.levers).ngroups if r.levers else 1
    if score is not None and score not in r.scalars:
        near = difflib.get_close_matches(score, r.scalars, n=5) or r.scalars[:5]
        raise ScenarioError(f"--score {score}: not a numeric outcome of {folder / SUMMARY}; such as: {', '.join(near)}")
    if score is not None and settings < 2:
        raise ScenarioError(f"--score {score}: the sweep has one lever setting, so there is no regret to measure; "
                            f"name levers in {folder / EXPERIMENT} (levers: [scenario] or parameters)")
    for scenario in r.scenarios:
        if not _PLAIN_SCENARIO.match(scenario) and f"{scenario}." in expr:
            raise ScenarioError(f"--outcome {expr}: scenario {scenario!r} cannot qualify a column (its name has "
                                "characters other than letters, digits and _); rename it in its scenario file")
    wide = futures(table, experiment, str(folder / EXPERIMENT)) if len(r.scenarios) >= 2 else None
    paired = wide is not None and _is_paired(expr, wide, r)
    frame = wide if paired else ok
    where = (f"the scalar columns of {folder / SUMMARY} qualified by a scenario ({', '.join(r.scenarios)})"
             if paired else f"the header of {folder / 'runs_summary.csv'}")
    holds = outcome(frame, expr, where)
    x = _design(frame, r.uncertainties, str(folder / SUMMARY))
    y = holds.to_numpy()
    with _ema() as analysis:
        prim = analysis.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        found = prim.find_box()
        initial = prim.box_init
        cart_text, cart_importance = _cart(analysis, x, y, mass_min)
        scores = _scores(analysis, x, y, cart_importance)
    trajectory = _trajectory(found, initial)
    if box is not None and box >= len(trajectory):
        raise ScenarioError(f"--box {box}: PRIM's peeling trajectory has boxes 0 to {len(trajectory) - 1}")
    chosen, meets = (box, bool(trajectory.loc[box, "density"] >= threshold)) if box is not None else \
        choose(trajectory, threshold)
    if paired:
        overall = {"setting": "every setting (paired outcome)", "futures": len(y), "holds": int(y.sum()),
                   "share": float(y.mean())}
        overall["share_low"], overall["share_high"] = wilson(int(y.sum()), len(y))
        per_setting = robustness(ok, None, r, score) if score else pd.DataFrame()
        robust = pd.concat([pd.DataFrame([overall]), per_setting], ignore_index=True)
        counts = [c for c in ("futures", "holds", "regret_futures") if c in robust]
        robust[counts] = robust[counts].astype("Int64")  # counts stay whole beside the rows that lack them
    else:
        robust = robustness(ok, holds, r, score)
    result = Result(folder=folder, out=Path(out) if out is not None else folder / "discover", expr=expr,
                    paired=paired, rows=len(y), holds=int(y.sum()), uncertainties=r.uncertainties, levers=r.levers,
                    threshold=threshold, trajectory=trajectory, chosen=chosen, meets_threshold=meets,
                    limits=_limits(found, chosen, initial, x), cart=cart_text, scores=scores, robustness=robust,
                    score=score)
    files = _files(result, initial, x, manifest, checksum, peel_alpha, mass_min, box)
    with staged(result.out, MARKER) as stage:
        for name, data in files.items():
            write_bytes(stage / name, data)
    result.files = [result.out / name for name in files]
    return result


def _files(result: Result, initial: pd.DataFrame, x: pd.DataFrame, manifest: dict | None, checksum: str,
           peel_alpha: float, mass_min: float, box: int | None) -> dict[str, bytes]:
    """Every file of a discovery, built in memory, by name (the marker last)."""
    from importlib import metadata

    from ..outputs.provenance import describe as provenance

    stats = result.box
    chosen = result.limits.assign(box=int(stats["box"]), coverage=stats["coverage"], density=stats["density"],
                                  mass=stats["mass"], rows=int(stats["rows"]))
    if chosen.empty:  # the whole space: one row, so the box's numbers are still there
        chosen = pd.DataFrame([{**{c: np.nan for c in result.limits.columns}, "parameter": "", "box": int(stats["box"]),
                                "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"],
                                "rows": int(stats["rows"])}])
    trajectory = result.trajectory.assign(chosen=result.trajectory.index == result.chosen)
    header = (f"# CART (scikit-learn's decision tree, as EMA Workbench fits it: leaves of at least {mass_min:g} of "
              f"the {result.rows} rows) on `{result.expr}`.\n# weights: [rows where it does not hold, rows where it "
              "holds]; class: what most of the leaf's rows are.\n")
    record = {
        "expr": result.expr, "score": result.score, "threshold": result.threshold, "peel_alpha": peel_alpha,
        "mass_min": mass_min, "box": box, "folder": str(result.folder), "runs_summary_sha256": checksum,
        "manifest": None if manifest is None else {"sha256": file_sha256(result.folder / MANIFEST),
                                                   "experiment": manifest.get("experiment")},
        "provenance": {**provenance(), "ema_workbench": metadata.version("ema_workbench")},
        "paired": result.paired, "rows": result.rows, "holds": result.holds, "base_rate": result.base_rate,
        "uncertainties": result.uncertainties, "levers": result.levers,
        "chosen": {"box": result.chosen, "meets_threshold": result.meets_threshold,
                   "coverage": float(stats["coverage"]), "density": float(stats["density"]),
                   "mass": float(stats["mass"]), "rows": int(stats["rows"]), "in_words": in_words(result.limits),
                   "limits": json.loads(result.limits.to_json(orient="records"))},
    }
    files = {
        "prim_trajectory.csv": trajectory.to_csv(index=False).encode(),
        "prim_box.csv": chosen.to_csv(index=False).encode(),
        "cart_tree.txt": (header + result.cart).encode(),
        "feature_scores.csv": result.scores.to_csv(index=False).encode(),
        "robustness.csv": result.robustness.to_csv(index=False).encode(),
        "discover.md": _report(result, result.folder).encode(),
    }
    for stem, figure in (("prim_trajectory", _trajectory_figure(result.trajectory, result.chosen, result.threshold,
                                                                 result.base_rate)),
                         ("prim_box", _box_figure(result.limits, initial, x, stats))):
        files.update({stem + suffix: data for suffix, data in figure.items()})
    files[MARKER] = (json.dumps(record, indent=1, default=str) + "\n").encode()
    return files
