#!/usr/bin/env bash
# wmsearch quick start.
#   ./quickstart.sh         install what is missing (Debian 12), build, index the
#                           bundled sample into the default index, run one search
#   ./quickstart.sh check   the same set-up, then every test: a normal build and an
#                           AddressSanitizer+UndefinedBehaviorSanitizer build, and
#                           each libFuzzer target for 30 s; then `make distcheck`
#                           and the Debian package (`make deb`: dpkg-buildpackage
#                           with its tests, lintian, the unpacked package run);
#                           ends with "N passed, N failed, N skipped"
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
# check: GNU time and valgrind for the tests, debhelper and lintian for the package
[ "$mode" = check ] && packages+=(time valgrind debhelper lintian)
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

# Run one step (a make target in _build) whose own tests are not counted
# one by one: its result is one test point, _build/NAME.trs.
step() {
  local name=$1; shift
  local log="$top/_build/$name-output.txt"
  if (cd "$top/_build" && "$@" >"$log" 2>&1); then
    echo ':test-result: PASS' >"$top/_build/$name.trs"
  else
    echo ':test-result: FAIL' >"$top/_build/$name.trs"
    echo "== $name failed ($log):"
    { grep -E '^(FAIL|ERROR|XPASS):' "$log" || tail -n 40 "$log"; } | head -n 40
  fi
  # each suite run inside (distcheck's, the package build's) on one line, for the record
  awk '/^# TOTAL:/ { line = "   " $0 } /^# (PASS|SKIP|FAIL|ERROR):/ { line = line " " $0 }
       /^# ERROR:/ { print line }' "$log"
}

count() { # count RESULT in the .trs files of the build dirs (not the copies inside deb/ and distcheck's)
  cat $(find "$top/_build" "$top/_build-sanitize" \( -path "$top/_build/deb" -o -path "$top/_build/wmsearch-*" \) -prune \
          -o -name '*.trs' -print 2>/dev/null) /dev/null |
    grep -c "^:test-result: $1" || true
}

started=$SECONDS
since() { echo "($((SECONDS - started)) s so far)"; }

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
  echo "== running the tests $(since)"
  run_tests "$top/_build"
  echo "== building with AddressSanitizer and UndefinedBehaviorSanitizer $(since)"
  build "$top/_build-sanitize" --enable-sanitizers
  echo "== running the tests under the sanitizers $(since)"
  run_tests "$top/_build-sanitize"
  # Each fuzz target (make fuzz) writes a .trs that count() reads: a clean
  # run is one passed case, a crash one failed case.
  fuzz_seconds=${FUZZ_SECONDS:-30}
  echo "== fuzzing each parser for $fuzz_seconds s $(since)"
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
  echo "== make distcheck: the tarball builds and passes its tests unpacked elsewhere $(since)"
  rm -f "$top/_build/distcheck.trs" "$top/_build/deb.trs"
  step distcheck make -s -j"$(nproc)" distcheck
  echo "== make deb: the Debian package, built with its tests, lintian, then unpacked and run $(since)"
  step deb make -s deb
  [ -s "$top/_build/deb/lintian.txt" ] && { echo "   lintian:"; sed 's/^/     /' "$top/_build/deb/lintian.txt"; }
  echo "== done $(since)"
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
