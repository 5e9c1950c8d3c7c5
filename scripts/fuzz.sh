#!/usr/bin/env bash
# The libFuzzer targets of fuzz/ (README: Tests and development), built with clang++-14 into
# build/fuzz/ (ASan + UBSan + libFuzzer; ccache when present; NCORE_FUZZ_BUILD=DIR elsewhere).
#   scripts/fuzz.sh build                   configure and build every target
#   scripts/fuzz.sh run TARGET SECONDS      fuzz one target (fuzz_hw_yaml, ...) from its seeds:
#                                           fuzz/corpus/<format>/ (the target without fuzz_),
#                                           then the shipped files;
#                                           new inputs go to build/fuzz/corpus/<target>/
#   scripts/fuzz.sh replay TARGET           run the target once on each seed (no fuzzing)
# Exit 77 (CTest: skipped) when clang++-14 or its libFuzzer runtime is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
OUT=${NCORE_FUZZ_BUILD:-$SRC/build/fuzz}
CXX=${NCORE_FUZZ_CXX:-clang++-14}
if ! command -v "$CXX" >/dev/null ||
   ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: $CXX or libclang-rt-14-dev missing: skipped"
  exit 77
fi

seeds() {  # the seed folders of a target: its regression corpus first, then shipped files
  local fixed="$SRC/fuzz/corpus/${1#fuzz_}"
  [ -d "$fixed" ] && echo "$fixed"
  case "$1" in
    fuzz_hw_yaml) echo "$SRC/configs/hw" ;;
    fuzz_run_yaml) echo "$SRC/configs/runs" ;;
    fuzz_sweep_yaml) echo "$SRC/configs/sweeps" ;;
    fuzz_model_yaml) echo "$SRC/models" ;;
    fuzz_scalesim_csv) echo "$SRC/tests/data/scalesim" ;;
    fuzz_onnx) ;;
    *) echo "fuzz: unknown target $1" >&2; exit 2 ;;
  esac
}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
case "${1:-}" in
  build)
    cmake -S . -B "$OUT" -DNCORE_FUZZ=ON -DCMAKE_CXX_COMPILER="$CXX" \
          -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
    cmake --build "$OUT" -j "$(nproc)"
    ;;
  run|replay)
    target=${2:?target}
    mapfile -t dirs < <(seeds "$target")
    export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
    if [ "$1" = replay ]; then
      files=()
      for d in "${dirs[@]}"; do files+=("$d"/*); done
      exec "$OUT/fuzz/$target" -runs=0 "${files[@]}"
    fi
    work="$OUT/corpus/$target"
    mkdir -p "$work" "$OUT/findings"
    exec "$OUT/fuzz/$target" -max_total_time="${3:?seconds}" -timeout=10 -rss_limit_mb=2048 \
         -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/findings/$target-" \
         "$work" "${dirs[@]}"
    ;;
  *)
    sed -n '2,10p' "$0"
    exit 2
    ;;
esac
