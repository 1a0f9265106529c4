#!/bin/sh
# Runs the given targets (default: all) for SECS seconds each (default 600), one after the
# other, gently (nice 19, one job): the machine is shared. Logs go to fuzz/logs/<target>.log.
set -u
cd "$(dirname "$0")"
secs=${SECS:-600}
mkdir -p logs
for t in ${*:-read placeholders glossary config roundtrip}; do
  features=""
  case $t in roundtrip|glossary|config) features="--features pipeline" ;; esac
  mkdir -p "corpus/$t"
  nice -n 19 cargo +nightly fuzz run -s none $features "$t" "corpus/$t" -- \
    -jobs=1 -workers=1 -max_total_time="$secs" -rss_limit_mb=1024 -timeout=20 \
    -print_final_stats=1 > "logs/$t.log" 2>&1
  echo "$t: exit $?" >> logs/summary.txt
  # -jobs=1 runs the fuzzer in a worker whose output goes to fuzz-0.log.
  [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$t-worker.log"
done
