// SCALE-Sim topology CSVs (Samajdar et al., "SCALE-Sim", ISPASS 2020; its topologies/ folder).
// Two forms, told apart by the header's second column:
//  - conv: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//    Num Filter, Strides. Each row is an independent layer reading its own IFMAP from DRAM:
//    an `external` input (Channels, H, W) and a conv2d with SCALE-Sim's output size
//    ceil((in - filter + stride) / stride) (ceil_mode, no padding) and no bias. MACs = output
//    pixels x filter h x w x channels x filters.
//  - GEMM (`-i gemm`): Layer, M, N, K. SCALE-Sim's M is the moving dimension (output rows) and N
//    the filters: in MatMul{K, M, N} terms K = K, M = N, N = M: an `external` input (K, M) and a
//    linear of N outputs per position, no bias: MACs = M N K, parameters K N.
// Columns are read by position, as SCALE-Sim does; extra columns, trailing commas, odd
// whitespace, blank lines and a UTF-8 byte-order mark are tolerated.
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "base/checked.h"
#include "base/input_file.h"
#include "workload/importers.h"

namespace ncore::workload {
namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(trim(cell));
  while (!out.empty() && out.back().empty()) out.pop_back();  // trailing commas
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t positive(const std::string& where, const std::string& column, const std::string& text) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || v < 1)
    throw ImportError(where + ": " + column + ": expected a positive integer, got '" +
                      base::clip(text) + "'");
  return v;
}

// Layer names become unique model names: spaces to '_', a suffix for repeats.
std::string unique_name(std::string name, std::map<std::string, int>& seen) {
  for (char& c : name)
    if (std::isspace(static_cast<unsigned char>(c))) c = '_';
  if (name.empty() || name == "input") name = "layer";
  const int n = seen[name]++;
  return n == 0 ? name : name + "_" + std::to_string(n + 1);
}

// A conv row (Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
// Num Filter, Strides) as a conv2d into `op`; returns its IFMAP.
Shape conv_row(const std::string& where, const std::vector<std::string>& c, LayerSpec& op) {
  const int64_t h = positive(where, "IFMAP Height", c[1]), w = positive(where, "IFMAP Width", c[2]);
  const int64_t fh = positive(where, "Filter Height", c[3]),
                fw = positive(where, "Filter Width", c[4]);
  const int64_t ch = positive(where, "Channels", c[5]), nf = positive(where, "Num Filter", c[6]);
  const int64_t st = positive(where, "Strides", c[7]);
  if (fh > h || fw > w) throw ImportError(where + ": the filter is larger than the IFMAP");
  const Shape ifmap =
      Shape{static_cast<uint64_t>(ch), static_cast<uint64_t>(h), static_cast<uint64_t>(w)};
  op.kind = "conv2d";
  op.params = {{"out_channels", ParamValue::of(nf)},
               {"kernel", ParamValue::of(std::vector<int64_t>{fh, fw})},
               {"stride", ParamValue::of(st)},
               {"ceil_mode", ParamValue::flag(true)},
               {"bias", ParamValue::flag(false)}};
  return ifmap;
}

// A GEMM row (Layer, M, N, K) as a linear layer into `op`; returns its input, K x M.
Shape gemm_row(const std::string& where, const std::vector<std::string>& c, LayerSpec& op) {
  const int64_t m = positive(where, "M", c[1]), n = positive(where, "N", c[2]);
  const int64_t k = positive(where, "K", c[3]);
  const Shape ifmap = Shape{static_cast<uint64_t>(k), static_cast<uint64_t>(m), 1};
  op.kind = "linear";
  op.params = {{"out_features", ParamValue::of(n)}, {"bias", ParamValue::flag(false)}};
  return ifmap;
}

}  // namespace

ModelSpec import_scalesim(const std::string& path) {
  const std::string problem =
      base::input_file_problem(path, base::kMaxTextInputBytes, base::kMaxTextInputText);
  if (!problem.empty()) throw ImportError(path + ": " + problem);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path + ": cannot open file");
  std::stringstream whole;
  whole << in.rdbuf();
  std::string text = whole.str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte-order mark

  ModelSpec spec;
  spec.file = path;
  spec.name = path.substr(path.find_last_of('/') + 1);
  spec.name = spec.name.substr(0, spec.name.rfind('.'));
  spec.source_note =
      "imported by ncoresim import from the SCALE-Sim topology " + spec.name + ".csv";
  std::stringstream lines(text);
  std::string line;
  int line_no = 0;
  enum class Form { unknown, conv, gemm } form = Form::unknown;
  std::map<std::string, int> seen;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto c = cells(line);
    if (c.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    if (form == Form::unknown) {  // the header
      if (c.size() >= 8 && lower(c[1]).find("ifmap") != std::string::npos)
        form = Form::conv;
      else if (c.size() >= 4 && lower(c[1]) == "m" && lower(c[2]) == "n" && lower(c[3]) == "k")
        form = Form::gemm;
      else
        throw ImportError(where +
                          ": not a SCALE-Sim topology header (expected 'Layer name, "
                          "IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                          "Num Filter, Strides' or 'Layer, M, N, K')");
      continue;
    }
    const size_t need = form == Form::conv ? 8 : 4;
    if (c.size() < need)
      throw ImportError(where + ": expected " + std::to_string(need) + " columns, got " +
                        std::to_string(c.size()));
    const std::string name = unique_name(c[0], seen);
    const std::string origin = where + " (" + c[0] + ")";
    LayerSpec op;
    op.name = name;
    op.origin = origin;
    const Shape ifmap = form == Form::conv ? conv_row(where, c, op) : gemm_row(where, c, op);
    if (spec.layers.empty()) {  // the first layer reads the model input
      spec.input = ifmap;
      op.inputs = {"input"};
    } else {
      LayerSpec ext;
      ext.name = name + ".ifmap";
      ext.kind = "external";
      ext.origin = origin;
      ext.inputs = {"input"};
      ext.params = {{"channels", ParamValue::of(static_cast<int64_t>(ifmap.c))},
                    {"height", ParamValue::of(static_cast<int64_t>(ifmap.h))},
                    {"width", ParamValue::of(static_cast<int64_t>(ifmap.w))}};
      op.inputs = {ext.name};
      spec.layers.push_back(std::move(ext));
    }
    spec.layers.push_back(std::move(op));
  }
  if (spec.layers.empty()) throw ImportError(path + ": no layers (an empty topology)");
  return spec;
}

}  // namespace ncore::workload
