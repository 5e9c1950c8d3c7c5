// Loads a run file with its hardware file and model, applying overrides (see run_config.h).
#include "config/run_config.h"

#include <charconv>
#include <filesystem>

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

std::string stem(const std::string& path) {
  return fs::path(path).stem().string();
}

std::string relative_to(const std::string& path, const std::string& dir) {
  const fs::path p = fs::weakly_canonical(fs::absolute(path));
  const fs::path d = fs::weakly_canonical(fs::absolute(dir));
  return p.lexically_relative(d).generic_string();
}

}  // namespace

std::string exact(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

workload::Graph load_model_file(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".onnx") return workload::build_graph(workload::import_onnx(path));
  if (ext == ".csv") return workload::build_graph(workload::import_scalesim(path));
  return load_model(path);
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
    rc.hw_file = (base / hw_node.Scalar()).lexically_normal().string();
    if (!fs::exists(rc.hw_file)) run.fail("hw", "hardware file not found: " + rc.hw_file);
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
  if (!fs::exists(rc.model_file)) run.fail("model", "model file not found: " + rc.model_file);

  rc.batch = static_cast<uint64_t>(run.get("batch", integer_in(1, 1 << 20)));
  const std::string dt = run.get("dtype", one_of({"fp32", "fp16", "bf16", "int8"}), "fp16");
  rc.dtype = *workload::parse_dtype(dt);
  if (auto opt = run.opt_map("options")) {
    rc.options.allow_spill = opt->get("allow_spill", boolean(), rc.options.allow_spill);
    rc.options.prefetch_depth = static_cast<uint32_t>(
        opt->get("prefetch_depth", integer_in(1, 64), int64_t{rc.options.prefetch_depth}));
    rc.options.functional = opt->get("functional", boolean(), false);
    rc.options.seed =
        static_cast<uint32_t>(opt->get("seed", integer_in(0, 0xFFFFFFFFll), int64_t{1}));
    rc.options.auto_order =
        opt->get("order", one_of({"auto", "weight_stationary"}), "auto") == "auto";
    rc.options.client_batch = static_cast<uint64_t>(
        opt->get("client_batch", integer_in(0, int64_t{1} << 40), int64_t{0}));
    opt->finish();
  }
  run.finish();
  rc.model = load_model_file(rc.model_file);
  return rc;
}

void emit_dram(YAML::Emitter& out, const DramConfig& d) {
  out << YAML::Key << "dram" << YAML::Value << YAML::BeginMap;
  const char* model = d.model == DramModel::banks   ? "banks"
                      : d.model == DramModel::ideal ? "ideal"
                                                    : "simple";
  out << YAML::Key << "model" << YAML::Value << model << YAML::Key << "channels" << YAML::Value
      << d.channels;
  if (d.model == DramModel::simple)
    out << YAML::Key << "bandwidth" << YAML::Value << exact(d.bandwidth) << YAML::Key << "latency"
        << YAML::Value << exact(d.latency_s);
  if (d.model == DramModel::ideal)
    out << YAML::Key << "bandwidth" << YAML::Value << exact(d.bandwidth);
  if (d.model == DramModel::banks) {
    const auto& t = d.timing;
    out << YAML::Key << "preset" << YAML::Value << t.preset << YAML::Key << "burst_bytes"
        << YAML::Value << t.burst_bytes;
    for (const auto& [key, field] : dram_timing_keys())
      out << YAML::Key << key << YAML::Value << exact(t.*field * 1e-9);
    out << YAML::Key << "banks" << YAML::Value << t.banks << YAML::Key << "bank_groups"
        << YAML::Value << t.bank_groups << YAML::Key << "row_bytes" << YAML::Value << t.row_bytes
        << YAML::Key << "group_interleave_bytes" << YAML::Value << t.group_interleave_bytes
        << YAML::Key << "interleave_bytes" << YAML::Value << t.interleave_bytes << YAML::Key
        << "page_policy" << YAML::Value << (t.open_page ? "open" : "closed") << YAML::Key
        << "queue_depth" << YAML::Value << t.queue_depth << YAML::Key << "hit_cap" << YAML::Value
        << t.hit_cap << YAML::Key << "pj_per_byte" << YAML::Value << exact(t.pj_per_byte)
        << YAML::Key << "activate_pj" << YAML::Value << exact(t.activate_pj);
  }
  out << YAML::EndMap;
}

