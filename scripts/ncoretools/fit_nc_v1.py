"""Fit of the unpublished NeuronCore-v1 parameters of a hardware preset (configs/hw/inf1.yaml) to
the published Inf1 rows of a validation table (configs/validation/published.csv), within the
published constraints (issue 11, mechanism 7):
- the peak holds: 16 TFLOPS FP16 per core (Inferentia page), so an R x C array runs at
  16e12 / (2 R C) Hz, and SBUF and PSUM have R and C partitions;
- FP16 ResNet-50 fits without spilling up to batch 5 and not at batch 6 (Neuron batching note):
  state_buffer.capacity is the smallest whole MiB that holds the planned peak at batch 5, and a
  candidate whose batch-6 peak also fits there is rejected;
- host.requests_in_flight stays the preset's (a sourced value); host.overhead and
  host.link_bandwidth (the framework's path for inputs and outputs: serialization, copies, PCIe)
  are fitted, one value each for the preset, per candidate by a grid search on the simulated
  device times (no new simulation).
The discrete candidates are GEOMETRIES x the grid of GRID (keys whose NeuronCore-v1 value is
unpublished; empty today). Each candidate's runs give predicted throughput; its score is the RMS
of log(predicted / published) over the rows fitted. All candidates are scored and reported; the
fit proper is the candidate at PRIOR (the rows do not tell the geometries apart, see GEOMETRIES),
and leave-one-out refits its host values on all rows but one and predicts that one. A check of
the same release's NeuronCore Pipeline compile table (PIPELINE_TABLE: the planner's own cut, plan
--stages) is reported beside it.
Usage: fit_nc_v1.py [--table FILE] [--hw FILE] [-o DIR] [--jobs N] [--check]
Writes DIR/fit_candidates.csv (one line per candidate) and DIR/fit_rows.csv (per row: published,
fitted prediction and residual, leave-one-out prediction and error); prints both and the YAML
values to put in the preset.
"""

import argparse
import concurrent.futures
import csv
import itertools
import math
import os
import re
import tempfile

import numpy as np

from . import runner, validate_published
from .cli import InputError

PEAK_FLOPS = 16e12       # FP16 per NeuronCore-v1 (AWS Neuron docs, Inferentia architecture page)
HW = "inf1"
# rows x cols. Rows: 128. The NeuronCore-v1 page gives the VectorEngine 256 FLOP per cycle, i.e.
# 128 lanes of multiply-add; a lane serves one SBUF partition (as the NKI architecture guide
# describes NeuronCore-v2) and the array contracts over the partitions, so 128 rows. Cols
# (PSUM partitions) are not pinned by anything published: the fit scores each; on the Inf1 rows
# their scores differ by less than the rows' own spread across releases (15-30 %), so the rows do
# not determine the geometry, and the fit proper keeps PRIOR, NeuronCore-v2's published 128 x 128
# (the scan is reported beside it).
GEOMETRIES = [(128, 64), (128, 128), (128, 256)]
PRIOR = (128, 128)
# Unpublished NeuronCore-v1 keys and the values tried (each list's first: the off value).
GRID = {}
MIB = 1 << 20
_PEAK = re.compile(r"planned peak (\d+) bytes")


def geometry_sets(rows, cols):
    """The keys of an R x C array at the published peak; the vector and scalar engines run at the
    core clock (the preset's assumption: NeuronCore-v1's engine clocks are unpublished)."""
    clock = f"{PEAK_FLOPS / (2 * rows * cols)!r}Hz"
    return {"hw.tensor_engine.rows": rows, "hw.tensor_engine.cols": cols,
            "hw.tensor_engine.clock": clock, "hw.vector_engine.clock": clock,
            "hw.scalar_engine.clock": clock, "hw.state_buffer.partitions": rows,
            "hw.psum.partitions": cols}


def candidates():
    """The candidates' --set dicts (without the SBUF capacity)."""
    keys = list(GRID)
    out = []
    for (r, c), values in itertools.product(GEOMETRIES, itertools.product(*GRID.values())):
        s = geometry_sets(r, c)
        s.update(dict(zip(keys, values)))
        out.append(s)
    return out


def _run_file(tmp, model_file, hw_file, batch, dtype):
    path = os.path.join(tmp, f"{os.path.basename(model_file)}_{batch}_{dtype}.yaml")
    with open(path, "w") as f:
        f.write(validate_published.run_text(hw_file, model_file, batch, dtype))
    return path


def _plan(run_file, sets, batch, binary=None):
    args = ["plan", run_file, "--batch", batch] + runner._sets(
        dict(sets, **{"hw.state_buffer.capacity": "64GiB", "options.allow_spill": False,
                      "options.prefetch": "fixed", "options.prefetch_depth": 2}))
    return runner.call(args, binary).stdout


