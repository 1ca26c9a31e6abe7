"""Tables people can open: per member, per tie, per-PCN outcomes rolled up to ICSs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import AUTHORISATIONS, STYLES
from ..engine.outcomes import PCN


def agents_table(model) -> pd.DataFrame:
    """One row per member (practice or partner) in its final state, with its PCN, ICS and values."""
    st, dims = model.state, model.params.practices.value_dimensions
    world = model.structure
    codes = world.practice_codes + [f"{world.pcn_codes[q]}-partner{i + 1}"
                                    for q in range(world.n_pcns) for i in range(model.params.partners.per_pcn)]
    table = pd.DataFrame({
        "member": np.arange(len(st.stakes)),
        "code": codes,
        "kind": np.where(st.partner, "partner", "practice"),
        "pcn": [world.pcn_codes[q] for q in st.pcn],
        "ics": [world.ics_codes[world.ics[q]] for q in st.pcn],
        "list_size": st.list_size.round().astype(int),
        "style": [STYLES[s] for s in st.style],
        "authorisation": [AUTHORISATIONS[a] for a in st.authorisation],
        "stake": st.stakes,
        "core_demand": st.core_demand,
        "capacity": st.capacity,
        "burnout": st.burnout,
        "ownership": st.ownership,
        "engagement": [agent.engagement for agent in sorted(model.agents, key=lambda a: a.index)],
    })
    for d, name in enumerate(dims):
        table[name] = st.values[:, d]
    return table


def edges_table(model) -> pd.DataFrame:
    """One row per tie in its final state: trust, shared history and latent tension."""
    st = model.state
    return pd.DataFrame({"source": st.src, "target": st.dst, "cross_pcn": st.cross, "trust": st.trust,
                         "history_years": st.history, "tension": st.tension})


def ics_table(pcns: pd.DataFrame) -> pd.DataFrame:
    """Roll a per-PCN table up to ICSs: counts summed (PCNs behind counted), other outcomes weighted by practices."""
    rows = []
    for (step, ics), group in pcns.groupby(["step", "ics"], sort=True):
        row = {"step": step, "ics": ics, "pcns": len(group)}
        weights = group["practices"].to_numpy(float)
        for column in PCN.names:
            values = group[column].to_numpy(float)
            if column in PCN.summed:
                row[column] = values.sum()
            else:
                ok = ~np.isnan(values)
                row[column] = float(np.average(values[ok], weights=weights[ok])) if ok.any() else np.nan
        row["practices"] = group["practices"].sum()
        rows.append(row)
    return pd.DataFrame(rows)
