"""Tests of ncoretools.fit_nc_v1's arithmetic on hand-made inputs: the geometry keeps the published
peak, the reading of the pipeline cut, the closed-loop prediction and the host search (overhead and
link bandwidth)."""

import unittest

from ncoretools import fit_nc_v1


class GeometryTest(unittest.TestCase):
    def test_peak_holds(self):
        # 2 FLOP per MAC x rows x cols x clock = 16 TFLOPS for every geometry
        for r, c in fit_nc_v1.GEOMETRIES:
            s = fit_nc_v1.geometry_sets(r, c)
            hz = float(s["hw.tensor_engine.clock"][:-2])
            self.assertAlmostEqual(2 * r * c * hz / 16e12, 1.0, places=12)
            self.assertEqual(s["hw.state_buffer.partitions"], r)
            self.assertEqual(s["hw.psum.partitions"], c)


class StageTest(unittest.TestCase):
    # `ncoresim plan --stages 2` output, shortened
    OUT = """m on hw, batch 1, fp16: NeuronCore Pipeline of 2 stages, SBUF capacity 1 MiB
stage first_layer last_layer est_cycles weights_B static static_need_B shortfall_B
0     a           b                 100       10 yes             500           0
1     c           d                 120       30 %s             %d        %d
bottleneck stage 1 (estimated); weights %s
"""

    def test_all_static(self):
        out = self.OUT % ("yes", 700, 0, "static on every stage")
        self.assertEqual(fit_nc_v1.parse_stages(out), (True, 700))

    def test_one_stage_streams(self):
        # "not static on every stage" also holds the words "static on every stage"
        out = self.OUT % ("no", 2000000, 951424, "not static on every stage")
        self.assertEqual(fit_nc_v1.parse_stages(out), (False, 2000000))


class PredictTest(unittest.TestCase):
    def test_closed_loop(self):
        # device 4 ms, transfers 1 ms at the preset's link (x 1), host 2 ms, 1.5 in flight:
        # max(4, 7 / 1.5) = 4.667 ms
        self.assertAlmostEqual(fit_nc_v1.predict((4e-3, 1e-3), 2, (2e-3, 1.0), 1.5),
                               2 / (7e-3 / 1.5))
        # the link 3 times slower: transfers 3 ms, max(4, 9 / 1.5) = 6 ms
        self.assertAlmostEqual(fit_nc_v1.predict((4e-3, 1e-3), 2, (2e-3, 3.0), 1.5), 2 / 6e-3)
        # unbounded in flight: the device alone
        self.assertAlmostEqual(fit_nc_v1.predict((4e-3, 1e-3), 2, (2e-3, 1.0), 0), 2 / 4e-3)

    def test_host_search_recovers_a_known_overhead_and_link(self):
        # two rows made with host overhead 1.5 ms and the link 10 times slower than the preset
        # (transfers 0.1 and 0.2 ms there, so 1 and 2 ms), device 4 and 5 ms, N = 1:
        # 1 / (1.5 + 1 + 4) ms and 2 / (1.5 + 2 + 5) ms; the search finds both
        rows = [{"batch_n": 1, "published": 1 / 6.5e-3}, {"batch_n": 2, "published": 2 / 8.5e-3}]
        cand = {"points": [(4e-3, 0.1e-3), (5e-3, 0.2e-3)], "ok": True}
        (h, scale), score = fit_nc_v1.fit_host(cand, rows, [0, 1], 1.0)
        self.assertAlmostEqual(h, 1.5e-3, delta=2e-6)
        self.assertAlmostEqual(scale, 10.0, delta=0.02)
        self.assertLess(score, 1e-3)


if __name__ == "__main__":
    unittest.main()