def planned_peak(run_file, sets, batch, binary=None):
    return int(_PEAK.search(_plan(run_file, sets, batch, binary)).group(1))


def stage_need(run_file, sets, batch, n, binary=None):
    """(all static?, SBUF bytes its fullest stage needs to keep its weights static): from
    `ncoresim plan --stages n`, the planner's own time-balanced cut, each stage planned as a model
    of its own with static weights (src/planner/pipeline.h)."""
    return parse_stages(runner.call(["plan", run_file, "--batch", batch, "--stages", n] +
                                    runner._sets(sets), binary, ok=(0, 3)).stdout)


def parse_stages(out):
    """(all static?, the largest static_need_B) of `ncoresim plan --stages` output."""
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("stage "))
    cols = lines[head].split()
    need = cols.index("static_need_B")
    rows = [ln.split() for ln in lines[head + 1:] if ln[:1].isdigit()]
    return "weights static on every stage" in out, max(int(r[need]) for r in rows)


# Neuron Performance Tuning note (release 2020-01-27): FP16 ResNet-50 compiled for NeuronCore
# Pipeline over n cores could keep its weights static (True) or not (False), per batch.
PIPELINE_TABLE = {1: {1: False, 2: False, 4: False, 8: True, 12: True, 16: True},
                  2: {8: False, 12: True, 16: True}}


def pipeline_check(run_file, sets, binary=None):
    """Per (batch, cores): (published static?, predicted static?, bytes its fullest stage needs)
    at the SBUF capacity in `sets`."""
    out = {}
    for b, table in PIPELINE_TABLE.items():
        for n, published in table.items():
            static, need = stage_need(run_file, sets, b, n, binary)
            out[(b, n)] = (published, static, need)
    return out


