"""Tests of ncoretools.plot_decode on a hand-written decode sweep.csv (no simulation): per-token
bytes and the binding resource of each point by hand, the batch where KV or compute takes over,
the PNG, --table-only, and exit 2 with one error line for a folder that is not a decode sweep."""

import os
import unittest

from ncoretools import cli, plot_decode
from support import folder, quietly
from test_plots import assert_png

HEAD = ("point,batch,context,version,model,hw,dtype,fits,cycles,seconds,latency_s,"
        "throughput_inferences_per_s,dram.read_bytes.weights,dram.read_bytes.kv,"
        "dram.write_bytes.kv,bounds.compute_cycles,bounds.dram_cycles,infeasible.resource\n")
V = "ncoresim test,toy,trn1,bf16"
# Weights 1000 B per step. Per token: b1 c128 weights 1000 > KV 101; b4 c128 250 > 101;
# b16 c128 62.5 < 101 but compute 500 > DRAM 100 cycles: compute; b1 c512 1000 > 401;
# b4 c512 250 < 401: kv; b16 c512 does not fit in DRAM.
ROWS = [
    f"p0,1,128,{V},true,10,0.0009,0.001,1000,1000,100,1,10,100,",
    f"p1,4,128,{V},true,12,0.0011,0.002,2000,1000,400,4,40,100,",
    f"p2,16,128,{V},true,20,0.0019,0.004,4000,1000,1600,16,500,100,",
    f"p3,1,512,{V},true,11,0.0010,0.0011,909.090909,1000,400,1,10,100,",
    f"p4,4,512,{V},false,15,0.0014,0.0016,2500,1000,1600,4,40,100,",
    f"p5,16,512,{V},,,,,,,,,,,dram_capacity",
]


def decode_sweep(name, head=HEAD, rows=ROWS):
    d = folder(name)
    with open(os.path.join(d, "sweep.csv"), "w") as f:
        f.write(head + "".join(r + "\n" for r in rows))
    return d


class PlotDecodeTest(unittest.TestCase):
    def test_per_token_bytes_and_the_binding_resource_by_hand(self):
        points, first = plot_decode.load(decode_sweep("decode_points"))
        self.assertEqual(first["model"], "toy")
        got = {(p["batch"], p["context"]): p for p in points}
        self.assertEqual(got[(4, 128)]["weight_bytes_per_token"], 250)
        self.assertEqual(got[(4, 128)]["kv_bytes_per_token"], 101)      # (400 + 4) / 4
        self.assertAlmostEqual(got[(4, 128)]["step_ms"], 1.1)
        self.assertEqual([got[k]["binding"] for k in sorted(got)],
                         ["weights", "weights", "weights", "kv", "compute", "dram_capacity"])
        self.assertFalse(got[(4, 512)]["fits"])
        self.assertFalse(got[(16, 512)]["feasible"])

    def test_the_batch_where_the_weights_stop_binding_per_context(self):
        groups = plot_decode.by_context(plot_decode.load(decode_sweep("decode_takeover"))[0])
        self.assertEqual(plot_decode.takeover(groups[128]), (16, "compute"))
        self.assertEqual(plot_decode.takeover(groups[512]), (4, "kv"))
        self.assertEqual(plot_decode.takeover_text(128, groups[128][:2]),
                         "context 128: weights bind at every batch")

    def test_the_table_is_markdown_by_context_then_batch(self):
        d = decode_sweep("decode_table")
        code, out, err = quietly(cli.entry, "plot_decode.py", plot_decode.main, [d, "--table-only"])
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(lines[0], "| context | batch | weight_bytes_per_token | kv_bytes_per_token"
                                   " | tokens_per_s | step_ms | binding |")
        self.assertEqual(lines[3], "| 128 | 4 | 250 | 101 | 2000.0 | 1.100 | weights |")
        self.assertEqual(lines[7], "| 512 | 16 | - | - | - | - | dram_capacity |")
        self.assertIn("context 512: KV cache (DRAM) binds from batch 4", out)
        self.assertNotIn("wrote", out)
        self.assertFalse(os.path.exists(os.path.join(d, "decode.png")))

    def test_a_png_is_written_and_drawing_twice_gives_the_same_bytes(self):
        d = decode_sweep("decode_png")
        a, b = os.path.join(d, "a.png"), os.path.join(d, "b.png")
        code, out, _ = quietly(cli.entry, "plot_decode.py", plot_decode.main, [d, "-o", a])
        self.assertEqual(code, 0)
        self.assertIn(f"wrote {a}", out)
        assert_png(self, a)
        quietly(plot_decode.plot, d, b, table=False)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())

    def test_the_default_png_is_dir_decode_png(self):
        d = decode_sweep("decode_default")
        path, _, _ = quietly(plot_decode.plot, d, None, table=False)
        self.assertEqual(path, os.path.join(d, "decode.png"))
        assert_png(self, path)

    def test_bad_folders_exit_2_with_one_error_line(self):
        no_csv = folder("decode_none")
        no_context = decode_sweep("decode_no_context", "point,batch,seconds\n", ["p0,1,0.1"])
        all_out = decode_sweep("decode_all_infeasible", rows=ROWS[-1:])
        for d, message in ((no_csv, "sweep.csv not found"),
                           (no_context, "is not a decode sweep: no `context` column"),
                           (all_out, "has no simulated point to draw")):
            code, _, err = quietly(cli.entry, "plot_decode.py", plot_decode.main, [d])
            self.assertEqual(code, 2, d)
            self.assertIn("plot_decode.py: error:", err)
            self.assertIn(message, err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    unittest.main()
