// The key tables of the hardware sections and the run options (key_table.h), and the README's
// config reference made from them (`ncoresim keys`; a test checks that the README holds it).
#pragma once
#include <string>

#include "config/hw_config.h"
#include "config/key_table.h"
#include "config/run_config.h"

namespace ncore::config {

const KeyTable<TensorEngineConfig>& tensor_engine_keys();
const KeyTable<VectorEngineConfig>& vector_engine_keys();
const KeyTable<ScalarEngineConfig>& scalar_engine_keys();
const KeyTable<GpSimdEngineConfig>& gpsimd_engine_keys();
const KeyTable<StateBufferConfig>& state_buffer_keys();
const KeyTable<PsumConfig>& psum_keys();
const KeyTable<DramConfig>& dram_keys();
const KeyTable<DramTimingConfig>& dram_timing_keys_table();  // dram.* with model: banks
const KeyTable<DmaConfig>& dma_keys();
const KeyTable<HostConfig>& host_keys();
const KeyTable<EnergyConfig>& energy_keys();
const KeyTable<ChipConfig>& chip_keys();       // chip.* but chip.dram
const KeyTable<Options>& options_keys();
const KeyTable<Deployment>& deployment_keys();

// Markdown tables (`| key | value | meaning | default |`): "hw" for the hardware file, "options"
// for a run's options and deployment.
std::string config_reference(const std::string& which);

}  // namespace ncore::config
