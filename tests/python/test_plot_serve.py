"""Tests of ncoretools.plot_serve on hand-written serve outputs (no simulation): one serve folder
(summary.json, requests.csv) and a 2-policy x 2-rate serve sweep; the CDF helper, the saturation
rule and the load whose CDFs are drawn by hand; the Markdown table; exit 2 with one error line
for folders of the wrong kind and an unknown --rate."""

import json
import os
import unittest

from ncoretools import cli, plot_serve
from support import folder, quietly
from test_plots import assert_png

REQUESTS = ("id,arrival_s,prompt_tokens,output_tokens,first_token_s,end_s,ttft_s,tpot_s,"
            "latency_s,status\n"
            "0,0.0,10,5,0.002,0.010,0.002,0.002,0.010,done\n"
            "1,0.1,20,1,0.104,0.104,0.004,,0.004,done\n"
            "2,0.2,30,9,0.203,0.219,0.003,0.002,0.019,done\n"
            "3,0.3,30,9,,,,,,rejected\n")
SERVE = {"policy": "continuous", "max_batch": 32, "offered_requests_per_s": 10.0,
         "requests": 4, "requests_completed": 3, "requests_rejected": 1, "makespan_s": 0.219,
         "tokens_per_s": 68.5, "requests_per_s": 13.7,
         "ttft_s": {"mean": 0.003, "p50": 0.003, "p90": 0.004, "p99": 0.004},
         "tpot_s": {"mean": 0.002, "p50": 0.002, "p90": 0.002, "p99": 0.002},
         "latency_s": {"mean": 0.011, "p50": 0.010, "p90": 0.019, "p99": 0.019},
         "mean_batch": 1.5}
SWEEP_HEAD = ("point,scheduler.policy,arrivals.rate,version,model,hw,dtype,serve.policy,"
              "serve.max_batch,serve.offered_requests_per_s,serve.requests,"
              "serve.requests_completed,serve.requests_rejected,serve.tokens_per_s,"
              "serve.requests_per_s,serve.ttft_s.p99,serve.tpot_s.p99,serve.mean_batch\n")
V = "ncoresim test,toy,trn1,bf16"
# static saturates at 20 req/s (15 < 0.95 x 20): the CDFs are drawn at 10 req/s.
SWEEP_ROWS = [f"p0,static,10,{V},static,8,10,4,4,0,500,10.2,0.5,0.003,2",
              f"p1,static,20,{V},static,8,20,4,4,0,750,15,2.5,0.003,4",
              f"p2,continuous,10,{V},continuous,8,10,4,4,0,510,10.1,0.004,0.0015,1.5",
              f"p3,continuous,20,{V},continuous,8,20,4,4,0,1000,19.8,0.006,0.0018,3"]


def serve_folder(name, serve=SERVE):
    d = folder(name)
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump({"version": "ncoresim test", "model": "toy", "hw": "trn1", "dtype": "bf16",
                   **({"serve": serve} if serve else {})}, f)
    with open(os.path.join(d, "requests.csv"), "w") as f:
        f.write(REQUESTS)
    return d


def serve_sweep(name, head=SWEEP_HEAD, rows=SWEEP_ROWS, points=True):
    d = folder(name)
    with open(os.path.join(d, "sweep.csv"), "w") as f:
        f.write(head + "".join(r + "\n" for r in rows))
    for r in rows if points else ():
        os.makedirs(os.path.join(d, r.split(",")[0]))
        with open(os.path.join(d, r.split(",")[0], "requests.csv"), "w") as f:
            f.write(REQUESTS)
    return d


