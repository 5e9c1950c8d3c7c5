"""Tests of ncoretools.gen_models: the generated files are the committed models/*.yaml byte for
byte, a figure that does not match `ncoresim inspect` fails the run, and the builder's YAML."""

import os
import unittest
from unittest import mock

from ncoretools import gen_models
from support import REPO, folder, quietly


class GenModelsTest(unittest.TestCase):
    def test_every_model_is_the_committed_file(self):
        out = folder("gen_models")
        code, stdout, _ = quietly(gen_models.main, ["--out-dir", out])
        self.assertEqual(code, 0, stdout)
        self.assertEqual(stdout.count("[OK]"), len(gen_models.MODELS))
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name)) as new, \
                    open(os.path.join(REPO, "models", name)) as old:
                self.assertEqual(new.read(), old.read(), name)

    def test_a_figure_off_by_more_than_the_tolerance_fails(self):
        with mock.patch.dict(gen_models.EXPECTED, {"resnet18": (1.7e9, None)}):
            code, stdout, _ = quietly(gen_models.main, ["--check", "resnet18"])
        self.assertEqual(code, 1)
        self.assertIn("[MISMATCH: expected 1.7e+09 MACs, - params]", stdout)

    def test_a_shape_other_than_expected_fails(self):
        with mock.patch.dict(gen_models.EXPECTED_SHAPES, {"vgg16": {"pool5": "512x14x14"}}):
            code, stdout, _ = quietly(gen_models.main, ["--check", "vgg16"])
        self.assertEqual(code, 1)
        self.assertIn("pool5 outputs 512x7x7, expected 512x14x14", stdout)

    def test_the_builder_writes_inputs_only_where_needed(self):
        m = gen_models.Model("m", 3, 8, 8, header=["a model"])
        m.conv2d("c1", 8, 3, padding=1, activation="relu")
        m.conv2d("c2", 8, 1, stride=[1, 1])
        m.add("sum", ["c2", "c1"], activation="relu")
        self.assertEqual(m.to_yaml(), "\n".join([
            "# a model", "name: m", "input: {channels: 3, height: 8, width: 8}", "layers:",
            "  - {name: c1, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, bias: true, "
            "activation: relu}",
            "  - {name: c2, kind: conv2d, out_channels: 8, kernel: 1, bias: true, "
            "activation: none}",
            "  - {name: sum, kind: add, inputs: [c2, c1], activation: relu}", ""]))
        self.assertEqual(m.outputs(), ["sum"])


if __name__ == "__main__":
    unittest.main()
