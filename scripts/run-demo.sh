#!/usr/bin/env bash
# `make run`: starts the d.3 fake (so that the demo profile "d3" has a DMS to
# deliver to and a Rechnungsworkflow to start) and then eingang serve on the
# embedded demo configuration. Ctrl-C stops both.
set -euo pipefail
bin=${1:-bin/eingang}
d3addr=${EINGANG_DEMO_D3_ADDR:-127.0.0.1:8093}
export EINGANG_D3_API_KEY="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export EINGANG_TARGETS_D3_OPTIONS_BASE_URL="http://$d3addr"
mkdir -p var
"$bin" dms-sim d3 --addr "$d3addr" --api-key "$EINGANG_D3_API_KEY" > var/d3-sim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "listening" var/d3-sim.log 2>/dev/null && break
  kill -0 $sim 2>/dev/null || { echo "d.3 fake did not start:"; cat var/d3-sim.log; exit 1; }
  sleep 0.1
done
echo "d.3 fake (dms-sim) at http://$d3addr — log in var/d3-sim.log"
"$bin" serve --config config/demo.yaml
