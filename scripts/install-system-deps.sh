#!/usr/bin/env bash
# The one place for system packages: what the tests and tools use beyond a new machine of the
# project's kind (Debian 12 with Node, npm, python3 and a C++ toolchain). Each is installed only when
# missing, so the script is quick on a machine that has them. The app itself needs none of them:
# its fonts ship with it (resources/fonts, npm packages) and nothing downloads a browser.
#
#   chromium       the UI's end-to-end tests and the dashboard benchmark drive Debian's Chromium
#                  with playwright-core (/usr/bin/chromium)
#   poppler-utils  pdffonts and pdftoppm: the export tests check that every PDF font is embedded
#   python3        the export tests read exported CSVs and parse the generated matplotlib scripts
#   util-linux     unshare and mount: the font test hides /usr/share/fonts from an export process
#   fonts-dejavu-core  a font for Chromium's own text in e2e screenshots
#   slurm-wlm munge    the cluster test runs a real single-node Slurm (slurmctld, slurmd, munged)
#                      on 127.0.0.1 and sweeps through sbatch, squeue, scancel
#   pyarrow, polars    (pip, tests only) independent readers of the Parquet data export
#   matplotlib         (pip, tests only) runs the exported matplotlib scripts
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v slurmctld >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-system-deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Tests only: independent readers of the Parquet export, and matplotlib to run the exported scripts
# (python3 is pyenv's on this kind of machine, so its own pip, from the local wheel index).
python3 -c "import pyarrow, polars, matplotlib" 2>/dev/null || python3 -m pip install -q pyarrow==25.0.1 polars==1.44.2 matplotlib==3.11.2
