"""Tests of ncoretools.ablation's table line on hand-made rows: median and max |error| per hw in
the table's order, and the Inf1 ResNet-50 curve normalized to batch 1."""

import unittest

from ncoretools import ablation


def row(model, hw, predicted, published):
    return {"model": model, "hw": hw, "predicted": predicted, "published": published,
            "error": (predicted - published) / published}


class LineTest(unittest.TestCase):
    def test_medians_maxima_and_curve(self):
        rows = [row("resnet50", "inf1", 100, 80), row("resnet50", "inf1", 150, 160),
                row("resnet50", "inf1", 180, 200), row("bert_base", "trn1", 110, 100)]
        text, hws = ablation.line("x", rows)
        # inf1 errors 25, 6.25, 10 %: median 10, max 25; trn1 10 %; curve 100, 150, 180 over 100
        self.assertEqual(hws, ["inf1", "trn1"])
        self.assertEqual(text, "| x | 10.0 / 25.0 | 10.0 / 10.0 | 1.00, 1.50, 1.80 |")


if __name__ == "__main__":
    unittest.main()
