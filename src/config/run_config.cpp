// Loads a run file with its hardware file and model, applying overrides (see run_config.h).
#include "config/run_config.h"

#include <charconv>
#include <filesystem>
#include <map>
#include <mutex>

#include "base/checked.h"
#include "config/hw_loader.h"
#include "workload/importers.h"

namespace fs = std::filesystem;

namespace ncore::config {

namespace {

std::vector<std::string> split_dots(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

// Sets tree[a][b][c] = value for key "a.b.c", creating mappings on the way.
void set_path(YAML::Node root, const std::string& key, const YAML::Node& value,
              const std::string& origin) {
  const auto parts = split_dots(key);
  YAML::Node cur;
  cur.reset(root);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) throw ConfigError(origin + ": " + key + ": empty key segment");
    YAML::Node next = cur[parts[i]];
    if (next && !next.IsMap())
      throw ConfigError(origin + ": " + key + ": '" + parts[i] + "' is not a mapping");
    if (!next) cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
    YAML::Node child = cur[parts[i]];
    cur.reset(child);
  }
  if (parts.back().empty()) throw ConfigError(origin + ": " + key + ": empty key segment");
  cur[parts.back()] = value;
}

namespace {

std::string stem(const std::string& path) {
  return fs::path(path).stem().string();
}

// `path` relative to `dir`, through symlinks where both resolve; else as given (no OS error
// escapes as std::filesystem_error).
std::string relative_to(const std::string& path, const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec), d;
  if (!ec) p = fs::weakly_canonical(p, ec);
  if (!ec) d = fs::absolute(dir, ec);
  if (!ec) d = fs::weakly_canonical(d, ec);
  return ec ? path : p.lexically_relative(d).generic_string();
}

}  // namespace

const KeyTable<Options>& options_keys() {
  using S = Options;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.boolean("allow_spill", &S::allow_spill,
              "`false`: a plan whose activations do not fit is infeasible (exit 3)")
        .integer("prefetch_depth", &S::prefetch_depth, 1, 64, Need::optional,
                 "weight-block buffers (2 = double buffering); the planner loads weight blocks "
                 "this many ahead of compute, across layers")
        .choice<bool>("prefetch", &S::prefetch_fill, {{"fixed", false}, {"fill", true}},
                      Need::optional,
                      "`fill`: as a compiler's static schedule issues weight loads (they depend "
                      "on nothing) as early as buffers allow, the planner raises the weight "
                      "buffers from `prefetch_depth` to as many as fit in the SBUF left by the "
                      "activations' peak (at most 64), never causing a spill; `fixed`: "
                      "`prefetch_depth`")
        .integer("client_batch", &S::client_batch, 0, int64_t{1} << 40, Need::optional,
                 "dynamic batching: N client requests cut into ⌈N/b⌉ invocations of the "
                 "compiled batch (0: off); adds the `client` block")
        .choice<bool>("order", &S::auto_order, {{"auto", true}, {"weight_stationary", false}},
                      Need::optional,
                      "`auto`: a MatMul layer whose input comes from DRAM may go "
                      "`activation_stationary` where that moves fewer bytes; "
                      "`weight_stationary`: always")
        .boolean("in_place", &S::in_place,
                 "an elementwise vector layer (add, activation) writes its output over an input "
                 "of the same size that it reads for the last time, so the two count once in "
                 "the SBUF peak (a compiler's buffer sharing); `false`: both count")
        .choice<bool>("weights", &S::static_weights, {{"stream", false}, {"static", true}},
                      Need::optional,
                      "`stream`: weights are read from DRAM every invocation through the weight "
                      "buffers; `static`: every weight and vector parameter (not embedding "
                      "tables) is loaded into the SBUF once, before the invocations, and stays "
                      "(NeuronCore Pipeline's cached weights): no weight traffic or time per "
                      "invocation, and their bytes count in every layer's SBUF occupancy")
        .written_if([](const S& s) { return s.static_weights; })  // earlier config.yaml as was
        .boolean("functional", &S::functional,
                 "functional mode: the engines also compute (Eigen, float) on seeded data that "
                 "reaches them through the program's own DMAs, and every tensor is checked "
                 "against a direct reference; adds `functional.*`; a mismatch is exit 1")
        .integer("seed", &S::seed, 0, 0xFFFFFFFFll, Need::optional, "functional mode's data");
    return k;
  }();
  return t;
}