void emit_hw(YAML::Emitter& out, const HwConfig& hw) {
  const auto& te = hw.tensor_engine;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << hw.name;
  out << YAML::Key << "tensor_engine" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rows" << YAML::Value << te.rows << YAML::Key << "cols" << YAML::Value
      << te.cols << YAML::Key << "clock" << YAML::Value << exact(te.clock_hz);
  out << YAML::Key << "rate" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "fp32"
      << YAML::Value << exact(te.rate.fp32) << YAML::Key << "fp16" << YAML::Value
      << exact(te.rate.fp16) << YAML::Key << "bf16" << YAML::Value << exact(te.rate.bf16)
      << YAML::Key << "int8" << YAML::Value << exact(te.rate.int8) << YAML::EndMap;
  out << YAML::Key << "issue_interval" << YAML::Value << te.issue_interval;
  out << YAML::Key << "weight_preload" << YAML::Value
      << (te.weight_preload == WeightPreload::background ? "background" : "none");
  out << YAML::Key << "preload_speedup" << YAML::Value << exact(te.preload_speedup) << YAML::EndMap;
  out << YAML::Key << "vector_engine" << YAML::Value << YAML::BeginMap << YAML::Key << "clock"
      << YAML::Value << exact(hw.vector_engine.clock_hz) << YAML::Key << "lanes" << YAML::Value
      << hw.vector_engine.lanes;
  out << YAML::Key << "passes" << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [key, field] : vector_pass_keys())
    out << YAML::Key << key << YAML::Value << exact(hw.vector_engine.passes.*field);
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "state_buffer" << YAML::Value << YAML::BeginMap << YAML::Key << "capacity"
      << YAML::Value << hw.state_buffer.capacity << YAML::Key << "partitions" << YAML::Value
      << hw.state_buffer.partitions << YAML::Key << "read_bytes_per_cycle" << YAML::Value
      << exact(hw.state_buffer.read_bytes_per_cycle) << YAML::Key << "write_bytes_per_cycle"
      << YAML::Value << exact(hw.state_buffer.write_bytes_per_cycle);
  if (hw.state_buffer.shared_bytes_per_cycle > 0)
    out << YAML::Key << "shared_bytes_per_cycle" << YAML::Value
        << exact(hw.state_buffer.shared_bytes_per_cycle);
  out << YAML::EndMap;
  out << YAML::Key << "psum" << YAML::Value << YAML::BeginMap << YAML::Key << "capacity"
      << YAML::Value << hw.psum.capacity << YAML::Key << "partitions" << YAML::Value
      << hw.psum.partitions << YAML::Key << "banks" << YAML::Value << hw.psum.banks << YAML::EndMap;
  emit_dram(out, hw.dram);
  out << YAML::Key << "dma" << YAML::Value << YAML::BeginMap << YAML::Key << "queues" << YAML::Value
      << hw.dma.queues << YAML::Key << "queue_bandwidth" << YAML::Value
      << exact(hw.dma.queue_bandwidth) << YAML::EndMap;
  out << YAML::Key << "host" << YAML::Value << YAML::BeginMap << YAML::Key << "overhead"
      << YAML::Value << exact(hw.host.overhead_s) << YAML::Key << "link_bandwidth" << YAML::Value
      << exact(hw.host.link_bandwidth) << YAML::EndMap;
  if (hw.energy.enabled) {
    const auto& e = hw.energy;
    out << YAML::Key << "energy" << YAML::Value << YAML::BeginMap << YAML::Key << "mac_pj"
        << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "fp32" << YAML::Value
        << exact(e.mac_pj.fp32) << YAML::Key << "fp16" << YAML::Value << exact(e.mac_pj.fp16)
        << YAML::Key << "bf16" << YAML::Value << exact(e.mac_pj.bf16) << YAML::Key << "int8"
        << YAML::Value << exact(e.mac_pj.int8) << YAML::EndMap;
    out << YAML::Key << "sbuf_pj_per_byte" << YAML::Value << exact(e.sbuf_pj_per_byte) << YAML::Key
        << "psum_pj_per_byte" << YAML::Value << exact(e.psum_pj_per_byte) << YAML::Key
        << "dram_pj_per_byte" << YAML::Value << exact(e.dram_pj_per_byte) << YAML::Key
        << "vector_pj_per_op" << YAML::Value << exact(e.vector_pj_per_op) << YAML::Key << "static_w"
        << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "tensor_engine"
        << YAML::Value << exact(e.static_tensor_w) << YAML::Key << "vector_engine" << YAML::Value
        << exact(e.static_vector_w) << YAML::Key << "dma" << YAML::Value << exact(e.static_dma_w)
        << YAML::Key << "state_buffer" << YAML::Value << exact(e.static_sbuf_w) << YAML::EndMap
        << YAML::EndMap;
  }
  out << YAML::EndMap;
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
  out << YAML::Key << "options" << YAML::Value << YAML::BeginMap << YAML::Key << "allow_spill"
      << YAML::Value << rc.options.allow_spill << YAML::Key << "prefetch_depth" << YAML::Value
      << rc.options.prefetch_depth << YAML::Key << "client_batch" << YAML::Value
      << rc.options.client_batch << YAML::Key << "order" << YAML::Value
      << (rc.options.auto_order ? "auto" : "weight_stationary") << YAML::Key << "functional"
      << YAML::Value << rc.options.functional << YAML::Key << "seed" << YAML::Value
      << rc.options.seed << YAML::EndMap;
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
