#!/usr/bin/env bash
# The README's second test command (CI runs it after scripts/test.sh): the cluster test on a real
# Slurm (scripts/test_cluster.sh, which installs slurm-wlm when it is missing), then the test
# suite built with ASan + UBSan (scripts/test_sanitizers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test_cluster.sh
scripts/test_sanitizers.sh