const KeyTable<Deployment>& deployment_keys() {
  using S = Deployment;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.choice<DeploymentMode>(
         "mode", &S::mode,
         {{"single", DeploymentMode::single},
          {"data_parallel", DeploymentMode::data_parallel},
          {"pipeline", DeploymentMode::pipeline}},
         Need::optional,
         "`single`: one core with its `dram` share; `data_parallel`: `cores` copies of the "
         "compiled model, one per core, started together, each chip's cores sharing its DRAM; "
         "`pipeline`: the model cut into `cores` contiguous stages, one per core (`ncoresim plan "
         "--stages`), each stage's weights static where they fit, activations sent over the "
         "chip's links; both need the hardware file's `chip` block and add the `deployment` "
         "block")
        .integer("cores", &S::cores, 1, 1024, Need::optional,
                 "cores of the deployment, filled chip by chip (`chip.cores` per chip); more "
                 "than 1 needs a mode other than `single`")
        .integer("invocations", &S::invocations, 0, 4096, Need::optional,
                 "`pipeline`: invocations simulated, all queued at the start; the period is the "
                 "slowest stage's mean interval between completions over the second half (0: "
                 "2 × `cores` + 2)")
        .written_if([](const S& s) { return s.mode == DeploymentMode::pipeline; })
        .integer("replicas", &S::replicas, 1, 1024, Need::optional,
                 "`pipeline`: copies of the `cores`-stage pipeline, each on its own cores (filled "
                 "chip by chip after the one before), sharing the chips' DRAM (Neuron's NeuronCore "
                 "groups, \"NCG size 2 × 8\": `cores: 8`, `replicas: 2`)")
        .written_if([](const S& s) { return s.mode == DeploymentMode::pipeline; });
    return k;
  }();
  return t;
}

