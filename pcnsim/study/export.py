"""A sweep as one spreadsheet table: every run's recorded weeks with all its parameters on each row.

The layout of NetLogo BehaviorSpace's "table" output: one row per run and
recorded week, the run's scenario, parameters, replicate and seed, then the
outcomes. Streamed part by part (pyarrow), so a sweep of any size exports
in flat memory.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq

from ..outputs.files import written
from .sweep import checked_parts


def export_table(folder: Path, table, experiment, out: Path) -> int:
    """Write `out` (CSV) from a finished sweep's design `table` and parts; returns the rows written."""
    columns = ["run_id", "scenario", *experiment.parameters, "replicate", "seed"]
    design = pa.Table.from_pandas(table[table["status"] == "ok"][columns], preserve_index=False)
    rows = 0
    with written(out) as temporary:
        writer = None
        for part in checked_parts(Path(folder), table, experiment.chunk_size):
            series = pq.read_table(part)
            if not series.num_rows:
                continue
            # Joined on the design's run_id type (parts hold a string, or a large_string if an older pcnsim wrote them).
            series = series.set_column(0, "run_id", series["run_id"].cast(design.schema.field("run_id").type))
            joined = design.join(series, "run_id", join_type="inner").sort_by([("run_id", "ascending"),
                                                                                 ("step", "ascending")])
            if writer is None:
                writer = csv.CSVWriter(str(temporary), joined.schema)
            writer.write_table(joined)
            rows += joined.num_rows
        if writer is not None:
            writer.close()
    return rows
