"""Tests of ncoretools.gen_models: the generated files are the committed models/*.yaml byte for
byte, a figure that does not match `ncoresim inspect` fails the run, and the builder's YAML."""

import os
import unittest
from unittest import mock

from ncoretools import gen_models, runner
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

    def test_the_decoders_have_their_published_parameter_counts_exactly(self):
        # Hugging Face's num_parameters() (tied LM head counted once): GPT-2 small, medium and
        # large, TinyLlama-1.1B (untied head) and Llama 2 7B, from the committed files
        self.assertEqual(set(gen_models.PUBLISHED_PARAMS), {
            "gpt2_small", "gpt2_medium", "gpt2_large", "tinyllama_1b", "llama2_7b"})
        for name, params in gen_models.PUBLISHED_PARAMS.items():
            info = runner.inspect(os.path.join(REPO, "models", name + ".yaml"))
            self.assertEqual(info.params, params, name)

    def test_an_exact_parameter_count_that_does_not_match_fails(self):
        with mock.patch.dict(gen_models.PUBLISHED_PARAMS, {"gpt2_small": 124_439_809}):
            code, stdout, _ = quietly(gen_models.main, ["--check", "gpt2_small"])
        self.assertEqual(code, 1)
        self.assertIn("expected exactly 124439809 params, got 124439808", stdout)

    def test_a_decoder_writes_its_root_keys_and_phase_only_layers_last(self):
        m = gen_models.build_gpt2_small()
        lines = m.to_yaml().splitlines()
        self.assertEqual(lines[lines.index("name: gpt2_small") + 2:][:2],
                         ["decoder: true", "max_context: 1024"])
        self.assertEqual(lines[-2:], [
            "  - {name: last, kind: slice, inputs: [ln_f], axis: height, last: true, count: 1, "
            "phase_only: true}",
            "  - {name: lm_head, kind: linear, out_features: 50257, bias: false, tied: true, "
            "phase_only: true}"])
        # a full forward (what `ncoresim inspect` lists) ends at ln_f
        self.assertEqual(m.full_forward_layers()[-1], "ln_f")
        self.assertEqual(len(m.full_forward_layers()), len(m.layers) - 2)

    def test_a_llama_matmul_reads_k_after_rope_and_v_themselves(self):
        m = gen_models.build_tinyllama_1b()
        layers = dict(m.layers)
        self.assertEqual(layers["layer0.scores"]["inputs"], ["layer0.q_rope", "layer0.k_rope"])
        self.assertEqual(layers["layer0.scores"]["kv_heads"], 4)
        self.assertEqual(layers["layer0.ctx"]["inputs"], ["layer0.probs", "layer0.v"])
        self.assertEqual(layers["layer0.k_rope"]["heads"], 4)
        self.assertNotIn("phase_only", layers["lm_head"])

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
