#!/usr/bin/env bash
# Builds @pactlog/client and runs its tests against a real pactlogd:
# $PACTLOGD, default build/release/services/pactlogd.
#   1. npm ci, then npm pack: its prepack cleans and builds (protoc +
#      ts-proto, tsc), and the tarball is checked to hold the compiled code,
#      its .d.ts and the generated messages, and no tests;
#   2. the suite (node --test) against pactlogd;
#   3. the install test: in a scratch directory outside the repository, a
#      fresh npm project installs the tarball (its dependencies come from the
#      npm registry), type-checks a program against the shipped types with
#      tsc, and runs it against a pactlogd of its own: it appends an event
#      and reads it back. The README's five lines run there too, with the
#      README's own commands.
# Extra arguments are test files for node --test (e.g. build/test/stream.test.js);
# with them, only the suite runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PACTLOGD="${PACTLOGD:-$repo/build/release/services/pactlogd}"

log() { printf '[sdk/typescript] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$PACTLOGD" ] || die "no pactlogd at $PACTLOGD: build it (cmake --build build/release --target pactlogd) or set PACTLOGD"
command -v protoc >/dev/null || die "protoc not found: apt-get install protobuf-compiler"
source "$repo/deploy/lib/common.sh"
pactlog_ensure_node || die "Node.js 18+ with npm is needed (see debian-packages.txt)"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/pactlog-ts-install.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

cd "$here"
log "node $(node --version), npm $(npm --version), $(protoc --version)"
# No dependency needs an install script (protobufjs only prints a notice).
npm ci --no-audit --no-fund --ignore-scripts

log "npm pack (prepack: clean and build)"
tarball_name="$(npm pack --pack-destination "$scratch" | tail -n 1)"
tarball="$scratch/$tarball_name"
[ -f "$tarball" ] || die "npm pack wrote no $tarball_name"
tar -tzf "$tarball" | sort > "$scratch/contents.txt"
for f in package/package.json package/README.md package/LICENSE \
         package/dist/index.js package/dist/index.d.ts \
         package/dist/client.js package/dist/client.d.ts \
         package/dist/gen/pactlog/v1/events.js package/dist/gen/pactlog/v1/events.d.ts \
         package/dist/gen/pactlog/v1/ledger.d.ts package/dist/gen/google/rpc/status.js; do
  grep -qxF "$f" "$scratch/contents.txt" || die "$tarball_name lacks $f"
done
if grep -E '^package/(test|build|bench|examples|node_modules|scripts)/|\.test\.' "$scratch/contents.txt"; then
  die "$tarball_name holds the files above, which are not part of the package"
fi
log "$tarball_name: $(wc -l < "$scratch/contents.txt") files"

npm run build:test
log "running the tests against $PACTLOGD"
if [ "$#" -gt 0 ]; then
  node --test --test-reporter=spec "$@"
  exit 0
fi
node --test --test-reporter=spec build/test/*.test.js

log "install test in a scratch project"
app="$scratch/app"
mkdir -p "$app"
ts_version="$(node -p 'require("./node_modules/typescript/package.json").version')"
types_version="$(node -p 'require("./node_modules/@types/node/package.json").version')"
(
  cd "$app"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --loglevel=error "$tarball"
  npm install --no-audit --no-fund --loglevel=error --save-dev "typescript@$ts_version" "@types/node@$types_version"
)
[ -d "$app/node_modules/@pactlog/client/dist" ] || die "the tarball did not install into node_modules/@pactlog/client"
[ ! -L "$app/node_modules/@pactlog/client" ] || die "node_modules/@pactlog/client is a link, not an installed copy"

cat > "$app/check.mts" <<'EOF'
// Appends an event through the installed package and reads it back; the
// types come from the package's .d.ts (tsc --strict checks this file).
import {
  AppendResult,
  Firmness,
  PactlogClient,
  PactlogError,
  Status,
  announceDeal,
  usd,
} from "@pactlog/client";

const client = new PactlogClient(); // $PACTLOG_ADDRESS
try {
  await client.waitUntilServing({ timeoutMs: 30_000 });
  const event = announceDeal({
    title: "install test",
    investorCountry: "JP",
    hostCountry: "US",
    ceiling: usd("1000.50"),
    source: "install test",
  });
  // @ts-expect-error: the shipped types know a deal needs its countries.
  announceDeal({ title: "no countries", ceiling: usd(1), source: "x" });
  const r: AppendResult = await client.append("install-test", [event], { expectedVersion: "no-deal" });
  const page = await client.read({ filter: { dealIds: ["install-test"] }, limit: 1 });
  const got = page.events[0];
  if (!got || got.sequence !== r.lastSequence || got.data?.eventId !== r.eventIds[0]) {
    throw new Error(`read back ${JSON.stringify(got?.data?.eventId)} at ${got?.sequence}, appended ${r.eventIds[0]} at ${r.lastSequence}`);
  }
  if (got.data?.provenance?.firmness !== Firmness.FIRMNESS_REPORTED) throw new Error("firmness is not the default");
  const { deal } = await client.getDeal("install-test", { atLeastSequence: r.lastSequence });
  try {
    await client.append("install-test", [event], { expectedVersion: 0 });
    throw new Error("a stale expected version was accepted");
  } catch (e) {
    if (!(e instanceof PactlogError) || e.code !== Status.ABORTED) throw e;
  }
  console.log(`ok ${got.sequence} ${deal.title} ${got.actor}`);
} finally {
  client.close();
}
EOF
# The README's five lines, built and run with the README's commands.
awk '/^## Five lines/ {s=1} s && /^```ts$/ {i=1; next} i && /^```$/ {exit} i {print}' README.md > "$app/example.mts"
awk '/^## Five lines/ {s=1} s && /^```sh$/ {i=1; next} i && /^```$/ {exit} i {print}' README.md > "$app/readme-commands.sh"
[ -s "$app/example.mts" ] || die "no \`\`\`ts block under '## Five lines' in README.md"
[ -s "$app/readme-commands.sh" ] || die "no \`\`\`sh block under '## Five lines' in README.md"

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
"$PACTLOGD" --listen "127.0.0.1:$port" --data-dir "$scratch/data" > "$scratch/pactlogd.log" 2>&1 &
server_pid=$!
export PACTLOG_ADDRESS="127.0.0.1:$port" PACTLOG_ACTOR="install-test"

(
  cd "$app"
  npx --no-install tsc --strict --noEmitOnError --module nodenext --target es2022 --types node check.mts
  out="$(node check.mjs)" || { cat "$scratch/pactlogd.log" >&2; exit 1; }
  case "$out" in
    "ok "[0-9]*" install test install-test") log "install test: $out" ;;
    *) log "install test printed: $out"; exit 1 ;;
  esac
  readme="$(bash -eu readme-commands.sh)"
  [ "$readme" = "US-Japan framework USD 550,000,000,000.00" ] || { log "README five lines printed: $readme"; exit 1; }
  log "README five lines: $readme"
) || die "install test failed"
log "all passed"
