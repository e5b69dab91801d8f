#!/usr/bin/env node
// Generates src/gen/ from the pactlog contract (proto/pactlog/v1/*.proto at
// the repository root) and gRPC's rich error model (proto/google/rpc/*.proto,
// what errors.ts decodes from grpc-status-details-bin) with Debian's protoc
// and the ts-proto plugin. The generated code is not committed: `npm run
// build` runs this first.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const pkgDir = path.resolve(__dirname, "..");
const protoRoot = path.resolve(pkgDir, "..", "..", "proto");
const protoDirs = [path.join(protoRoot, "pactlog", "v1"), path.join(protoRoot, "google", "rpc")];
const outDir = path.join(pkgDir, "src", "gen");
const plugin = path.join(pkgDir, "node_modules", ".bin", "protoc-gen-ts_proto");

// Why each option:
//   outputServices=grpc-js  clients for @grpc/grpc-js (the only transport)
//   useDate=true            google.protobuf.Timestamp as Date
//   forceLong=bigint        int64/uint64 exact: money is never rounded
//   useOptionals=messages   message fields optional, scalars always present
//   esModuleInterop=true    matches tsconfig.json
//   env=node                Node only (Buffer for bytes)
//   exportCommonSymbols=false  no per-file DeepPartial/Exact/MessageFns,
//                           so src/index.ts can re-export every file
const options = [
  "outputServices=grpc-js",
  "useDate=true",
  "forceLong=bigint",
  "useOptionals=messages",
  "esModuleInterop=true",
  "env=node",
  "exportCommonSymbols=false",
].join(",");

function fail(message) {
  console.error(`generate: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(plugin)) fail(`ts-proto is not installed (${plugin}); run npm ci`);
const protos = protoDirs.flatMap((dir) => {
  if (!fs.existsSync(dir)) fail(`no contract at ${dir}`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".proto"))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) fail(`no .proto files in ${dir}`);
  return files;
});

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

const protoc = process.env.PROTOC || "protoc";
const result = spawnSync(
  protoc,
  [
    `--plugin=protoc-gen-ts_proto=${plugin}`,
    `--ts_proto_out=${outDir}`,
    `--ts_proto_opt=${options}`,
    `-I${protoRoot}`,
    ...protos,
  ],
  { stdio: "inherit" },
);
if (result.error) {
  fail(
    result.error.code === "ENOENT"
      ? `${protoc} not found: install Debian's protobuf-compiler (apt-get install protobuf-compiler)`
      : String(result.error),
  );
}
if (result.status !== 0) fail(`${protoc} exited with ${result.status}`);
const from = protoDirs.map((dir) => path.relative(pkgDir, dir)).join(" and ");
console.log(`generate: ${protos.length} files from ${from} into src/gen`);
