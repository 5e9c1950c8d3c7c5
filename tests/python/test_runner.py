"""Tests of ncoretools.runner: run, sweep and inspect through the binary; a bad config raises
NcoresimError with exit code 2 and the message; an infeasible point is a result (exit 3)."""

import os
import unittest

import ncoretools
from ncoretools import runner
from support import (REPO, TINY_MACS, TINY_MODEL, TINY_PARAMS, TINY_RUN, folder, scratch,
                     tiny_run)


class RunTest(unittest.TestCase):
    def test_a_run_returns_its_summary_and_layers(self):
        r = tiny_run()
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.feasible)
        self.assertEqual(r.summary["macs"], TINY_MACS)
        self.assertTrue(os.path.isfile(os.path.join(r.dir, "trace.json")))

    def test_batch_and_sets_reach_the_point(self):
        r = ncoretools.run(TINY_RUN, out=folder("run_b2"), batch=2,
                           sets={"options.allow_spill": True, "dtype": "fp32"})
        self.assertEqual((r.summary["batch"], r.summary["dtype"]), (2, "fp32"))
        self.assertEqual(r.summary["macs"], 2 * TINY_MACS)
        self.assertFalse(os.path.exists(os.path.join(r.dir, "trace.json")))

    def test_an_infeasible_point_is_a_result_not_an_error(self):
        r = ncoretools.run(TINY_RUN, out=folder("run_infeasible"),
                           sets={"options.allow_spill": False, "hw.state_buffer.capacity": "16KiB"})
        self.assertEqual(r.returncode, 3)
        self.assertFalse(r.feasible)
        self.assertIsNone(r.summary["cycles"])
        self.assertEqual(r.summary["infeasible"]["layer"], "conv1")
        self.assertIsNone(r.layers)

    def test_a_bad_config_raises_with_exit_code_2_and_the_message(self):
        bad = os.path.join(scratch(), "bad_run.yaml")
        with open(bad, "w") as f:
            f.write(f"hw: {REPO}/configs/hw/tiny.yaml\nmodel: {TINY_MODEL}\nbatch: 1\ndtyp: fp16\n")
        with self.assertRaises(ncoretools.NcoresimError) as e:
            ncoretools.run(bad, out=folder("run_bad"))
        self.assertEqual(e.exception.returncode, 2)
        self.assertIn("dtyp: unknown key", e.exception.stderr)
        self.assertIn("bad_run.yaml:4:1", e.exception.stderr)

    def test_a_bad_sweep_raises_with_exit_code_2(self):
        with self.assertRaises(ncoretools.NcoresimError) as e:
            ncoretools.sweep(os.path.join(scratch(), "no_such_sweep.yaml"), out=folder("sw_bad"))
        self.assertEqual(e.exception.returncode, 2)

    def test_a_missing_binary_says_how_to_get_one(self):
        with self.assertRaisesRegex(FileNotFoundError, "set NCORESIM"):
            runner.find_binary(os.path.join(scratch(), "no_ncoresim"))


class InspectTest(unittest.TestCase):
    def test_totals_and_shapes_of_tiny_cnn(self):
        info = ncoretools.inspect(TINY_MODEL)
        self.assertEqual((info.name, info.macs, info.params), ("tiny_cnn", TINY_MACS, TINY_PARAMS))
        self.assertEqual(info.input, (3, 32, 32))
        self.assertEqual(len(info.layers), 10)
        first = info.layers.iloc[0]
        self.assertEqual((first["layer"], first["output"], first["macs"], first["params"]),
                         ("conv1", "16x32x32", 442368, 448))   # 16*3*3*3 weights + 16 biases
        self.assertEqual(info.layers["macs"].sum(), TINY_MACS)


if __name__ == "__main__":
    unittest.main()
