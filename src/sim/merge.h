// `ncoresim merge DIR... -o OUT`: joins the folders of a sweep's shards (`sweep --shard i/N`,
// any N, each folder a finished sweep folder with its manifest.json and sweep.csv) into
// OUT/sweep.csv and, when the sweep has an slo, OUT/best.csv, byte-identical to the tables a
// single unsharded run writes: the rows in the sweep's order, the axis values from the shards'
// sweep.csv, each point's results from its summary.json. The point folders stay in the shard
// folders (copying them would double the disk a large sweep uses, and a link would break the
// relative model path in a point's config.yaml); each shard's manifest.json lists its points.
#pragma once
#include <string>
#include <vector>

namespace ncore::sim {

// Returns 0, or 1 when a point failed in its shard (its row empty, as in the sweep's table: the
// sweep's own exit code). Throws config::ConfigError (exit 2) when a folder is not a finished
// sweep folder, the folders hold shards of different sweeps (their manifests' config_hash,
// version, axes or point count differ), a point of the sweep is in no folder or in two, or OUT
// is itself a sweep folder; report::OutputError (exit 4) when OUT's files cannot be written or
// a folder is in use by a running sweep.
int merge_shards(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace ncore::sim
