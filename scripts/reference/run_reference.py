#!/usr/bin/env python3
"""Run the community's reference tool (dfinity/decentralization, PuLP + CBC) on
a `topology` configuration and print its ObjectiveValue as one JSON line.

The reference is not part of this project: point --reference at a checkout of
it (at commit 212432e for rules 2023-12, eb1a2d9 for 2024-11, 23c9e1a or later
for 2025) and install its Python dependencies (pulp, pandas, pyyaml, click).
This driver only calls the reference's own functions with the files of the
configuration, so that benchmarks and cross-checks can run both tools on the
same inputs. It skips the reference's plots.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path


def load_config(path):
    cfg = json.loads(Path(path).read_text())
    base = Path(path).resolve().parent

    def resolve(key):
        value = cfg.get(key)
        return None if value is None else str((base / value).resolve())

    return cfg, resolve


def candidates_frame(pd, helpers, rows):
    frames = [helpers.create_candidate_node_dataframe(*r) for r in rows]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_old(reference, rules, cfg, resolve, rows):
    """The 2023-12 and 2024-11 code: functions of topology_optimizer/*.py."""
    sys.path.insert(0, str(Path(reference) / "topology_optimizer"))
    import pandas as pd
    import helper_functions as helpers
    import data_preparation
    import linear_solver

    sev_file = resolve("sev_providers_file")
    sev = set(pd.read_csv(sev_file)["provider_name"].tolist()) if sev_file else set()
    # The reference reads sev_providers.csv next to its own code; use the configuration's.
    helpers.is_sev_node_provider = lambda name: name in sev
    data_preparation.create_node_dataframe = helpers.create_node_dataframe

    nodes = pd.read_csv(resolve("nodes_file"))
    pipeline_file = resolve("node_pipeline_file")
    pipeline = pd.DataFrame()
    if pipeline_file and Path(pipeline_file).stat().st_size > 0:
        # The reference's get_node_pipeline reads a fixed path; same steps, given file.
        frame = pd.read_csv(pipeline_file)
        parts = [
            helpers.create_candidate_node_dataframe(
                node_provider=r["node_provider"], data_center=r["data_center"],
                data_center_provider=r["data_center_provider"], country=r["country"],
                is_sev=r["is_sev"], no_nodes=r["no_nodes"])
            for _, r in frame.iterrows()
        ]
        parts = [p for p in parts if not p.empty]
        pipeline = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    candidates = candidates_frame(pd, helpers, rows)
    topology = helpers.get_target_topology(resolve("topology_file")) if rules != "2023-12" else None
    if topology is None:
        # The 2023 code built its topology in code; the snapshot's CSV is that table.
        raw = pd.read_csv(resolve("topology_file"))
        raw["is_sev"] = raw["is_sev"].astype(bool)
        topology = raw.loc[raw.index.repeat(raw["number_of_subnets"])].reset_index(drop=True)
        topology = topology.drop(columns="number_of_subnets")
        for attr in ["node_provider", "data_center", "data_center_provider", "country"]:
            topology[f"nakamoto_target_{attr}"] = topology["subnet_size"] // (3 * topology[f"subnet_limit_{attr}"]) + 1
    network = data_preparation.prepare_data(
        nodes, pipeline, candidates, topology,
        no_synthetic_countries=cfg.get("no_synthetic_countries", 12 if rules == "2023-12" else 2),
        enforce_sev_constraint=cfg.get("enforce_sev_constraint", True))
    result = linear_solver.solver_model_minimize_nodes_by_subnet_limit(network)
    prob = result["prob"]
    import pulp
    return pulp.LpStatus[prob.status], pulp.value(prob.objective)


def run_2025(reference, cfg, resolve, rows, swaps=False):
    sys.path.insert(0, str(Path(reference)))
    import pandas as pd
    cwd = os.getcwd()
    from topology_optimizer import main as ref_main  # changes the working directory
    os.chdir(cwd)
    from topology_optimizer import linear_solver, utils
    import pulp

    sev_file = resolve("sev_providers_file")
    sev = pd.read_csv(sev_file)["provider_name"].tolist() if sev_file else []
    nodes = pd.read_csv(resolve("nodes_file"))
    pipeline = utils.get_node_pipeline(resolve("node_pipeline_file")) if resolve("node_pipeline_file") else pd.DataFrame()
    if rows:
        extra = []
        k = 0
        for (provider, dc, dcp, country, is_sev, n) in rows:
            for _ in range(n):
                k += 1
                extra.append({"node_id": f"candidate-{k}", "node_provider": provider, "data_center": dc,
                              "data_center_provider": dcp, "country": country, "is_sev": is_sev,
                              "node_operator": None, "node_provider_id": None, "is_synthetic": False,
                              "is_available": True, "node_type": "REPLICA"})
        pipeline = pd.concat([pipeline, pd.DataFrame(extra)], ignore_index=True)
    topology = utils.get_target_topology(resolve("topology_file"))
    blacklist = utils.load_blacklist(resolve("blacklist_file")) if resolve("blacklist_file") else {f: set() for f in utils.ALLOWED_FEATURES.values()}
    scenario_file = resolve("scenario")
    clusters = json.loads(Path(scenario_file).read_text()) if scenario_file else {}
    special = None
    if resolve("special_limits_file"):
        raw = json.loads(Path(resolve("special_limits_file")).read_text())
        # The reference keys special limits by its internal subnet index; map
        # subnet types, subnet ids and `default` onto indices as `topology` does.
        special = {}
        for idx, row in topology.iterrows():
            merged = {}
            for key in ["default", row["subnet_type"], row.get("subnet_id")]:
                for attr, values in (raw.get(key) or {}).items():
                    merged.setdefault(attr, {}).update({v: tuple(l) for v, l in values.items()})
            if merged:
                special[idx] = merged
    from topology_optimizer import data_preparation
    from topology_optimizer.data_preparation import prepare_data
    # The current assignment only serves the swap mode, and the reference can
    # only compute it for a topology with subnet ids: skip it otherwise.
    if not swaps:
        data_preparation.get_existing_assignment = lambda df_nodes, topology: [None] * len(df_nodes)
    os.makedirs("output", exist_ok=True)
    network = prepare_data(
        nodes, pipeline, topology, blacklist=blacklist,
        no_synthetic_countries=cfg.get("no_synthetic_countries", 6),
        enforce_sev_constraint=cfg.get("enforce_sev_constraint", False),
        enforce_health_constraint=cfg.get("enforce_health_constraint", True),
        enforce_blacklist_constraint=cfg.get("enforce_blacklist_constraint", True),
        cluster_scenario=clusters, cluster_scenario_name=Path(scenario_file).stem if scenario_file else "none",
        enforce_per_node_provider_assignation=cfg.get("enforce_per_node_provider_assignation", True),
        sev_node_providers=sev, special_limits=special)
    if swaps:
        result, status = linear_solver.solver_model_minimize_swaps(network)
        d = result["deviation_nodes"]
        counts = {"synthetic": round(result["synthetic_used"] or 0), "dropped": len(d["dropped"]),
                  "moved": len(d["moved"]), "newly_assigned": len(d["new_assign"])}
        return status, pulp.value(result["prob"].objective), counts
    result, status = linear_solver.solver_model_minimize_nodes(network)
    return status, pulp.value(result["prob"].objective), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, help="checkout of dfinity/decentralization at the rule set's commit")
    ap.add_argument("--config", required=True, help="a topology configuration JSON")
    ap.add_argument("--candidate", action="append", default=[], help='"provider,dc,dc provider,CC,true,N"')
    ap.add_argument("--mode", choices=["minimize_new_nodes", "minimize_node_swaps"],
                    help="default: the configuration's `mode` (minimize_new_nodes when it has none)")
    args = ap.parse_args()
    started = time.time()
    cfg, resolve = load_config(args.config)
    rules = cfg.get("rules", "2025")
    rows = []
    for c in args.candidate:
        p = [x for x in c.split(",")]
        rows.append((p[0], p[1], p[2], p[3], p[4].strip().lower() == "true", int(p[5])))
    import io, contextlib
    swaps = (args.mode or cfg.get("mode", "minimize_new_nodes")) == "minimize_node_swaps"
    counts = None
    with contextlib.redirect_stdout(io.StringIO()):
        if rules == "2025":
            status, objective, counts = run_2025(args.reference, cfg, resolve, rows, swaps)
        elif swaps:
            sys.exit("the swap mode exists in the 2025 reference only")
        else:
            status, objective = run_old(args.reference, rules, cfg, resolve, rows)
    out = {"status": status, "objective": None if objective is None else round(objective),
           "seconds": round(time.time() - started, 3)}
    if swaps:
        out = {"status": status, "cost": out["objective"], "counts": counts, "seconds": out["seconds"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