std::string exact(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

namespace {

// A YAML model's graph, kept per path, variant and exact text: a sweep loads its model once per
// point, and parsing ResNet-50's 8 KB takes about 2 ms where comparing it takes microseconds.
workload::Graph load_yaml_model(const std::string& path, const workload::Variant& v) {
  constexpr size_t kMostKept = 16;  // models; then the cache starts again
  static std::mutex mu;
  static std::map<std::string, std::pair<std::string, workload::Graph>> kept;
  std::string text = read_yaml_text(path);
  const std::string key = path + '\n' + workload::phase_name(v.phase) + ' ' +
                          std::to_string(v.sequence) + ' ' + std::to_string(v.context);
  {
    const std::lock_guard<std::mutex> lock(mu);
    const auto it = kept.find(key);
    if (it != kept.end() && it->second.first == text) return it->second.second;
  }
  workload::Graph g = load_model(path, text, v);
  const std::lock_guard<std::mutex> lock(mu);
  if (kept.size() >= kMostKept) kept.clear();
  kept[key] = {std::move(text), g};
  return g;
}

// The run's `phase`, `sequence` and `context` (issue 16), read before the model is loaded.
workload::Variant read_variant(MapReader& run) {
  workload::Variant v;
  const std::string phase = run.get("phase", one_of({"none", "prefill", "decode"}), "none");
  v.phase = phase == "prefill"  ? workload::Phase::prefill
            : phase == "decode" ? workload::Phase::decode
                                : workload::Phase::none;
  if (run.has("sequence")) {
    v.sequence = static_cast<uint64_t>(run.get("sequence", integer_in(1, 1 << 24)));
    if (v.phase == workload::Phase::decode)
      run.fail("sequence",
               "a decode step has one token per sequence: set `context` (the tokens "
               "already in the KV cache) instead");
  }
  if (run.has("context")) {
    v.context = static_cast<uint64_t>(run.get("context", integer_in(1, 1 << 24)));
    if (v.phase != workload::Phase::decode)
      run.fail("context", "the tokens already in the KV cache need `phase: decode`");
  }
  return v;
}

// The variant against the model: a phase only for a decoder, a sequence only for a model whose
// input is a token sequence (channels 1, width 1), positions within the model's max_context.
void check_variant(MapReader& run, const workload::Graph& g, const workload::Variant& v) {
  if (v.phase != workload::Phase::none && !g.decoder)
    run.fail("phase", "the model '" + g.name + "' (" + g.file +
                          ") is not a decoder-only language model (its file has no "
                          "`decoder: true`; an ONNX decoder: `ncoresim import MODEL.onnx -o "
                          "MODEL.yaml --decoder MAX_CONTEXT`): run it without `phase`");
  if (v.sequence && (g.input.c != 1 || g.input.w != 1))
    run.fail("sequence", "the model '" + g.name + "' takes a " + g.input.str() +
                             " input, not a token sequence (channels 1, width 1)");
  const uint64_t most = g.max_context;
  if (most && v.sequence > most)
    run.fail("sequence", std::to_string(v.sequence) + " tokens exceed the model's max_context (" +
                             std::to_string(most) + ")");
  if (most && v.context > most)
    run.fail("context", std::to_string(v.context) +
                            " cached tokens exceed the model's "
                            "max_context (" +
                            std::to_string(most) + ")");
}

// A deployment the hardware can hold: one core alone in `single` mode; a chip block for the
// others.
void check_deployment(MapReader& dep, const RunConfig& rc) {
  const Deployment& d = rc.deployment;
  if (d.mode == DeploymentMode::single && d.cores != 1)
    dep.fail("cores", "deployment.mode single runs one core (got " + std::to_string(d.cores) +
                          "): use data_parallel for more");
  if (d.replicas != 1 && d.mode != DeploymentMode::pipeline)
    dep.fail("replicas", "deployment.replicas copies a pipeline: it needs mode pipeline");
  if (d.mode == DeploymentMode::single) return;
  if (!rc.hw.chip)
    dep.fail("mode", "the hardware '" + rc.hw.name +
                         "' has no `chip` block: a multi-core deployment needs the chip's cores "
                         "and DRAM");
  if (rc.options.functional)
    dep.fail("mode", "options.functional runs with deployment.mode single only");
  if (d.mode == DeploymentMode::pipeline && rc.options.client_batch)
    dep.fail("mode", "options.client_batch (dynamic batching) is not modelled for a pipeline");
}

// The model built for the run's variant (a decode step's default context: the model file's
// sequence), checked against it.
void load_variant_model(MapReader& run, RunConfig& rc) {
  if (rc.variant.phase == workload::Phase::decode && !rc.variant.context)
    rc.variant.context = load_model_file(rc.model_file).input.h;  // the model file's sequence
  rc.model = load_model_file(rc.model_file, rc.variant);
  check_variant(run, rc.model, rc.variant);
  const bool cached =
      std::any_of(rc.model.layers.begin(), rc.model.layers.end(),
                  [](const workload::Layer& l) { return l.inputs.size() > 2 && l.gemm; });
  if (cached && rc.options.functional)
    run.fail(rc.variant.phase == workload::Phase::decode ? "phase" : "options",
             "options.functional does not compute a decode step (its KV cache): run "
             "the decode step without functional mode, or functional mode with prefill");
}

}  // namespace

workload::Graph load_model_file(const std::string& path, const workload::Variant& v) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".onnx") return workload::build_graph(workload::import_onnx(path));
  if (ext == ".csv") return workload::build_graph(workload::import_scalesim(path));
  return load_yaml_model(path, v);
}