def capacity_for(run_file, sets, binary=None):
    """(capacity in bytes, ok): the smallest whole MiB holding the batch-5 peak; ok when the
    batch-6 peak does not fit in it."""
    p5 = planned_peak(run_file, sets, 5, binary)
    p6 = planned_peak(run_file, sets, 6, binary)
    cap = -(-p5 // MIB) * MIB
    return cap, p6 > cap


def simulate(cand, rows, tmp, binary=None):
    """The candidate's points: per row, (device seconds, host-link transfer seconds at the
    preset's link bandwidth). Its run files go to a folder of its own (candidates run at once)."""
    tmp = tempfile.mkdtemp(dir=tmp)
    first = rows[0]
    cap_file = _run_file(tmp, first["model_file"], first["hw_file"], 5, first["dtype"])
    cap, ok = capacity_for(cap_file, cand, binary)
    sets = dict(cand, **{"hw.state_buffer.capacity": f"{cap}B"})
    points = []
    for r in rows:
        f = _run_file(tmp, r["model_file"], r["hw_file"], r["batch_n"], r["dtype"])
        res = runner.run(f, sets=sets, binary=binary)
        if not res.feasible:
            return {"sets": sets, "ok": False, "points": None}
        s = res.summary
        points.append((s["seconds"],
                       s["host"]["input_transfer_s"] + s["host"]["output_transfer_s"]))
    return {"sets": sets, "ok": ok, "points": points}


def predict(point, batch, host, in_flight):
    """Throughput with host = (overhead s, transfer scale: preset link bandwidth / fitted)."""
    seconds, transfer = point
    h, scale = host
    period = seconds if in_flight <= 0 else max(seconds, (h + transfer * scale + seconds) /
                                                in_flight)
    return batch / period


def _scores(cand, rows, idx, hs, scales, in_flight):
    """RMS log error on rows idx for every (overhead, scale) pair of the grids (numpy)."""
    d = np.array([cand["points"][i][0] for i in idx])
    t = np.array([cand["points"][i][1] for i in idx])
    b = np.array([rows[i]["batch_n"] for i in idx], dtype=float)
    pub = np.array([rows[i]["published"] for i in idx])
    h = hs[:, None, None]
    k = scales[None, :, None]
    period = np.maximum(d, (h + t * k + d) / in_flight)
    err = np.log(b / period / pub)
    return np.sqrt(np.mean(err * err, axis=2))


def fit_host(cand, rows, idx, in_flight):
    """((host overhead, transfer scale), score): the host overhead in [0, 20 ms] and the host
    link at the preset's bandwidth / scale, scale in [0.01, 10^5] (log), on a grid refined
    three times around its best point."""
    if in_flight <= 0:
        return (0.0, 1.0), float(_scores(cand, rows, idx, np.array([0.0]), np.array([1.0]),
                                         1.0)[0, 0])
    hs = np.linspace(0.0, 20e-3, 401)
    ls = np.linspace(-2.0, 5.0, 281)
    for _ in range(4):
        sc = _scores(cand, rows, idx, hs, 10.0 ** ls, in_flight)
        i, j = np.unravel_index(np.argmin(sc), sc.shape)
        best = (float(hs[i]), float(10.0 ** ls[j])), float(sc[i, j])
        dh, dl = hs[1] - hs[0], ls[1] - ls[0]
        hs = np.linspace(max(0.0, hs[i] - 2 * dh), hs[i] + 2 * dh, 81)
        ls = np.linspace(ls[j] - 2 * dl, ls[j] + 2 * dl, 81)
    return best


def best_fit(cands, rows, idx, in_flight):
    ranked = []
    for i, c in enumerate(cands):
        if not c["ok"]:
            continue
        host, s = fit_host(c, rows, idx, in_flight)
        ranked.append((s, i, host))
    ranked.sort()
    return ranked


def read_host(hw_file, binary=None):
    """The preset's host.requests_in_flight and host.link_bandwidth (bytes/s), as ncoresim
    resolves them: from the config.yaml of a small run on it."""
    with tempfile.TemporaryDirectory(prefix="ncoresim-fit-") as tmp:
        f = _run_file(tmp, os.path.join(runner.REPO, "models", "mlp.yaml"), hw_file, 1, "fp16")
        res = runner.run(f, out=os.path.join(tmp, "out"), binary=binary)
        with open(os.path.join(res.dir, "config.yaml")) as c:
            text = c.read()
    host = text[text.index("\n  host:"):]
    n = re.search(r"requests_in_flight: ([0-9.eE+-]+)", host)
    bw = re.search(r"link_bandwidth: ([0-9.eE+-]+)", host)
    return (float(n.group(1)) if n else 0.0), float(bw.group(1))


def fit(table, hw_file=None, out_dir=None, jobs=None, binary=None):
    rows = [r for r in validate_published.read_table(table) if r["hw"] == HW]
    if not rows:
        raise InputError(f"{table}: no row with hw {HW}")
    validate_published.check_inputs(table, rows, binary)
    if hw_file:
        for r in rows:
            r["hw_file"] = os.path.abspath(hw_file)
    in_flight, link_bw = read_host(rows[0]["hw_file"], binary)
    cand_sets = candidates()
    with tempfile.TemporaryDirectory(prefix="ncoresim-fit-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        cands = list(pool.map(lambda c: simulate(c, rows, tmp, binary), cand_sets))
    all_idx = list(range(len(rows)))
    ranked = best_fit(cands, rows, all_idx, in_flight)
    if not ranked:
        raise RuntimeError("no candidate meets the batch-5/batch-6 SBUF rule")
    # The fit proper is at the prior geometry (see PRIOR): its host values and SBUF capacity.
    i = GEOMETRIES.index(PRIOR)
    best = cands[i]
    if not best["ok"]:
        raise RuntimeError(f"the {PRIOR[0]} x {PRIOR[1]} array breaks the batch-5/batch-6 rule")
    h, s = fit_host(best, rows, all_idx, in_flight)
    for k, r in enumerate(rows):
        r["fitted"] = predict(best["points"][k], r["batch_n"], h, in_flight)
        h_k, _ = fit_host(best, rows, [j for j in all_idx if j != k], in_flight)
        r["loo"] = predict(best["points"][k], r["batch_n"], h_k, in_flight)
    with tempfile.TemporaryDirectory(prefix="ncoresim-fit-") as tmp:
        f = _run_file(tmp, rows[0]["model_file"], rows[0]["hw_file"], 1, rows[0]["dtype"])
        pipeline = pipeline_check(f, best["sets"], binary)
    result = {"rows": rows, "cands": cands, "ranked": ranked, "best": best, "host": h,
              "score": s, "in_flight": in_flight, "link_bandwidth": link_bw / h[1],
              "preset_link_bandwidth": link_bw,
              "pipeline": pipeline}
    if out_dir:
        write(result, out_dir)
    return result


def write(result, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    keys = sorted({k for c in result["cands"] for k in c["sets"]})
    scores = {i: (s, h) for s, i, h in result["ranked"]}
    with open(os.path.join(out_dir, "fit_candidates.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(keys + ["sbuf_rule_ok", "host_overhead_s", "host_link_scale",
                           "rms_log_error"])
        for i, c in enumerate(result["cands"]):
            s, h = scores.get(i, (None, (None, None)))
            w.writerow([c["sets"].get(k, "") for k in keys] + [c["ok"]] +
                       ["" if v is None else repr(v) for v in (h[0], h[1], s)])
    with open(os.path.join(out_dir, "fit_rows.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "batch", "published", "fitted", "residual", "loo_predicted",
                    "loo_error"])
        for r in result["rows"]:
            w.writerow([r["model"], r["batch_n"], r["published"], repr(r["fitted"]),
                        repr(r["fitted"] / r["published"] - 1), repr(r["loo"]),
                        repr(r["loo"] / r["published"] - 1)])


def report(result):
    rows, best = result["rows"], result["best"]
    print("geometry scan (each with its own host fit): rows x cols, RMS log error")
    for sc, i, host in sorted(result["ranked"], key=lambda t: t[1]):
        c = result["cands"][i]["sets"]
        print(f"  {c['hw.tensor_engine.rows']} x {c['hw.tensor_engine.cols']} at "
              f"{c['hw.tensor_engine.clock']}: {sc:.4f} (host overhead {host[0] * 1e6:.1f} us, "
              f"link {result['preset_link_bandwidth'] / host[1] / 1e6:.1f} MB/s)")
    print(f"fitted at {PRIOR[0]} x {PRIOR[1]} (RMS log error {result['score']:.4f}):")
    for k, v in sorted(best["sets"].items()):
        print(f"  {k} = {v}")
    print(f"  hw.host.overhead = {result['host'][0] * 1e6:.1f} us")
    print(f"  hw.host.link_bandwidth = {result['link_bandwidth'] / 1e6:.1f} MB/s "
          f"(requests_in_flight {result['in_flight']:g})")
    print(f"{'model':<10} {'batch':>5} {'published':>10} {'fitted':>9} {'resid %':>8} "
          f"{'loo':>9} {'loo err %':>9} {'curve':>6} {'pub curve':>9}")
    for r in rows:
        print(f"{r['model']:<10} {r['batch_n']:>5} {r['published']:>10g} {r['fitted']:>9.1f} "
              f"{(r['fitted'] / r['published'] - 1) * 100:>+8.1f} {r['loo']:>9.1f} "
              f"{(r['loo'] / r['published'] - 1) * 100:>+9.1f} "
              f"{r['fitted'] / rows[0]['fitted']:>6.2f} "
              f"{r['published'] / rows[0]['published']:>9.2f}")
    print("NeuronCore Pipeline check (static weights over n cores: ncoresim plan --stages n):")
    bad = 0
    for (b, n), (pub, pred, need) in sorted(result["pipeline"].items()):
        bad += pub != pred
        print(f"  batch {b}, {n:>2} cores: published {'static' if pub else 'not':<6}, "
              f"predicted {'static' if pred else 'not':<6} (needs {need / MIB:.1f} MiB)"
              f"{'' if pub == pred else '  MISMATCH'}")
    print(f"  {bad} of {len(result['pipeline'])} disagree")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fit_nc_v1.py", description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="configs/validation/published.csv")
    ap.add_argument("--hw", default=None, help="hardware preset (default: the table's hw file)")
    ap.add_argument("-o", "--out", default=os.path.join("traces", "fit_nc_v1"))
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless the preset as it is predicts what the fit does (to 0.1 %%)")
    args = ap.parse_args(argv)
    result = fit(args.table, args.hw, args.out, args.jobs)
    report(result)
    print(f"wrote {args.out}/fit_candidates.csv, {args.out}/fit_rows.csv")
    if args.check:
        return check_preset(result, args.jobs)
    return 0


def check_preset(result, jobs=None, binary=None):
    """0 when the preset, run as it is, predicts each fitted row within 0.1 % (its values are
    rounded to 4 or 5 digits); else 1."""
    rows = result["rows"]
    with tempfile.TemporaryDirectory(prefix="ncoresim-fit-") as tmp:
        preset = simulate_as_is(rows, tmp, binary)
    bad = 0
    for r, p in zip(rows, preset):
        same = abs(p / r["fitted"] - 1) < 1e-3
        bad += not same
        print(f"preset {r['model']} b{r['batch_n']}: {p:.1f} /s, fit {r['fitted']:.1f} /s"
              f"{'' if same else '  DIFFERS'}")
    print("the preset holds the fitted values" if not bad else
          "the preset does not hold the fitted values: put them in it")
    return 1 if bad else 0


def simulate_as_is(rows, tmp, binary=None):
    out = []
    for r in rows:
        f = _run_file(tmp, r["model_file"], r["hw_file"], r["batch_n"], r["dtype"])
        out.append(runner.run(f, binary=binary).summary["throughput_inferences_per_s"])
    return out
