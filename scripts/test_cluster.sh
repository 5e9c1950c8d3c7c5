#!/usr/bin/env bash
# README's cluster test command (for CI): installs Debian's slurm-wlm when it is missing (as
# root, or with sudo), builds, and runs CTest's `slurm_sweep` verbosely: a real slurmctld and
# slurmd started on localhost from the test's own slurm.conf (tests/cluster/test_slurm_sweep.sh),
# a 3-shard sweep submitted with scripts/slurm_sweep.sh, and the merged tables compared byte for
# byte with a local run's. The test skips only when not root (slurmd must run the jobs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! dpkg-query -W -f='${Status}' slurm-wlm 2>/dev/null | grep -q "install ok installed"; then
  echo "test_cluster: installing slurm-wlm"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends slurm-wlm
fi
scripts/build.sh
cd build
ctest -R '^slurm_sweep$' --verbose --timeout 600
