"""Tests of ncoretools.plot_sweep and plot_trace: each writes a non-empty PNG from a real sweep or
run; the pure helpers (Pareto front, axis labels) give hand-checked values; unusable input is
exit 2 with one error line."""

import os
import unittest

from ncoretools import cli, plot_sweep, plot_trace
from support import folder, quietly, tiny_run, tiny_sweep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(test, path):
    test.assertTrue(os.path.isfile(path), path)
    with open(path, "rb") as f:
        test.assertEqual(f.read(8), PNG_MAGIC)
    test.assertGreater(os.path.getsize(path), 10000)


class PlotSweepTest(unittest.TestCase):
    def test_a_sweep_plot_is_written_and_its_table_printed(self):
        out = os.path.join(folder("plot_sweep"), "sweep.png")
        path, stdout, _ = quietly(plot_sweep.plot, tiny_sweep().dir, out)
        self.assertEqual(path, out)
        assert_png(self, out)
        self.assertIn("best under SLO 1000 ms (best.csv):", stdout)
        self.assertRegex(stdout, r"p01 +2 +true")

    def test_the_entry_point_exits_2_without_sweep_csv(self):
        d = folder("plot_sweep_none")
        code, _, err = quietly(cli.entry, "plot_sweep.py", plot_sweep.main, [d])
        self.assertEqual(code, 2)
        self.assertIn("plot_sweep.py: error:", err)
        self.assertIn("sweep.csv not found", err)

    def test_the_pareto_front_keeps_undominated_points(self):
        pts = [{"feasible": True, "throughput": t, "latency_ms": l}
               for t, l in ((100, 5), (200, 8), (150, 9), (200, 8), (50, 4))]
        pts.append({"feasible": False, "throughput": None, "latency_ms": None})
        # (150, 9) is beaten by (200, 8); the duplicate (200, 8) is kept once.
        self.assertEqual(plot_sweep.pareto_front(pts), [(50, 4), (100, 5), (200, 8)])

    def test_axis_values_read_as_in_the_csv(self):
        f = plot_sweep.format_axis_value
        self.assertEqual(f("hw.state_buffer.capacity", 16 * 2**20), "16 MiB")
        self.assertEqual(f("hw.dram.preset", "ddr4-2400"), "ddr4-2400")
        self.assertEqual(f("options.functional", True), "true")
        self.assertEqual(f("hw.x", float("nan")), "(empty)")


class PlotTraceTest(unittest.TestCase):
    def test_a_trace_plot_is_written_with_busy_time_per_track(self):
        out = os.path.join(folder("plot_trace"), "trace.png")
        path, stdout, _ = quietly(plot_trace.plot, tiny_run().dir, out)
        self.assertEqual(path, out)
        assert_png(self, out)
        self.assertRegex(stdout, r"tensor engine +\d+")

    def test_the_entry_point_exits_2_without_a_trace(self):
        d = folder("plot_trace_none")
        code, _, err = quietly(cli.entry, "plot_trace.py", plot_trace.main, [d])
        self.assertEqual(code, 2)
        self.assertIn("trace.json not found", err)


if __name__ == "__main__":
    unittest.main()
