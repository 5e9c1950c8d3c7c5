"""scripts/check_structure.py finds function bodies and layering violations as documented."""
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import check_structure  # noqa: E402

SNIPPET = '''// a comment with a { brace
namespace ncore::x {
const int kTable[] = {1, 2,
                      3};
struct S : Base {
  int get() const { return m_v; }
  S(int v) : m_v(v) {
    if (v) {
      auto f = [&](int y) { return y; };
    }
  }
  int m_v;
};
std::string text() {
  return "}";
}
}  // namespace ncore::x
'''


class FunctionLengths(unittest.TestCase):
    def test_functions_at_namespace_and_class_level_with_their_lines(self):
        # get() on line 6 (1 line), the constructor lines 7-11 (5), text() lines 14-16 (3);
        # the table, the struct, the if block and the lambda are not functions of their own.
        self.assertEqual(sorted(check_structure.function_lengths(SNIPPET)),
                         [(6, 1), (7, 5), (14, 3)])

    def test_comments_and_literals_do_not_count_braces(self):
        code = check_structure.blank_comments_and_literals('a = "{"; // }\nb = \'}\';')
        self.assertNotIn("{", code)
        self.assertNotIn("}", code)
        self.assertEqual(code.count("\n"), 1)


class Layering(unittest.TestCase):
    def test_the_order_runs_from_base_to_cli(self):
        self.assertEqual(check_structure.LAYERS[0], "base")
        self.assertEqual(check_structure.LAYERS[-1], "cli")
        self.assertLess(check_structure.LAYERS.index("isa"),
                        check_structure.LAYERS.index("planner"))


if __name__ == "__main__":
    unittest.main()
