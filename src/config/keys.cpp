// The README's config reference, made from the key tables (see keys.h).
#include "config/keys.h"

#include "config/dram_presets/registry.h"

namespace ncore::config {

std::string config_reference(const std::string& which) {
  std::string md = "| key | value | meaning | default |\n|---|---|---|---|\n";
  if (which == "options")
    return md + options_keys().markdown("options.") + deployment_keys().markdown("deployment.");
  md += "| `name` | text | the name outputs use | the file name |\n";
  md +=
      "| `engines` | list of `tensor`, `vector`, `scalar`, `gpsimd` | the compute engines, "
      "each with its own queue, clock and trace track; `tensor` and `vector` always; with "
      "`scalar`, PSUM evictions (bias and activation fused) run there; the section of an engine "
      "not listed is checked, then ignored | `[tensor, vector]` |\n";
  md += tensor_engine_keys().markdown("tensor_engine.");
  md += vector_engine_keys().markdown("vector_engine.");
  md += scalar_engine_keys().markdown("scalar_engine.");
  md += gpsimd_engine_keys().markdown("gpsimd_engine.");
  md += state_buffer_keys().markdown("state_buffer.");
  md += psum_keys().markdown("psum.");
  md += dram_keys().markdown("dram.");
  std::string presets;
  for (const auto& n : DramPresetRegistry::instance().names())
    presets += (presets.empty() ? "`" : ", `") + n + "`";
  md += "| `dram.preset` | " + presets +
        " | with `model: banks`: a DRAM standard's timing, geometry and energy (one channel), "
        "which the `dram.*` keys below override key by key (`banks` only) | required with "
        "`banks` |\n";
  md += dram_timing_keys_table().markdown("dram.");
  md += dma_keys().markdown("dma.");
  md += host_keys().markdown("host.");
  md += energy_keys().markdown("energy.");
  md += chip_keys().markdown("chip.");
  md += dram_keys().markdown("chip.dram.");
  md +=
      "| `chip.dram.preset` and the `banks` keys | as under `dram` | with `model: banks`: the "
      "chip's DRAM standard, read as the core's `dram` is | required with `banks` |\n";
  return md;
}

}  // namespace ncore::config
