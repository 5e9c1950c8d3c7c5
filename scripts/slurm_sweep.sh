#!/usr/bin/env bash
# Runs a sweep on a Slurm cluster: one array job whose task i runs `ncoresim sweep --shard i/N`
# into OUT/shard-i, and a merge job that waits for every task (afterok) and joins them into
# OUT/sweep.csv and OUT/best.csv (README "Running on a cluster"). Slurm's own sbatch does the
# scheduling; this script only writes the two batch scripts and submits them.
#
#   scripts/slurm_sweep.sh SWEEP.yaml --shards N [-o OUT] [--set k=v]... [--resume] [--trace]
#                          [sbatch options...]
#
# OUT defaults to traces/<sweep name>; task logs go to OUT/logs/. Each task simulates
# $SLURM_CPUS_PER_TASK points at once (pass --cpus-per-task to sbatch; 1 otherwise). Any other
# argument is an sbatch option given to both jobs (--partition=..., --time=..., --account=...);
# they come after this script's own, so they win. The binary is $NCORESIM, else build/ncoresim;
# it and every path must be visible from the compute nodes (a shared filesystem). Prints the two
# job ids. The merge job is submitted with --kill-on-invalid-dep=yes: should a task fail, it is
# cancelled rather than left pending; rerun with --resume to redo only the unfinished points.
set -euo pipefail

usage() {
  echo "usage: $0 SWEEP.yaml --shards N [-o OUT] [--set k=v]... [--resume] [--trace] [sbatch options...]" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
sweep=$1
shift
[[ -f $sweep ]] || { echo "$0: $sweep: no such sweep file" >&2; exit 2; }
shards="" out="" sweep_args=() sbatch_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --shards) [[ $# -ge 2 ]] || usage; shards=$2; shift 2 ;;
    --shards=*) shards=${1#--shards=}; shift ;;
    -o | --out) [[ $# -ge 2 ]] || usage; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --set) [[ $# -ge 2 ]] || usage; sweep_args+=(--set "$2"); shift 2 ;;
    --set=*) sweep_args+=(--set "${1#--set=}"); shift ;;
    --resume | --trace) sweep_args+=("$1"); shift ;;
    *) sbatch_args+=("$1"); shift ;;
  esac
done
if ! [[ $shards =~ ^[1-9][0-9]{0,5}$ ]]; then
  echo "$0: --shards ${shards:-(missing)}: expected a whole number from 1" >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
ncoresim=$(realpath "${NCORESIM:-$root/build/ncoresim}")
[[ -x $ncoresim ]] || { echo "$0: $ncoresim: not built (scripts/build.sh)" >&2; exit 2; }
sweep=$(realpath "$sweep")
name=$(basename "$sweep" .yaml)
out=$(realpath -m "${out:-$root/traces/$name}")
mkdir -p "$out/logs"

# Each argument quoted for bash, followed by a space (nothing for none).
quote_all() {
  local a
  for a in "$@"; do printf '%q ' "$a"; done
}

# The shard folders, listed (not globbed: a shard-K left by an earlier run with more shards
# would be a point present twice).
dirs=()
for ((i = 1; i <= shards; i++)); do dirs+=("$out/shard-$i"); done

# Task i of the array: shard i/N. Paths are quoted for bash with printf %q.
array_job=$(sbatch --parsable --array="1-$shards" --job-name="ncoresim-$name" \
  --output="$out/logs/shard-%a.out" "${sbatch_args[@]}" <<EOF
#!/usr/bin/env bash
i=\$SLURM_ARRAY_TASK_ID
exec $(printf '%q' "$ncoresim") sweep $(printf '%q' "$sweep") --shard "\$i/$shards" \\
  -o $(printf '%q' "$out")/shard-"\$i" --jobs "\${SLURM_CPUS_PER_TASK:-1}" $(quote_all "${sweep_args[@]}")
EOF
)
array_job=${array_job%%;*}  # --parsable prints "id" or "id;cluster"

merge_job=$(sbatch --parsable --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  --job-name="ncoresim-$name-merge" --output="$out/logs/merge.out" "${sbatch_args[@]}" <<EOF
#!/usr/bin/env bash
exec $(printf '%q' "$ncoresim") merge $(quote_all "${dirs[@]}")-o $(printf '%q' "$out")
EOF
)
merge_job=${merge_job%%;*}

echo "array job $array_job: shards 1..$shards of $sweep into $out/shard-1 .. shard-$shards"
echo "merge job $merge_job (afterok:$array_job): $out/sweep.csv"
