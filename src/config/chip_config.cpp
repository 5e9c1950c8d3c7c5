// The hardware file's `chip` block (issue 15): the cores of one chip, the DRAM behind their one
// controller (read by the core's `dram` reader: every model and preset), the core-to-core and
// chip-to-chip links and the chip's host link. Read and written here; in `single` mode nothing
// else reads it (hw_config.h). No cross-check against the core's own `dram` or `host`: those are
// a core's share, which sweeps vary freely.
#include "config/hw_loader.h"

namespace ncore::config {
namespace {

template <class S>
void link_keys(KeyTable<S>& t, const std::string& group, LinkConfig S::*link,
               const std::string& what) {
  t.number(
       group + ".bandwidth", [link](S& s) -> double& { return (s.*link).bandwidth; }, rate(),
       Need::required, what + ": the bandwidth one transfer gets")
      .number(
          group + ".latency", [link](S& s) -> double& { return (s.*link).latency_s; }, time_s(),
          Need::optional, what + ": latency of a transfer, before its first byte");
}

}  // namespace

const KeyTable<ChipConfig>& chip_keys() {
  using S = ChipConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.integer("cores", &S::cores, 1, 1024, Need::required,
              "NeuronCores on one chip, each with this file's core sections");
    link_keys(k, "link", &S::link, "core to core on the chip");
    link_keys(k, "chip_link", &S::chip_link, "chip to chip (NeuronLink), to a neighbouring chip");
    k.number(
         "host.link_bandwidth", [](S& s) -> double& { return s.host_link_bandwidth; }, rate(),
         Need::optional, "host↔chip link for inputs and outputs, shared by the chip's cores")
        .fallback_text("`chip.cores` × `host.link_bandwidth`");
    return k;
  }();
  return t;
}

ChipConfig read_chip(MapReader r, const HostConfig& host) {
  ChipConfig c;
  chip_keys().read(r, c);
  c.dram = read_dram(r.map("dram"));
  r.finish();
  if (c.host_link_bandwidth == 0) c.host_link_bandwidth = c.cores * host.link_bandwidth;
  return c;
}

void emit_chip(YAML::Emitter& out, const ChipConfig& chip) {
  out << YAML::Key << "chip" << YAML::Value << YAML::BeginMap;
  chip_keys().write(out, chip);
  out << YAML::Key << "dram" << YAML::Value << YAML::BeginMap;
  write_dram(out, chip.dram);
  out << YAML::EndMap << YAML::EndMap;
}

}  // namespace ncore::config
