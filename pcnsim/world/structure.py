"""Who is in which PCN, which ICS, and who is tied to whom.

A structure is one of four kinds (scenario `network.kind`): a single PCN of a
chosen topology, a generated England-like system of PCNs in ICSs, or a real
system read from CSV files, either a practice table of our own (`csv`) or the
NHS's monthly practice files as published (`nhs`). Practices are always numbered PCN by PCN, and
every edge is listed once with src < dst, sorted.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from ..config import ScenarioError
from ..config.reading import read_text
from ..config.schema import Network, PCNPatientsSpread, Spread

PRACTICE_COLUMNS = ("practice_code", "pcn_code", "ics_code", "list_size")
EDGE_COLUMNS = ("practice_a", "practice_b")
# NHS Digital's monthly "Patients Registered at a GP Practice" files: the practice-to-PCN/ICB mapping
# (gp-reg-pat-prac-map.csv) and the patient counts (gp-reg-pat-prac-all.csv), of which the rows
# TYPE GP, SEX ALL, AGE ALL give each practice's list size (CODE is the practice code).
NHS_MAP_COLUMNS = ("PRACTICE_CODE", "PCN_CODE", "ICB_CODE")
NHS_COUNT_COLUMNS = ("TYPE", "CODE", "SEX", "AGE", "NUMBER_OF_PATIENTS")
NHS_TOTAL = ("TYPE", "SEX", "AGE")
NHS_TOTAL_VALUES = ("GP", "ALL", "ALL")
NHS_TOTAL_ROW = "TYPE GP, SEX ALL, AGE ALL"
# Spread of ICS sizes: Dirichlet weights with this concentration give ICSs a
# coefficient of variation of about 0.5, like England's 42 ICSs (0.5-3 million people).
ICS_CONCENTRATION = 4.0
MIN_LIST_SIZE = 500.0
# Bounds on a CSV structure that no real system reaches (England: about 6,500 practices, PCNs of 2-30).
MAX_CSV_BYTES = 64_000_000
MAX_LIST_SIZE = 1_000_000.0
MAX_HISTORY_YEARS = 100.0
MAX_PRACTICES = 100_000
MAX_PCN_PRACTICES = 1_000  # every two practices of a PCN are tied: a million ties at most
MAX_CODE = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Structure:
    """Practices grouped into PCNs and ICSs, and the ties between practices."""

    pcn: np.ndarray  # (n,) PCN index of each practice, contiguous by PCN
    ics: np.ndarray  # (P,) ICS index of each PCN
    src: np.ndarray  # (E,) edge endpoints, src < dst, sorted by (src, dst)
    dst: np.ndarray
    cross: np.ndarray  # (E,) True for a tie between practices of different PCNs
    history: np.ndarray | None  # (E,) known years of shared history, NaN where not given
    list_size: np.ndarray | None  # (n,) registered patients, None when the model draws them
    practice_codes: list[str]
    pcn_codes: list[str]
    ics_codes: list[str]

    @property
    def n(self) -> int:
        return len(self.pcn)

    @property
    def n_pcns(self) -> int:
        return len(self.ics)

    @property
    def n_systems(self) -> int:
        return len(self.ics_codes)


def build(network: Network, list_size: Spread, rng: np.random.Generator) -> Structure:
    """The structure a scenario's `network` section describes; `list_size` is used by generated systems."""
    if network.kind == "single":
        return single(network, rng)
    if network.kind == "generated":
        return generated(network, list_size, rng)
    return load(network)


def load(network: Network) -> Structure:
    """The structure read from the files of a `csv` or `nhs` network (every problem is one ScenarioError line)."""
    if network.kind == "nhs":
        return load_nhs(network.file, network.list_sizes_file, network.edges_file)
    return load_csv(network.file, network.edges_file)


# ---------------------------------------------------------------- single PCN


