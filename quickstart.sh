#!/usr/bin/env bash
# wmsearch quick start.
#   ./quickstart.sh         install what is missing (Debian 12), build, index the
#                           bundled sample into the default index, run one search
#   ./quickstart.sh check   the same set-up, then every test: a normal build and an
#                           AddressSanitizer+UndefinedBehaviorSanitizer build, and
#                           each libFuzzer target for 30 s; ends with
#                           "N passed, N failed"
#   ./quickstart.sh bench   the same set-up plus the benchmark's peers, then bench/run
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
mode=${1:-run}
case "$mode" in
  run|check|bench) ;;
  *) echo "usage: $0 [check|bench]" >&2; exit 2 ;;
esac

packages=(build-essential autoconf automake pkg-config libxapian-dev zlib1g-dev libbz2-dev
          libexpat1-dev libjansson-dev libcmark-dev libxml2-dev libicu-dev libjemalloc-dev libcmocka-dev
          liblingua-stopwords-perl python3 gzip
          bzip2 xz-utils xapian-tools)
[ "$mode" = check ] && packages+=(time valgrind)
[ "$mode" = bench ] && packages+=(xapian-omega time)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Build in builddir with the extra configure arguments given.
build() {
  local builddir=$1; shift
  if ! { [ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ]; }; then
    local log
    log=$(./autogen.sh 2>&1) || { printf '%s\n' "$log" >&2; echo "quickstart: ./autogen.sh failed" >&2; exit 1; }
  fi
  mkdir -p "$builddir"
  (cd "$builddir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } && make -s -j"$(nproc)" >/dev/null)
}

# Run the whole suite in builddir; never stop the script on failure.
run_tests() {
  local builddir=$1
  find "$builddir" -name '*.trs' -delete 2>/dev/null || true
  (cd "$builddir" && make -s -j"$(nproc)" check >"$builddir/check-output.txt" 2>&1) || {
    echo "== failures in $builddir:"
    grep -E '^(FAIL|ERROR|XPASS)' "$builddir/check-output.txt" || tail -n 40 "$builddir/check-output.txt"
  }
}

count() { # count RESULT in all .trs files of the build dirs
  cat $(find "$top/_build" "$top/_build-sanitize" -name '*.trs' 2>/dev/null) /dev/null |
    grep -c "^:test-result: $1" || true
}

install_missing
echo "== building"
build "$top/_build"

case "$mode" in
run)
  echo "== indexing the bundled sample archive"
  "$top/_build/wmindex"
  echo "== wmquery libraries"
  "$top/_build/wmquery" --limit 3 libraries
  ;;
check)
  echo "== running the tests"
  run_tests "$top/_build"
  echo "== building with AddressSanitizer and UndefinedBehaviorSanitizer"
  build "$top/_build-sanitize" --enable-sanitizers
  echo "== running the tests under the sanitizers"
  run_tests "$top/_build-sanitize"
  # Each fuzz target (make fuzz) writes a .trs that count() reads: a clean
  # run is one passed case, a crash one failed case.
  fuzz_seconds=${FUZZ_SECONDS:-30}
  echo "== fuzzing each parser for $fuzz_seconds s"
  packages=(clang libclang-rt-14-dev)
  install_missing
  fuzzdir=$top/_build-sanitize
  # A build dir configured before clang was installed has no FUZZ_CC yet.
  grep -q '^FUZZ_CC = .' "$fuzzdir/Makefile" ||
    (cd "$fuzzdir" && ./config.status --recheck >/dev/null && ./config.status >/dev/null) || true
  if ! (cd "$fuzzdir" && make -s fuzz FUZZ_SECONDS="$fuzz_seconds"); then
    # A build failure leaves no result behind: count it as one failed case.
    mkdir -p "$fuzzdir/tests/fuzz"
    grep -qs '^:test-result: FAIL' "$fuzzdir"/tests/fuzz/*.trs ||
      echo ':test-result: FAIL' >"$fuzzdir/tests/fuzz/fuzz-build.trs"
  fi
  passed=$(( $(count PASS) + $(count XFAIL) ))
  failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
  skipped=$(count SKIP)
  if [ "$passed" -eq 0 ]; then
    echo "no test ran" >&2
    failed=$((failed + 1))
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  ;;
bench)
  exec "$top/bench/run" "${@:2}"
  ;;
esac
