#!/bin/sh
# Run each libFuzzer target for a while (called by `make fuzz`).
#   run.sh SRCDIR FUZZDIR SECONDS TARGET...
# FUZZDIR is the build's tests/fuzz: it holds the targets, the seed corpora
# made from the fixtures (fixture-seeds/), the corpus each target grows and keeps
# between runs (corpus/), crash inputs (artifacts/), and per target a .log
# (libFuzzer's output) and a .trs with one ":test-result:" line, PASS for a
# clean run and FAIL for a crash, leak, timeout or out-of-memory, in the
# format of automake's test results.  Exit status 1 when any target failed.
set -u
srcdir=$1 fuzzdir=$2 seconds=$3
shift 3

# Longest input per target: past the 64 KiB input window and expat chunk
# for the file readers (stream, dump, schedule); a long page for the
# wikitext tools and the extractor.
max_len() {
  case $1 in
    fuzz_stream|fuzz_dump|fuzz_schedule) echo 131072 ;;
    *) echo 65536 ;;
  esac
}

mkdir -p "$fuzzdir/artifacts" || exit 1
failed=0
for target in "$@"; do
  mkdir -p "$fuzzdir/corpus/$target"
  # The loop's word list is already expanded: "$@" is free for the arguments.
  set -- "$fuzzdir/corpus/$target" "$fuzzdir/fixture-seeds/$target"
  [ -d "$srcdir/tests/fuzz/seeds/$target" ] && set -- "$@" "$srcdir/tests/fuzz/seeds/$target"
  # A dictionary of the tokens the parser looks for, when there is one.
  dict=$srcdir/tests/fuzz/$target.dict
  [ -f "$dict" ] && set -- -dict="$dict" "$@"
  log=$fuzzdir/$target.log
  "$fuzzdir/$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$fuzzdir/artifacts/$target-" "$@" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    result=PASS
    echo "PASS: $target ($seconds s, ${runs:-?} runs, corpus $(ls "$fuzzdir/corpus/$target" | wc -l) inputs)"
  else
    result=FAIL
    failed=1
    # printf, not echo: dash's echo would expand the "\n" of a failed check.
    printf 'FAIL: %s (exit %s): %s\n' "$target" "$status" \
      "$(grep -m 1 -E '^(SUMMARY|==[0-9]+==ERROR)|check failed' "$log")"
    printf '      log: %s; input: %s\n' "$log" "$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)"
  fi
  printf ':test-result: %s\n:global-test-result: %s\n:recheck: %s\n:copy-in-global-log: %s\n' \
    "$result" "$result" "$([ $result = PASS ] && echo no || echo yes)" \
    "$([ $result = PASS ] && echo no || echo yes)" >"$fuzzdir/$target.trs"
done
exit "$failed"