def single(network: Network, rng: np.random.Generator) -> Structure:
    """One PCN of `network.practices` practices tied by `network.topology`, in one ICS."""
    n = network.practices
    # networkx takes an integer seed; derive it from the model's stream so runs reproduce.
    seed = int(rng.integers(2**31))
    if network.topology == "complete":
        graph = nx.complete_graph(n)
    elif network.topology == "small_world":
        graph = nx.connected_watts_strogatz_graph(n, network.degree, network.rewire, tries=1000, seed=seed)
    else:
        graph = nx.gnm_random_graph(n, n * network.degree // 2, seed=seed)
    pairs = np.array([(min(u, v), max(u, v)) for u, v in graph.edges()], np.int64).reshape(-1, 2)
    src, dst = _sorted_unique(pairs[:, 0], pairs[:, 1], n)
    return Structure(
        pcn=np.zeros(n, np.int64), ics=np.zeros(1, np.int64), src=src, dst=dst,
        cross=np.zeros(len(src), bool), history=None, list_size=None,
        practice_codes=[f"P{i + 1}" for i in range(n)], pcn_codes=["PCN1"], ics_codes=["ICS1"],
    )


# ---------------------------------------------------------------- generated system


def _lognormal(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Lognormal draws with the given mean and standard deviation."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


def ics_sizes(rng: np.random.Generator, pcns: int, systems: int) -> np.ndarray:
    """PCNs per ICS: one each, the rest spread by Dirichlet-weighted multinomial draws."""
    weights = rng.dirichlet(np.full(systems, ICS_CONCENTRATION))
    return 1 + rng.multinomial(pcns - systems, weights).astype(np.int64)


def _complete_within(start: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of practices inside each block [start, start + size), grouped by block size."""
    src, dst = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for k in np.unique(size):
        if k < 2:
            continue
        first = start[size == k][:, None]
        a, b = np.triu_indices(k, 1)
        src.append((first + a).ravel())
        dst.append((first + b).ravel())
    return np.concatenate(src), np.concatenate(dst)


def _sorted_unique(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges as (min, max) pairs without duplicates, sorted by (src, dst)."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keys = np.unique(lo.astype(np.int64) * n + hi)
    return keys // n, keys % n


def pcn_practices(patients: PCNPatientsSpread, list_size: Spread, n_pcns: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Practices per PCN and their list sizes, drawn from the PCNs' registered patients (ODD 2.6).

    A PCN's patients X are `patients.least` plus a lognormal of mean `patients.mean - least`; its practices
    1 + Poisson(X / list_size.mean - 1), so that a practice has about `list_size.mean` patients on average and a small
    PCN may be one practice; its practices' lists split X by shares proportional to lognormal `list_size` draws,
    each list at least 500, so that the lists sum to X.
    """
    floor = patients.least
    population = floor + _lognormal(rng, patients.mean - floor, patients.sd, n_pcns)
    size = 1 + rng.poisson(np.maximum(population / list_size.mean - 1.0, 0.0))
    # Every practice keeps at least MIN_LIST_SIZE (least >= 500 leaves room for one practice).
    size = np.minimum(size, population // MIN_LIST_SIZE).astype(np.int64)
    pcn = np.repeat(np.arange(n_pcns), size)
    weight = _lognormal(rng, list_size.mean, list_size.sd, int(size.sum()))
    share = weight / np.bincount(pcn, weight, n_pcns)[pcn]
    sizes = MIN_LIST_SIZE + (population - MIN_LIST_SIZE * size)[pcn] * share
    return size, sizes


def generated(network: Network, list_size: Spread, rng: np.random.Generator) -> Structure:
    """An England-like system: `network.pcns` PCNs in `network.systems` ICSs.

    Draws, in this order: ICS sizes; then either practices per PCN (lognormal,
    rounded, at least 2) and list sizes (lognormal, at least 500), or, with
    `network.pcn_patients`, the PCNs' patients, their practices and the
    practices' shares of them (`pcn_practices` below); then cross ties per PCN
    (Poisson), then each cross tie's two practices and the PCN it reaches.
    """
    n_pcns, n_systems = network.pcns, network.systems
    per_ics = ics_sizes(rng, n_pcns, n_systems)
    ics = np.repeat(np.arange(n_systems), per_ics)
    ics_first = np.concatenate([[0], np.cumsum(per_ics)[:-1]])

    if network.pcn_patients is None:
        spread = network.pcn_practices
        size = np.maximum(np.rint(_lognormal(rng, spread.mean, spread.sd, n_pcns)), 2).astype(np.int64)
        sizes = np.maximum(_lognormal(rng, list_size.mean, list_size.sd, int(size.sum())), MIN_LIST_SIZE)
    else:
        size, sizes = pcn_practices(network.pcn_patients, list_size, n_pcns, rng)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    n = int(size.sum())
    pcn = np.repeat(np.arange(n_pcns), size)

    inside_src, inside_dst = _complete_within(start, size)
    count = rng.poisson(network.cross_ties, n_pcns)
    count[per_ics[ics] < 2] = 0  # a lone PCN in its ICS has no neighbour to tie to
    owner = np.repeat(np.arange(n_pcns), count)
    a = start[owner] + rng.integers(0, size[owner])
    # Pick one of the ICS's other PCNs: draw among m - 1 slots and step over the owner's own.
    slot = rng.integers(0, per_ics[ics[owner]] - 1)
    slot += slot >= owner - ics_first[ics[owner]]
    other = ics_first[ics[owner]] + slot
    b = start[other] + rng.integers(0, size[other])

    src, dst = _sorted_unique(np.concatenate([inside_src, a]), np.concatenate([inside_dst, b]), n)
    return Structure(
        pcn=pcn, ics=ics.astype(np.int64), src=src, dst=dst, cross=pcn[src] != pcn[dst],
        history=None, list_size=sizes,
        practice_codes=[f"P{i + 1}" for i in range(n)],
        pcn_codes=[f"PCN{q + 1}" for q in range(n_pcns)],
        ics_codes=[f"ICS{s + 1}" for s in range(n_systems)],
    )


# ---------------------------------------------------------------- CSV files


def _read_rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict]]:
    """(line number, {column: stripped value}) for each non-blank data row of a CSV file."""
    text = read_text(path, MAX_CSV_BYTES, "a structure's CSV file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ScenarioError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
    needs = ", ".join(required)
    if not rows:
        raise ScenarioError(f"{path}: the file is empty; it needs a header row {needs} and one row per entry")
    header_line, header = rows[0]
    names = [cell.strip() for cell in header]
    seen = set()
    for name in names:
        if name and name in seen:
            raise ScenarioError(f"{path}: line {header_line}: column {name} appears twice; name each column once")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise ScenarioError(f"{path}: missing column(s) {', '.join(missing)}; the file needs {needs}")
    wanted = {name: names.index(name) for name in required + optional if name in seen}
    out = []
    for line, row in rows[1:]:
        if len(row) != len(names):
            raise ScenarioError(f"{path}: line {line}: {len(row)} fields but the header has {len(names)}; "
                                "give one value per column")
        out.append((line, {name: row[i].strip() for name, i in wanted.items()}))
    if not out:
        raise ScenarioError(f"{path}: no rows below the header; give one row per entry")
    return out


def _code(path: Path, line: int, row: dict, column: str) -> str:
    value = row[column]
    if not value:
        raise ScenarioError(f"{path}: line {line}: {column} is empty; every row needs a {column}")
    if _CONTROL.search(value) or len(value) > MAX_CODE:
        raise ScenarioError(f"{path}: line {line}: {column} {value[:MAX_CODE]!r} is not a code; give printable text "
                            f"of at most {MAX_CODE} characters")
    return value


def _number(path: Path, line: int, text: str, column: str, allowed: str, low: float, high: float) -> float:
    """A number in [low, high] (low excluded when it is 0 and the column must be positive)."""
    shown = text if len(text) <= 40 else text[:35] + "..."
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise ScenarioError(f"{path}: line {line}: {column} {shown!r} is not a number; give {allowed}") from None
    if not math.isfinite(value):
        raise ScenarioError(f"{path}: line {line}: {column} {shown!r} is not a finite number; give {allowed}")
    if value < low:
        raise ScenarioError(f"{path}: line {line}: {column} {shown!r} is negative; give {allowed}")
    if value > high:
        raise ScenarioError(f"{path}: line {line}: {column} {shown!r} is above {high:,.0f}; give {allowed}")
    return value


def _list_size(path: Path, line: int, text: str, column: str) -> float:
    """Registered patients: a positive number up to MAX_LIST_SIZE."""
    allowed = f"registered patients as a positive number up to {MAX_LIST_SIZE:,.0f}"
    size = _number(path, line, text, column, allowed, -math.inf, MAX_LIST_SIZE)
    if size <= 0:
        raise ScenarioError(f"{path}: line {line}: {column} {text!r} is not positive; give {allowed}")
    return size


def _practice_table(path: Path, entries, columns: tuple[str, str, str],
                    system: str) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """Practice codes, PCN codes, ICS codes and list sizes, in order, checked once for every file format.

    `entries` yields (line, practice, pcn, ics, size) with codes already read by `_code`;
    `columns` names the practice, PCN and ICS columns in the messages, `system` what an ICS is called.
    """
    practice_column, pcn_column, ics_column = columns
    codes, pcns, systems, sizes = [], [], [], []
    first: dict[str, tuple[int, str]] = {}
    pcn_home: dict[str, tuple[str, int]] = {}
    for line, code, pcn, ics, size in entries:
        if code in first:
            first_line, first_pcn = first[code]
            two = "" if first_pcn == pcn else (f": the practice is in PCN {pcn} here but in PCN {first_pcn} there; "
                                                f"give each practice one {pcn_column}")
            raise ScenarioError(f"{path}: line {line}: duplicate {practice_column} {code} (first on line {first_line})"
                                + two)
        first[code] = (line, pcn)
        home, home_line = pcn_home.setdefault(pcn, (ics, line))
        if home != ics:
            raise ScenarioError(f"{path}: line {line}: PCN {pcn} is in {system} {ics} here but in {system} {home} on "
                                f"line {home_line}; give each PCN one {ics_column}")
        if len(codes) == MAX_PRACTICES:
            raise ScenarioError(f"{path}: line {line}: more than {MAX_PRACTICES:,} practices; a structure may hold "
                                f"at most {MAX_PRACTICES:,}")
        codes.append(code)
        pcns.append(pcn)
        systems.append(ics)
        sizes.append(size)
    return codes, pcns, systems, np.array(sizes, float)


def _read_practices(path: Path) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """The practice table of kind csv: practice_code, pcn_code, ics_code, list_size."""
    entries = ((line, *(_code(path, line, row, column) for column in PRACTICE_COLUMNS[:3]),
                _list_size(path, line, row["list_size"], "list_size"))
               for line, row in _read_rows(path, PRACTICE_COLUMNS))
    return _practice_table(path, entries, PRACTICE_COLUMNS[:3], "ICS")


def _read_nhs_list_sizes(path: Path) -> dict[str, tuple[float, int]]:
    """{practice code: (registered patients, line)} from the TYPE GP, SEX ALL, AGE ALL rows of a patient count file."""
    sizes: dict[str, tuple[float, int]] = {}
    for line, row in _read_rows(path, NHS_COUNT_COLUMNS):
        if tuple(row[column].upper() for column in NHS_TOTAL) != NHS_TOTAL_VALUES:
            continue
        code = _code(path, line, row, "CODE")
        if code in sizes:
            raise ScenarioError(f"{path}: line {line}: CODE {code} has a second {NHS_TOTAL_ROW} row (first on line "
                                f"{sizes[code][1]}); give each practice one")
        sizes[code] = (_list_size(path, line, row["NUMBER_OF_PATIENTS"], "NUMBER_OF_PATIENTS"), line)
    if not sizes:
        raise ScenarioError(f"{path}: no {NHS_TOTAL_ROW} rows; the practices' list sizes are read from those")
    return sizes


def _read_nhs(path: Path, counts_path: Path) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """The practice table of kind nhs: the NHS's practice-to-PCN/ICB mapping joined with its patient counts."""
    sizes = _read_nhs_list_sizes(counts_path)

    def entries():
        for line, row in _read_rows(path, NHS_MAP_COLUMNS):
            code, pcn, ics = (_code(path, line, row, column) for column in NHS_MAP_COLUMNS)
            if code not in sizes:
                raise ScenarioError(f"{path}: line {line}: PRACTICE_CODE {code} has no {NHS_TOTAL_ROW} row in "
                                    f"{counts_path}; give the patient counts of the same publication")
            yield line, code, pcn, ics, sizes[code][0]

    return _practice_table(path, entries(), NHS_MAP_COLUMNS, "ICB")


def _read_edges(path: Path, practices_path: Path, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ties from an edge file as new practice indices (lo, hi) and their history in years (NaN if not given)."""
    lo, hi, years = [], [], []
    first_line: dict[tuple[int, int], int] = {}
    allowed = f"years of shared history from 0 to {MAX_HISTORY_YEARS:g}, or leave it empty"
    for line, row in _read_rows(path, EDGE_COLUMNS, ("history_years",)):
        ends = []
        for column in EDGE_COLUMNS:
            code = _code(path, line, row, column)
            if code not in index:
                raise ScenarioError(f"{path}: line {line}: {column} {code} is not in {practices_path}")
            ends.append(index[code])
        if ends[0] == ends[1]:
            raise ScenarioError(f"{path}: line {line}: practice_a and practice_b are both {row['practice_a']}; "
                                "a tie joins two different practices")
        pair = (min(ends), max(ends))
        if pair in first_line:
            raise ScenarioError(f"{path}: line {line}: tie {row['practice_a']}-{row['practice_b']} is listed twice "
                                f"(first on line {first_line[pair]}); list each tie once")
        first_line[pair] = line
        text = row.get("history_years", "")
        value = math.nan
        if text:
            value = _number(path, line, text, "history_years", allowed, 0.0, MAX_HISTORY_YEARS)
        lo.append(pair[0])
        hi.append(pair[1])
        years.append(value)
    return np.array(lo, np.int64), np.array(hi, np.int64), np.array(years, float)


def _first_seen(codes: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct codes in order of first appearance, and each entry's index among them."""
    order = list(dict.fromkeys(codes))
    position = {code: i for i, code in enumerate(order)}
    return order, np.array([position[code] for code in codes], np.int64)


def load_csv(path: str | Path, edges_path: str | Path | None = None) -> Structure:
    """A real structure from a practice file and an optional edge file of prior ties.

    Practices are regrouped so each PCN's are contiguous (PCNs in order of first
    appearance, practices in file order). Each PCN's practices are all tied to
    each other; the edge file adds ties (across PCNs or ICSs too) and years of
    shared history. Every problem raises ScenarioError with one line.
    """
    path = Path(path)
    return _assemble(path, *_read_practices(path), edges_path)


def load_nhs(path: str | Path, counts_path: str | Path, edges_path: str | Path | None = None) -> Structure:
    """A real structure from NHS Digital's own monthly files, unedited.

    `path` is the practice-to-PCN/ICB mapping (gp-reg-pat-prac-map.csv: PRACTICE_CODE,
    PCN_CODE, ICB_CODE; other columns ignored) and `counts_path` the patient counts
    (gp-reg-pat-prac-all.csv: a practice's list size is NUMBER_OF_PATIENTS on its row
    with TYPE GP, SEX ALL, AGE ALL; other rows ignored). A PCN's ICS is its ICB. Every
    practice of the mapping needs a count; counted practices missing from the mapping
    are left out. Otherwise as `load_csv`: the same rules, the same optional edge file.
    """
    path = Path(path)
    return _assemble(path, *_read_nhs(path, Path(counts_path)), edges_path)


def _assemble(path: Path, codes: list[str], pcn_of: list[str], ics_of: list[str], sizes: np.ndarray,
              edges_path: str | Path | None) -> Structure:
    """The structure of a checked practice table read from `path`, with ties from an optional edge file."""
    pcn_codes, pcn_index = _first_seen(pcn_of)
    order = np.argsort(pcn_index, kind="stable")
    codes = [codes[i] for i in order]
    pcn = pcn_index[order]
    ics_codes, ics_index = _first_seen(ics_of)
    ics = np.zeros(len(pcn_codes), np.int64)
    ics[pcn_index] = ics_index

    n = len(codes)
    size = np.bincount(pcn, minlength=len(pcn_codes))
    if size.max() > MAX_PCN_PRACTICES:
        big = int(size.argmax())
        raise ScenarioError(f"{path}: PCN {pcn_codes[big]} has {size[big]:,} practices; a PCN may have at most "
                            f"{MAX_PCN_PRACTICES:,}")
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    src, dst = _complete_within(start, size)
    history = None
    if edges_path is not None:
        index = {code: i for i, code in enumerate(codes)}
        lo, hi, years = _read_edges(Path(edges_path), path, index)
        src, dst = _sorted_unique(np.concatenate([src, lo]), np.concatenate([dst, hi]), n)
        history = np.full(len(src), np.nan)
        history[np.searchsorted(src * n + dst, lo * n + hi)] = years
    else:
        src, dst = _sorted_unique(src, dst, n)
    return Structure(
        pcn=pcn, ics=ics, src=src, dst=dst, cross=pcn[src] != pcn[dst], history=history,
        list_size=sizes[order], practice_codes=codes, pcn_codes=pcn_codes, ics_codes=ics_codes,
    )
