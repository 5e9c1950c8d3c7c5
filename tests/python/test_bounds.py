"""Tests of ncoretools.bounds: per-layer bounds of a tiny_cnn run against hand-derived values,
and an infeasible point reported cleanly (exit 3) instead of crashing."""

import unittest

import ncoretools
from ncoretools import bounds
from support import TINY_RUN, folder, quietly, tiny_run


class BoundsTest(unittest.TestCase):
    def test_compute_bound_is_macs_over_the_array(self):
        t = bounds.layer_bounds(tiny_run().summary, tiny_run().layers).set_index("layer")
        # tiny: a 4x4 array at fp16 rate 1 does 16 MACs a cycle; conv1 has 442368 MACs.
        self.assertAlmostEqual(t.loc["conv1", "compute"], 442368 / 16)
        self.assertEqual(t.loc["conv1", "bound"], "compute")
        self.assertEqual(t.loc["conv1", "cycles"], tiny_run().layers.set_index("layer").loc[
            "conv1", ["tensor_busy_cycles", "vector_busy_cycles", "dma_busy_cycles"]].max())

    def test_no_matmul_layer_beats_its_bound(self):
        t = bounds.layer_bounds(tiny_run().summary, tiny_run().layers)
        matmul = t[t["macs"] > 0]
        self.assertEqual(len(matmul), 7)   # 6 convs and fc
        self.assertTrue((matmul["ratio"] >= 1).all(), matmul)

    def test_a_feasible_run_reports_every_layer(self):
        code, out, _ = quietly(bounds.main, [tiny_run().dir])
        self.assertEqual(code, 0)
        self.assertIn("tiny_cnn on tiny, batch 1, fp16:", out)
        self.assertIn("summary: whole run", out)
        self.assertEqual(sum(ln.startswith(("conv", "res.", "pool", "pw", "dw", "gap", "fc"))
                             for ln in out.splitlines()), 10)

    def test_an_infeasible_point_is_reported_with_exit_3(self):
        r = ncoretools.run(TINY_RUN, out=folder("bounds_infeasible"),
                           sets={"options.allow_spill": False, "hw.state_buffer.capacity": "16KiB"})
        code, out, _ = quietly(bounds.main, [tiny_run().dir, r.dir])
        self.assertEqual(code, 3)
        self.assertIn("tiny_cnn on tiny, batch 1, fp16: infeasible, nothing simulated "
                      "(layer conv1, short by", out)
        self.assertIn("summary: whole run", out)   # the feasible run is still reported


if __name__ == "__main__":
    unittest.main()
