"""Tests of ncoretools.fit_nc_v1's arithmetic on hand-made inputs: the geometry keeps the published
peak, the pipeline stage split, the closed-loop prediction and the host search (overhead and
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
    # (weight bytes, activation bytes) per layer
    LAYERS = [(10, 5), (10, 1), (30, 2), (10, 7)]

    def test_one_stage_holds_everything(self):
        # weights 60 + the largest activation use 7
        self.assertEqual(fit_nc_v1.stage_need(self.LAYERS, 1), 67)

    def test_two_stages_split_to_balance_weights(self):
        # best split {10, 10} | {30, 10}: the largest stage holds 40 of weights; its need 40 + 7,
        # the other 20 + 5
        self.assertEqual(fit_nc_v1.stage_need(self.LAYERS, 2), 47)

    def test_a_stage_per_layer(self):
        # {10}{10}{30}{10}: 30 + 2 = 32, 10 + 7 = 17, 10 + 5 = 15
        self.assertEqual(fit_nc_v1.stage_need(self.LAYERS, 4), 32)


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
