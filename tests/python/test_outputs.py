"""Tests of ncoretools.outputs: the reader's dicts and DataFrames against a tiny_cnn run and a
2-point sweep, and its errors on missing or empty files."""

import os
import unittest

import ncoretools
from ncoretools import outputs
from support import TINY_MACS, folder, tiny_run, tiny_sweep

# DESIGN.md's layers.csv columns, in order (later columns may follow).
LAYER_COLUMNS = ["layer", "kind", "order", "macs", "start_cycle", "end_cycle",
                 "tensor_busy_cycles", "vector_busy_cycles", "dma_busy_cycles", "stall_cycles",
                 "tensor_utilization", "read_weights", "read_io", "read_spill", "write_io",
                 "write_spill", "read_kv", "write_kv"]


class SummaryTest(unittest.TestCase):
    def test_a_run_executes_the_model_macs_once_per_sample(self):
        s = ncoretools.read_summary(tiny_run().dir)
        self.assertEqual((s["model"], s["hw"], s["batch"], s["fits"]),
                         ("tiny_cnn", "tiny", 1, True))
        self.assertEqual(s["macs"], TINY_MACS)

    def test_bytes_per_inference_is_all_dram_classes_over_the_batch(self):
        for _, point in tiny_sweep().table.iterrows():
            s = ncoretools.read_summary(os.path.join(tiny_sweep().dir, point["point"]))
            dram = s["dram"]
            total = sum(dram[d][c] for d in ("read_bytes", "write_bytes") for c in outputs.CLASSES)
            self.assertGreater(total, 0)
            self.assertAlmostEqual(dram["bytes_per_inference"], total / s["batch"])

    def test_flatten_names_the_fields_as_sweep_csv_does(self):
        sw = tiny_sweep()
        flat = ncoretools.flatten(ncoretools.read_summary(os.path.join(sw.dir, "p01")))
        self.assertEqual(flat["dram.read_bytes.weights"], sw.table["dram.read_bytes.weights"][1])
        self.assertEqual(set(flat), set(sw.table.columns) - {"point"})

    def test_a_folder_without_summary_raises(self):
        with self.assertRaisesRegex(ncoretools.OutputError, "summary.json not found"):
            ncoretools.read_summary(folder("no_summary"))


class LayersTest(unittest.TestCase):
    def test_columns_and_rows(self):
        layers = tiny_run().layers
        self.assertEqual(list(layers.columns[:len(LAYER_COLUMNS)]), LAYER_COLUMNS)
        self.assertEqual(len(layers), 10)
        conv1 = layers.set_index("layer").loc["conv1"]
        self.assertEqual((conv1["kind"], conv1["macs"]), ("conv2d", 442368))  # 16*3*3*3*32*32

    def test_layer_macs_add_up_to_the_summary(self):
        self.assertEqual(tiny_run().layers["macs"].sum(), tiny_run().summary["macs"])

    def test_an_empty_file_raises(self):
        d = folder("empty_layers")
        open(os.path.join(d, "layers.csv"), "w").close()
        with self.assertRaisesRegex(ncoretools.OutputError, "is empty"):
            ncoretools.read_layers(d)


class SweepTest(unittest.TestCase):
    def test_one_row_per_point_in_axis_order(self):
        t = tiny_sweep().table
        self.assertEqual(list(t["point"]), ["p00", "p01"])
        self.assertEqual(list(t["batch"]), [1, 2])
        self.assertEqual(list(t["macs"]), [TINY_MACS, 2 * TINY_MACS])
        self.assertEqual(list(t["fits"]), [True, True])
        self.assertEqual(ncoretools.sweep_axes(t), ["batch"])

    def test_best_under_the_slo(self):
        best = tiny_sweep().best
        self.assertEqual(list(best.columns),
                         ["slo_s", "batch", "throughput_inferences_per_s", "latency_s"])
        self.assertEqual(best["slo_s"][0], 1.0)
        self.assertEqual(best["batch"][0], 2)   # both meet 1 s; batch 2 has the higher throughput

    def test_no_best_without_slo(self):
        self.assertIsNone(ncoretools.read_best(tiny_run().dir))

    def test_only_empty_cells_are_missing(self):
        d = folder("sweep_cells")
        with open(os.path.join(d, "sweep.csv"), "w") as f:
            f.write("point,hw.x,batch,version,cycles\np00,none,1,v,\np01,NA,2,v,5\n")
        t = ncoretools.read_sweep(d)
        self.assertEqual(list(t["hw.x"]), ["none", "NA"])
        self.assertTrue(t["cycles"].isna()[0])
        self.assertEqual(ncoretools.sweep_axes(t), ["hw.x", "batch"])


class TraceTest(unittest.TestCase):
    def test_events_and_run_metadata(self):
        events, other = ncoretools.read_trace(tiny_run().dir)
        self.assertEqual(other.get("model"), "tiny_cnn")
        self.assertTrue(any(e.get("ph") == "X" for e in events))


class CellTest(unittest.TestCase):
    def test_to_float(self):
        cells = (" 2.5 ", "", None, float("nan"), True, "x", 3)
        self.assertEqual([outputs.to_float(v) for v in cells],
                         [2.5, None, None, None, None, None, 3.0])

    def test_to_text(self):
        self.assertEqual([outputs.to_text(v) for v in (True, float("nan"), None, " a ", 4)],
                         ["true", "", "", "a", "4"])


if __name__ == "__main__":
    unittest.main()
