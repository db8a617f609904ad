"""The chart's Grafana dashboards as (dashboard, panel, query) rows, for the test that
runs every panel query against the local Prometheus."""

import json
from dataclasses import dataclass
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "charts/phase5/files/grafana"


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str
    panel: str
    expr: str
    # Panels over kube-state-metrics / cAdvisor / kubelet series: the process stack has no
    # Kubernetes, so there they must parse but cannot return data.
    cluster_only: bool


def panel_queries() -> list[PanelQuery]:
    out = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dash = json.loads(path.read_text())
        for panel in dash["panels"]:
            cluster = panel.get("description", "").startswith("Cluster only")
            out += [
                PanelQuery(path.stem, panel["title"], t["expr"], cluster) for t in panel["targets"]
            ]
    return out