workload::ModelSpec import_model_file(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".onnx") return workload::import_onnx(path);
  if (ext == ".csv") return workload::import_scalesim(path);
  throw ConfigError(path + ": import reads .onnx and SCALE-Sim .csv files (got '" + ext + "')");
}

std::string model_yaml(const workload::ModelSpec& spec) {
  YAML::Emitter out;
  out << YAML::Comment(spec.source_note.empty() ? "imported by ncoresim import" : spec.source_note);
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << spec.name;
  if (spec.max_context)
    out << YAML::Key << "decoder" << YAML::Value << true << YAML::Key << "max_context"
        << YAML::Value << spec.max_context;
  out << YAML::Key << "input" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "channels" << YAML::Value << spec.input.c;
  if (spec.input.h != 1 || spec.input.w != 1)
    out << YAML::Key << "height" << YAML::Value << spec.input.h << YAML::Key << "width"
        << YAML::Value << spec.input.w;
  out << YAML::EndMap;
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const auto& l = spec.layers[i];
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << l.name << YAML::Key
        << "kind" << YAML::Value << l.kind;
    // Inputs are written unless they are the default (the previous layer, or the model input).
    const std::string prev = i == 0 ? "input" : spec.layers[i - 1].name;
    if (!(l.inputs.empty() || (l.inputs.size() == 1 && l.inputs[0] == prev))) {
      out << YAML::Key << "inputs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& in : l.inputs) out << in;
      out << YAML::EndSeq;
    }
    for (const auto& [k, v] : l.params) {
      out << YAML::Key << k << YAML::Value;
      switch (v.type) {
        case workload::ParamValue::Type::integer:
          out << v.integer;
          break;
        case workload::ParamValue::Type::list:
          out << YAML::Flow << v.list;
          break;
        case workload::ParamValue::Type::boolean:
          out << v.boolean;
          break;
        case workload::ParamValue::Type::text:
          out << v.text;
          break;
      }
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Override parse_set(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + arg + ": expected key=value (e.g. --set batch=4)");
  return Override{arg.substr(0, eq), arg.substr(eq + 1), "--set " + arg};
}

RunConfig load_run(const std::string& path, const std::vector<Override>& overrides) {
  RunConfig rc;
  rc.run_file = path;
  YAML::Node run_tree = load_yaml_file(path);
  auto run_src = std::make_shared<Source>(Source{path, {}});
  if (!run_tree.IsMap()) MapReader(run_tree, run_src, "");  // throws with the file's name

  // Overrides of `hw.*` go to the hardware tree, all others to the run tree.
  std::vector<const Override*> hw_overrides;
  for (const auto& o : overrides) {
    if (o.key.rfind("hw.", 0) == 0) {
      hw_overrides.push_back(&o);
      continue;
    }
    set_path(run_tree, o.key, load_yaml_string(o.value, o.origin), o.origin);
    run_src->overrides[o.key] = o.origin;
  }

  MapReader run(run_tree, run_src, "");
  const fs::path base = fs::path(path).parent_path();

  // Hardware: a path relative to the run file, or an inline mapping.
  YAML::Node hw_node = run.raw("hw", true);
  std::shared_ptr<Source> hw_src;
  std::string hw_prefix;
  YAML::Node hw_tree;
  std::string hw_default_name;
  if (hw_node.IsScalar()) {
    rc.hw_file = existing_file(run, "hw", hw_node.Scalar(), base.string(), "hardware file");
    hw_tree = load_yaml_file(rc.hw_file);
    hw_src = std::make_shared<Source>(Source{rc.hw_file, {}});
    hw_default_name = stem(rc.hw_file);
  } else if (hw_node.IsMap()) {
    hw_tree = hw_node;
    hw_src = run_src;
    hw_prefix = "hw";
    hw_default_name = stem(path);
  } else {
    run.fail("hw", "expected a hardware file path or a mapping");
  }
  for (const Override* o : hw_overrides) {
    const std::string key = o->key.substr(3);
    set_path(hw_tree, key, load_yaml_string(o->value, o->origin), o->origin);
    hw_src->overrides[hw_prefix.empty() ? key : "hw." + key] = o->origin;
  }
  rc.hw = read_hw(MapReader(hw_tree, hw_src, hw_prefix), hw_default_name);

  // Model: a path relative to the run file.
  const std::string model = run.get("model", text());
  rc.model_file = (base / model).lexically_normal().string();
  const std::string ext = fs::path(rc.model_file).extension().string();
  if (ext != ".yaml" && ext != ".yml" && ext != ".onnx" && ext != ".csv")
    run.fail("model",
             "unsupported model format '" + ext + "' (expected .yaml, .onnx or a SCALE-Sim .csv)");
  existing_file(run, "model", model, base.string(), "model file");

  rc.batch = static_cast<uint64_t>(run.get("batch", integer_in(1, 1 << 20)));
  const std::string dt = run.get("dtype", one_of({"fp32", "fp16", "bf16", "int8"}), "fp16");
  rc.dtype = *workload::parse_dtype(dt);
  rc.io_dtype = *workload::parse_dtype(
      run.get("io_dtype", one_of({"fp32", "fp16", "bf16", "int8"}), std::string(dt)));
  if (auto opt = run.opt_map("options")) {
    options_keys().read(*opt, rc.options);
    opt->finish();
  }
  if (auto dep = run.opt_map("deployment")) {
    deployment_keys().read(*dep, rc.deployment);
    check_deployment(*dep, rc);
    dep->finish();
  }
  rc.variant = read_variant(run);
  run.finish();
  load_variant_model(run, rc);
  return rc;
}

std::string resolved_yaml(const RunConfig& rc, const std::string& out_dir) {
  YAML::Emitter out;
  out << YAML::Comment(
      "ncoresim resolved configuration: every default filled in, base units (bytes, bytes/s, "
      "Hz, s). Run it again with: ncoresim run <this file>");
  out << YAML::BeginMap;
  out << YAML::Key << "hw" << YAML::Value;
  emit_hw(out, rc.hw);
  out << YAML::Key << "model" << YAML::Value << relative_to(rc.model_file, out_dir);
  out << YAML::Key << "batch" << YAML::Value << rc.batch;
  out << YAML::Key << "dtype" << YAML::Value << workload::dtype_name(rc.dtype);
  out << YAML::Key << "io_dtype" << YAML::Value << workload::dtype_name(rc.io_dtype);
  if (rc.variant.phase != workload::Phase::none)  // other runs' files stay as they were
    out << YAML::Key << "phase" << YAML::Value << workload::phase_name(rc.variant.phase);
  if (rc.variant.sequence) out << YAML::Key << "sequence" << YAML::Value << rc.variant.sequence;
  if (rc.variant.context) out << YAML::Key << "context" << YAML::Value << rc.variant.context;
  out << YAML::Key << "options" << YAML::Value << YAML::BeginMap;
  options_keys().write(out, rc.options);
  out << YAML::EndMap;
  if (rc.deployment.mode != DeploymentMode::single) {  // single runs' files stay as they were
    out << YAML::Key << "deployment" << YAML::Value << YAML::BeginMap;
    deployment_keys().write(out, rc.deployment);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string resolved_value(const RunConfig& rc, const std::string& key,
                           const std::string& out_dir) {
  YAML::Node n = YAML::Load(resolved_yaml(rc, out_dir));
  for (const auto& part : split_dots(key)) {
    YAML::Node next = n[part];
    n.reset(next);
    if (!n) return "";
  }
  return n.IsScalar() ? n.Scalar() : "";
}

}  // namespace ncore::config
