"""Tests of ncoretools.validate_published: a 2-row table (ResNet-50 on inf1 at batch 1 and 2)
predicts what a direct `ncoresim run` of each point gives, the error is (predicted - published) /
published exactly, the PNG is written; a bad table (a missing column, an unknown model, a
sequence length the model does not take) is exit 2 naming the file and line."""

import os
import unittest

import pandas as pd

import ncoretools
from ncoretools import cli, validate_published
from support import REPO, folder, quietly

# Each row is compiled with the weight buffers filling the SBUF (validate_published.run_text).
COMPILED = {"options.prefetch": "fill"}

HEADER = ("model,sequence_or_image,hw,dtype,batch,metric,published_per_core_per_s,setup,source,"
          "date_or_sdk")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def table(name, *rows, header=HEADER):
    """A CSV file in a new folder: the header, then the rows."""
    path = os.path.join(folder(name), "published.csv")
    with open(path, "w") as f:
        f.write("\n".join((header,) + rows) + "\n")
    return path


def run_script(path, out):
    return quietly(cli.entry, "validate_published.py", validate_published.main, [path, "-o", out])


class ValidatePublishedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = table("validate_two",
                         'resnet50,224,inf1,fp16,1,throughput,195,"setup, quoted",src,rel 1',
                         "resnet50,224,inf1,fp16,2,throughput,322,setup,src,rel 1")
        cls.out = os.path.join(os.path.dirname(cls.path), "out")
        cls.code, cls.stdout, cls.stderr = run_script(cls.path, cls.out)
        cls.table = pd.read_csv(os.path.join(cls.out, "validation.csv"),
                                float_precision="round_trip")

    def test_it_exits_0_and_prints_the_table_and_summary(self):
        self.assertEqual(self.code, 0, self.stderr)
        self.assertRegex(self.stdout, r"resnet50 +inf1 +fp16 +1 throughput +195 ")
        self.assertRegex(self.stdout, r"resnet50 +inf1 +fp16 +2 throughput +322 ")
        self.assertIn("summary: |error| all: median", self.stdout)
        self.assertIn("inf1: median", self.stdout)

    def test_predictions_are_a_direct_run_and_errors_exact(self):
        self.assertEqual(list(self.table.columns),
                         validate_published.COLUMNS + validate_published.ADDED)
        self.assertEqual(self.table["setup"][0], "setup, quoted")
        for i, (batch, published) in enumerate(((1, 195.0), (2, 322.0))):
            direct = ncoretools.run(os.path.join(REPO, "configs", "runs", "resnet50_inf1.yaml"),
                                    out=folder(f"validate_direct_b{batch}"), batch=batch,
                                    sets=COMPILED)
            thr = direct.summary["throughput_inferences_per_s"]
            row = self.table.iloc[i]
            self.assertEqual(row["predicted_per_core_per_s"], thr)
            self.assertEqual(row["error"], (thr - published) / published)

    def test_set_overrides_every_row_as_a_direct_run_with_it(self):
        out = folder("validate_set_out")
        code, _, err = quietly(cli.entry, "validate_published.py", validate_published.main,
                               [self.path, "-o", out, "--set", "hw.tensor_engine.timing=serial"])
        self.assertEqual(code, 0, err)
        got = pd.read_csv(os.path.join(out, "validation.csv"), float_precision="round_trip")
        direct = ncoretools.run(os.path.join(REPO, "configs", "runs", "resnet50_inf1.yaml"),
                                out=folder("validate_set_direct"), batch=2,
                                sets=dict(COMPILED, **{"hw.tensor_engine.timing": "serial"}))
        self.assertEqual(got["predicted_per_core_per_s"][1],
                         direct.summary["throughput_inferences_per_s"])
        self.assertNotEqual(got["predicted_per_core_per_s"][1],
                            self.table["predicted_per_core_per_s"][1])

    def test_run_text_compiles_fp32_models_with_fp32_io(self):
        fp32 = validate_published.run_text("h.yaml", "m.yaml", 4, "bf16",
                                           "FP32 model with matmuls auto-cast to BF16")
        self.assertIn("options: {prefetch: fill}\n", fp32)
        self.assertIn("io_dtype: fp32\n", fp32)
        self.assertIn("dtype: bf16\n", fp32)
        self.assertNotIn("io_dtype", validate_published.run_text("h.yaml", "m.yaml", 1, "fp16",
                                                                 "TF 1.15 FP16 Keras ResNet-50"))

    def test_a_set_without_a_value_exits_2(self):
        code, _, err = quietly(cli.entry, "validate_published.py", validate_published.main,
                               [self.path, "-o", folder("validate_set_bad"), "--set", "batch"])
        self.assertEqual(code, 2)
        self.assertIn("--set batch: expected KEY=VALUE", err)

    def test_the_plot_is_written(self):
        png = os.path.join(self.out, "validation.png")
        self.assertGreater(os.path.getsize(png), 10000)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), PNG_MAGIC)

    def test_a_missing_column_exits_2_naming_file_and_line(self):
        path = table("validate_no_metric", "resnet50,224,inf1,fp16,1,195,s,s,d",
                     header=HEADER.replace("metric,", ""))
        code, _, err = run_script(path, folder("validate_no_metric_out"))
        self.assertEqual(code, 2)
        self.assertIn(f"{path}:1: missing column(s): metric", err)

    def test_an_unknown_model_exits_2_naming_file_line_and_column(self):
        path = table("validate_unknown", "resnet50,224,inf1,fp16,1,throughput,195,s,s,d",
                     "resnet51,224,inf1,fp16,1,throughput,195,s,s,d")
        code, _, err = run_script(path, folder("validate_unknown_out"))
        self.assertEqual(code, 2)
        self.assertIn(f"{path}:3: column model: unknown model 'resnet51': "
                      "no file models/resnet51.yaml", err)

    def test_a_bad_number_or_sequence_length_exits_2(self):
        for name, row, message in (
                ("batch", "resnet50,224,inf1,fp16,two,throughput,195,s,s,d",
                 ":2: column batch: expected a positive integer, got 'two'"),
                ("seq", "bert_base,384,trn1,bf16,1,throughput,966,s,s,d",
                 ":2: column sequence_or_image: 384, but models/bert_base.yaml takes 128")):
            path = table(f"validate_bad_{name}", row)
            code, _, err = run_script(path, folder(f"validate_bad_{name}_out"))
            self.assertEqual(code, 2, name)
            self.assertIn(path + message, err)


if __name__ == "__main__":
    unittest.main()
