#!/usr/bin/env bash
# Install the Debian packages pgml_worker needs to build, run, test and
# benchmark, if any is missing.  Needs root (or sudo).  git: the upgrade
# test (081) builds release 0.1.0 from the repository's history.
set -euo pipefail
pkgs=(postgresql-15 postgresql-server-dev-15 libxgboost-dev libopenblas-dev
      liblapacke-dev libmsgpack-dev libipc-run-perl pkg-config make gcc git
      python3-sklearn python3-xgboost python3-numpy postgresql-plpython3-15)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
