#!/usr/bin/env bash
# Checks every translation unit of the project (libraries, services, the
# C++ SDK, pactctl, tests, benchmarks, fuzz targets) with clang's
# -Wthread-safety (ABSL_GUARDED_BY and the lock annotations) and for
# dropped [[nodiscard]] results, both errors in preset "thread-safety".
#
# Cheap by design: it compiles nothing and links nothing. It configures the
# preset (which writes compile_commands.json), runs only the code
# generators (target pactlog_generated: the Protobuf and gRPC sources the
# project's files include), then runs each project file's compile command
# with -fsyntax-only. The thread-safety analysis and the unused-result
# check are part of clang's semantic analysis, so they report there just as
# in a full build. At most 2 compilers run at once.
#
#   deploy/thread_safety.sh          every project file (what deploy/test.sh
#                                    runs)
#   deploy/thread_safety.sh REGEX    only the files whose path in the tree
#                                    matches REGEX (Python syntax), e.g.
#                                    '^storage/' while fixing storage/
#
# Exits non-zero if any file has an error; prints each file's diagnostics
# and a summary. $PACTLOG_THREAD_SAFETY_BUILD_DIR overrides the build tree
# (default build/thread-safety).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PACTLOG_THREAD_SAFETY_BUILD_DIR:-$root/build/thread-safety}"
jobs=2
filter="${1:-}"

if ! command -v clang++ >/dev/null; then
  echo "thread-safety: clang++ is missing (Debian package clang)" >&2
  exit 1
fi

start=$(date +%s)
cmake --preset thread-safety -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target pactlog_generated >/dev/null

# One shell command per project file (not the generated ones, which live in
# the build tree), NUL-separated for xargs.
commands="$build/thread-safety-commands"
python3 - "$build/compile_commands.json" "$root" "$build" "$filter" \
    >"$commands" <<'EOF'
import json, re, shlex, sys
entries, root, build, only = sys.argv[1:]
root, build = root + "/", build + "/"
for entry in json.load(open(entries)):
    path = entry["file"]
    if not path.startswith(root) or path.startswith(build):
        continue
    if only and not re.search(only, path[len(root):]):
        continue
    sys.stdout.write("cd %s && %s -fsyntax-only\0"
                     % (shlex.quote(entry["directory"]), entry["command"]))
EOF
count=$(tr -cd '\0' <"$commands" | wc -c)
if [ "$count" -eq 0 ]; then
  echo "thread-safety: no project file matches ${filter:-(all)}" >&2
  exit 2
fi
echo "thread-safety: checking $count files with clang -fsyntax-only" \
  "($jobs at a time)"

# Each file's diagnostics are printed in one piece when its check ends.
log="$build/thread-safety.log"
status=0
xargs -0 -r -n 1 -P "$jobs" sh -c \
  'out=$(sh -c "$1" 2>&1); rc=$?; [ -z "$out" ] || printf "%s\n" "$out"; exit $rc' \
  check <"$commands" >"$log" 2>&1 || status=$?
cat "$log"

errors=$(grep -c ': error: ' "$log" || true)
warnings=$(grep -c ': warning: ' "$log" || true)
echo "thread-safety: $count files, $errors errors, $warnings other warnings," \
  "$(($(date +%s) - start))s"
if [ "$status" -ne 0 ] || [ "$errors" -ne 0 ]; then
  echo "thread-safety: FAILED" >&2
  exit 1
fi
