#!/bin/bash
# The browser suite, repeatedly, on PostgreSQL with the browser required; run 3 under CPU load.
cd "$(dirname "$0")/.."
for i in $(seq 1 10); do
  [ -f /tmp/browser-loop.stop ] && break
  if [ "$i" = 3 ]; then timeout 400 yes > /dev/null & timeout 400 yes > /dev/null & fi
  line=$(DATABASE_URL=postgres://postgres@127.0.0.1:5432/${LOOP_DB:-clinic_loop} REQUIRE_BROWSER=1 VNU_JAR=$PWD/.tools/node_modules/vnu-jar/build/dist/vnu.jar timeout 1500 .venv/bin/pytest -q tests/e2e -p no:cacheprovider 2>&1 | tail -1)
  echo "run $i $(date +%H:%M:%S) $line" >> "${LOG:-/tmp/browser-loop.log}"
done
