// A gRPC server made here (grpc-js, plaintext, a free port) that serves
// what a test tells it to, for what a real pactlogd cannot be made to do on
// demand: fail every attempt with UNAVAILABLE, send a status detail the
// test built itself, count the pages a listing asked for.

import * as grpc from "@grpc/grpc-js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";

import { PactlogClient, PactlogClientOptions } from "@pactlog/client";

export class FakeServer {
  port = 0;
  private readonly server = new grpc.Server();

  /** Adds a service (a generated `…Service` definition) with the handlers given. */
  add(service: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation): this {
    this.server.addService(service, handlers);
    return this;
  }

  async start(): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  client(options: PactlogClientOptions = {}): PactlogClient {
    return new PactlogClient({ address: this.address, actor: "ts-sdk-test", ...options });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

/** A failed call's status with the given serialized google.rpc.Status as `grpc-status-details-bin`. */
export function failure(code: grpc.status, message: string, statusDetails?: Uint8Array): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (statusDetails) metadata.set("grpc-status-details-bin", Buffer.from(statusDetails));
  return { code, details: message, metadata };
}

// The detail messages, encoded by hand from googleapis' field numbers, so
// that the client's decoding is checked against an encoder of its own.

/** google.rpc.ErrorInfo { reason = 1; domain = 2; map<string,string> metadata = 3 }. */
export function errorInfo(reason: string, domain: string, metadata: Record<string, string>): Uint8Array {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 2).string(reason);
  w.uint32((2 << 3) | 2).string(domain);
  for (const [k, v] of Object.entries(metadata)) {
    w.uint32((3 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(k);
    w.uint32((2 << 3) | 2).string(v);
    w.join();
  }
  return w.finish();
}

/** google.rpc.BadRequest { repeated FieldViolation field_violations = 1 { field = 1; description = 2 } }. */
export function badRequest(violations: [string, string][]): Uint8Array {
  const w = new BinaryWriter();
  for (const [field, description] of violations) {
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(field);
    w.uint32((2 << 3) | 2).string(description);
    w.join();
  }
  return w.finish();
}

/** google.rpc.Status { code = 1; message = 2; repeated Any details = 3 { type_url = 1; value = 2 } }. */
export function rpcStatus(code: number, message: string, details: [typeUrl: string, value: Uint8Array][]): Uint8Array {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 0).int32(code);
  w.uint32((2 << 3) | 2).string(message);
  for (const [typeUrl, value] of details) {
    w.uint32((3 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(typeUrl);
    w.uint32((2 << 3) | 2).bytes(value);
    w.join();
  }
  return w.finish();
}

export const ERROR_INFO_URL = "type.googleapis.com/google.rpc.ErrorInfo";
export const BAD_REQUEST_URL = "type.googleapis.com/google.rpc.BadRequest";