class PlotServeTest(unittest.TestCase):
    def test_the_cdf_counts_every_request_and_skips_empty_cells(self):
        xs, ys = plot_serve.cdf([0.3, 0.1, float("nan"), 0.2], 4)
        self.assertEqual(list(xs), [0.1, 0.2, 0.3])
        self.assertEqual(list(ys), [0.25, 0.5, 0.75])    # the unserved request keeps it below 1

    def test_saturation_and_the_load_of_the_cdfs(self):
        points, axes, first = plot_serve.load_sweep(serve_sweep("serve_points"))
        self.assertEqual(axes, [])
        self.assertEqual(first["model"], "toy")
        self.assertEqual([plot_serve.saturated(p) for p in points], [False, True, False, False])
        self.assertEqual(plot_serve.chosen_rate(points), 10)
        self.assertEqual(plot_serve.chosen_rate(points, 20.0), 20)
        with self.assertRaisesRegex(cli.InputError, r"--rate 30: .*\(rates: 10, 20\)"):
            plot_serve.chosen_rate(points, 30.0)

    def test_a_sweep_prints_its_table_and_writes_a_png(self):
        d = serve_sweep("serve_sweep")
        out = os.path.join(d, "s.png")
        code, stdout, err = quietly(cli.entry, "plot_serve.py", plot_serve.main, [d, "-o", out])
        self.assertEqual(code, 0, err)
        assert_png(self, out)
        lines = stdout.splitlines()
        self.assertEqual(lines[0], "| policy | offered req/s | achieved req/s | tokens/s | "
                                   "P99 TTFT (ms) | P99 TPOT (ms) | mean batch | rejected |")
        self.assertEqual(lines[3], "| static | 20 | 15.00 | 750.0 | 2500.00 | 3.000 | 4.00 | 0 |")
        self.assertEqual(lines[5], "| continuous | 20 | 19.80 | 1000.0 | 6.00 | 1.800 | 3.00 | 0 |")
        self.assertIn("CDFs at 10 requests/s offered (highest load no point saturates)", stdout)

    def test_another_scheduler_axis_is_a_column_and_splits_the_lines(self):
        head = SWEEP_HEAD.replace("arrivals.rate,", "arrivals.rate,scheduler.max_batch,")
        rows = [r.replace(",10,ncoresim", ",10,8,ncoresim")
                 .replace(",20,ncoresim", ",20,16,ncoresim") for r in SWEEP_ROWS]
        points, axes, _ = plot_serve.load_sweep(serve_sweep("serve_axes", head, rows))
        self.assertEqual(axes, ["scheduler.max_batch"])
        self.assertEqual(len(plot_serve.group_points(points, by="offered")), 4)
        table = plot_serve.markdown_table(points, axes).splitlines()
        self.assertTrue(table[0].startswith("| policy | max_batch | offered req/s |"))
        self.assertEqual(table[2].split(" | ")[:3], ["| static", "8", "10"])

    def test_one_serve_folder_gives_three_cdfs_and_one_table_row(self):
        d = serve_folder("serve_one")
        path, stdout, _ = quietly(plot_serve.plot, d)
        self.assertEqual(path, os.path.join(d, "serve.png"))
        assert_png(self, path)
        self.assertEqual(stdout.splitlines()[2],
                         "| continuous | 10 | 13.70 | 68.5 | 4.00 | 2.000 | 1.50 | 1 |")

    def test_bad_folders_exit_2_with_one_error_line(self):
        run_sweep = serve_sweep("serve_run_sweep", "point,batch,version,latency_s\n",
                                ["p0,1,x,0.1"], points=False)
        cases = [
            (folder("serve_empty"), [], "has neither sweep.csv nor summary.json"),
            (serve_folder("serve_no_block", serve=None), [], "has no `serve` block"),
            (run_sweep, [], "is not a serve sweep (no serve.* columns"),
            (serve_sweep("serve_no_points", points=False), [], "requests.csv not found"),
            (serve_sweep("serve_bad_rate"), ["--rate", "30"], "--rate 30: the sweep has no point"),
            (os.path.join(folder("serve_file"), "missing"), [], "is not a folder"),
        ]
        for d, extra, message in cases:
            code, _, err = quietly(cli.entry, "plot_serve.py", plot_serve.main, [d] + extra)
            self.assertEqual(code, 2, d)
            self.assertIn("plot_serve.py: error:", err)
            self.assertIn(message, err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    unittest.main()
