// pactlog C++ client: records deal events in a pactlogd server and asks it
// questions about deals, over gRPC (package pactlog.v1).
//
// A Client owns one gRPC channel to one server. It is thread-safe: any
// number of threads may call its methods at once. Every unary call carries
// the deadline of ClientOptions. Errors come back as absl::Status whose code
// is the gRPC code (Abseil's codes are gRPC's) and whose message is the
// server's message unchanged, e.g. ABORTED "deal \"us-japan\" is at version
// 4; expected_version.exact is 3"; pactlog::client::Error (error.h) reads
// what else they carry (field violations, the current version, the rule
// broken, the attempts made).
//
// Settings not given as options come from the environment (sdk/BEHAVIOUR.md):
// PACTLOG_ADDRESS, PACTLOG_TOKEN, PACTLOG_TLS_CA, PACTLOG_ACTOR.
//
//   auto client = pactlog::client::Client::Connect();  // PACTLOG_ADDRESS...
//   if (!client.ok()) return client.status();
//   auto deal = (*client)->GetDeal("us-japan-2025");
#ifndef PACTLOG_CLIENT_CLIENT_H_
#define PACTLOG_CLIENT_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pactlog/client/listing.h"
#include "pactlog/client/subscription.h"
#include "pactlog/v1/admin.pb.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::client {

namespace v1 = ::pactlog::v1;

namespace internal {
struct Connection;
}  // namespace internal

// Transport security. With TLS the channel verifies the server's
// certificate; with client_cert_pem/client_key_pem it also presents one
// (mutual TLS).
struct TlsOptions {
  // PEM root certificates that sign the server's certificate; empty uses
  // gRPC's default roots.
  std::string root_certs_pem;
  // PEM certificate chain and private key of the client; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // The name to check the server's certificate against instead of the
  // address's host. For tests and for servers reached by IP address.
  std::string server_name_override;
};

// How unary calls are retried after UNAVAILABLE or DEADLINE_EXCEEDED, and
// after CANCELLED, which the client never causes itself (a server shutting
// down cancels the calls in flight); every other code is returned at once.
// Retrying an Append is safe because Append gives every event an id before
// the first attempt: a retry of a request that was recorded returns the
// original result (deduplicated) instead of recording it twice.
struct RetryPolicy {
  // Attempts in all, including the first; 1 disables retries.
  int max_attempts = 5;
  // Pause before the second attempt; doubles up to max_backoff, with up to
  // 20% random jitter so that many clients do not retry in step.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Every setting left empty here is taken from the environment when
// use_environment is true (an empty variable counts as unset), else from
// its default.
struct ClientOptions {
  // host:port of the server, for Connect(options); Connect(address, ...)
  // ignores it. Empty: PACTLOG_ADDRESS, else "127.0.0.1:50051".
  std::string address;
  // Deadline of each unary call attempt.
  absl::Duration deadline = absl::Seconds(10);
  // Empty: TLS with the roots of the PEM file PACTLOG_TLS_CA names when it
  // is set, else plaintext.
  std::optional<TlsOptions> tls;
  // Sent on every call as the metadata "authorization: Bearer <token>" when
  // not empty. Printable ASCII only. Over a plaintext channel anyone on the
  // path can read it: use TLS beyond a trusted network. Empty:
  // PACTLOG_TOKEN, else none.
  std::string bearer_token;
  // The actor of appends whose AppendOptions / AppendRequest name none.
  // Empty: PACTLOG_ACTOR, else "<user>@<host>" ($USER, else the login name,
  // else "unknown"; the host name).
  std::string actor;
  // False: the PACTLOG_* variables are not read (the defaults apply).
  bool use_environment = true;
  RetryPolicy retry;
  // While a call is open (a subscription), ping the server this often and
  // drop the connection when a ping is not answered within
  // keepalive_timeout: how a connection to a vanished peer is noticed and
  // replaced. pactlogd's heartbeats keep such pings within gRPC's default
  // server ping policy.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

// Which past state a query answers from; every bound that is set applies.
struct AsOf {
  // Only events with sequence <= this; 0: no bound.
  uint64_t sequence = 0;
  // What the record knew then: only events recorded at or before this.
  std::optional<absl::Time> recorded_time;
  // What was in force then: only events effective at or before this; also
  // the time at which tariffs in force are evaluated.
  std::optional<absl::Time> effective_time;
};

struct QueryOptions {
  AsOf as_of;
  // Read-your-writes: the answer reflects at least this sequence (e.g. the
  // last sequence an Append returned); 0: no requirement. OUT_OF_RANGE when
  // the server's log has not reached it.
  uint64_t at_least_sequence = 0;
};

// One page of a listing. Pass the previous response's next_page_token to
// get the next page; an empty token in a response means the last page.
struct PageOptions {
  // 1..1000; 0 for the server's default (100).
  int page_size = 0;
  std::string page_token;
};

// ListProjects filters; unset fields match everything.
struct ProjectFilter {
  v1::Sector sector = v1::SECTOR_UNSPECIFIED;
  std::string us_state;
  v1::ProjectStatus status = v1::PROJECT_STATUS_UNSPECIFIED;
  // Only projects drawing on this allocation or on an earmark of it.
  std::string allocation_id;
};

// Whose figures GetLineage traces: a project, an allocation, or (both
// empty) the deal's totals. At most one of the two.
struct LineageSubject {
  std::string project_id;
  std::string allocation_id;
};

struct AppendOptions {
  // The deal's version must be exactly this for the append to proceed; 0
  // means "the deal must not exist yet". Empty: any version.
  std::optional<uint64_t> expected_version;
  // Who records the events; empty: ClientOptions::actor.
  std::string actor;
  // When not null, receives the number of attempts the append made (1
  // without retries), on success and on error alike.
  int* attempts = nullptr;
};

// The standard gRPC health service's answer.
enum class ServingStatus { kUnknown, kServing, kNotServing, kServiceUnknown };
std::string_view ServingStatusName(ServingStatus status);

class Client {
 public:
  // Creates a channel to `address` (host:port), the other settings from
  // `options` and the environment. Does not wait for the server: the first
  // call connects. The channel's reconnect backoff is capped at 1 s, so a
  // client finds a restarted server within about a second. Errors:
  // INVALID_ARGUMENT for an empty address, a non-positive deadline, a token
  // that is not printable ASCII, a client certificate without its key or
  // the reverse; NOT_FOUND / PERMISSION_DENIED when PACTLOG_TLS_CA names a
  // file that cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Client>> Connect(
      std::string_view address, ClientOptions options = {});
  // The same with the address of options.address, else PACTLOG_ADDRESS,
  // else 127.0.0.1:50051.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Client>> Connect(
      ClientOptions options = {});

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Appends `events` to deal `deal_id`, all or none, durably. Every event
  // without an event_id gets a random UUID before the first attempt, so the
  // retries after UNAVAILABLE or DEADLINE_EXCEEDED cannot record the events
  // twice. Errors as DealLedger.Append: INVALID_ARGUMENT (naming every
  // offending field), ABORTED (expected version), FAILED_PRECONDITION,
  // NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED; UNAVAILABLE,
  // DEADLINE_EXCEEDED or CANCELLED when every attempt failed so.
  [[nodiscard]] absl::StatusOr<v1::AppendResponse> Append(
      std::string_view deal_id, std::vector<v1::EventData> events,
      const AppendOptions& options = {});
  // The same for a whole request, sent as given except that an empty actor
  // becomes ClientOptions::actor and empty event ids become UUIDs.
  [[nodiscard]] absl::StatusOr<v1::AppendResponse> Append(
      v1::AppendRequest request);

  // Queries (DealQuery). NOT_FOUND for an unknown deal or project,
  // OUT_OF_RANGE when at_least_sequence is beyond the log.
  [[nodiscard]] absl::StatusOr<v1::GetDealResponse> GetDeal(
      std::string_view deal_id, const QueryOptions& options = {});
  [[nodiscard]] absl::StatusOr<v1::ListDealsResponse> ListDeals(
      const QueryOptions& options = {}, const PageOptions& page = {});
  // Every deal, page by page (`page_size` as PageOptions), fetched as the
  // caller advances. Unless options.as_of.sequence is set, the later pages
  // are read as of the first page's log_sequence, so the listing is one
  // snapshot. Errors as ListDeals, from status().
  [[nodiscard]] Listing<v1::DealState> ListAllDeals(
      const QueryOptions& options = {}, int page_size = 0);
  [[nodiscard]] absl::StatusOr<v1::GetProjectResponse> GetProject(
      std::string_view deal_id, std::string_view project_id,
      const QueryOptions& options = {});
  [[nodiscard]] absl::StatusOr<v1::ListProjectsResponse> ListProjects(
      std::string_view deal_id, const ProjectFilter& filter = {},
      const QueryOptions& options = {}, const PageOptions& page = {});
  // Every project of the deal that `filter` matches, as ListAllDeals.
  [[nodiscard]] Listing<v1::ProjectState> ListAllProjects(
      std::string_view deal_id, const ProjectFilter& filter = {},
      const QueryOptions& options = {}, int page_size = 0);
  // `product_category` empty: every category.
  [[nodiscard]] absl::StatusOr<v1::GetTariffsResponse> GetTariffs(
      std::string_view deal_id, const QueryOptions& options = {},
      std::string_view product_category = {});
  // `reading` empty: the latest terms that name a funding deadline; else
  // the terms asserted by that party ("US", "JP").
  [[nodiscard]] absl::StatusOr<v1::GetComplianceResponse> GetCompliance(
      std::string_view deal_id, const QueryOptions& options = {},
      std::string_view reading = {});

  // The events behind the figures of `subject` (DealQuery.GetLineage):
  // the figures at the as-of point and one page of entries in log order,
  // each with what its event changed of them and a one-line summary. The
  // changes of the entries over every page sum to the figures. Pages are
  // not pinned: to read several as one snapshot, set as_of.sequence to the
  // first page's log_sequence for the others. NOT_FOUND for an unknown
  // deal or a subject unknown at the as-of point; INVALID_ARGUMENT for
  // both a project and an allocation, or a malformed page token.
  [[nodiscard]] absl::StatusOr<v1::GetLineageResponse> GetLineage(
      std::string_view deal_id, const LineageSubject& subject = {},
      const QueryOptions& options = {}, const PageOptions& page = {});

  // One page of the log after `after_sequence` (EventStream.Read). Continue
  // with after_sequence = the response's last_examined_sequence. `limit`
  // 1..1000, 0 for the server's default (100).
  [[nodiscard]] absl::StatusOr<v1::ReadResponse> Read(
      uint64_t after_sequence, const v1::EventFilter& filter = {},
      int limit = 0);

  // Follows the log (EventStream.Subscribe) and resubscribes by itself
  // after a disconnect; see subscription.h. Errors: INVALID_ARGUMENT for
  // contradictory options.
  // Server-side errors (a malformed filter, OUT_OF_RANGE) come from Next().
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(
      const SubscribeOptions& options = {});

  // Re-checks the log's hash chain (Admin.VerifyChain) from the event after
  // `after_sequence` to the head. `trusted_hash`, when not empty, is the
  // hash the caller pinned at after_sequence (e.g. a GetDeal chain_head);
  // a mismatch is reported as broken there. A broken chain is an OK answer
  // with first_broken_sequence set. When the server authenticates callers
  // this needs the admin role (PERMISSION_DENIED otherwise).
  [[nodiscard]] absl::StatusOr<v1::VerifyChainResponse> VerifyChain(
      uint64_t after_sequence = 0, std::string_view trusted_hash = {});

  // Takes an online, consistent backup of the whole log into `directory`
  // on the server's machine (Admin.Backup): absolute, not existing yet,
  // inside the server's --backup-root if it has one. Answers the sequence
  // the copy holds. Needs the admin role when the server authenticates.
  // Not retried (a retry after a lost answer would find the directory).
  [[nodiscard]] absl::StatusOr<v1::BackupResponse> Backup(
      std::string_view directory);

  // Asks the standard gRPC health service (grpc.health.v1.Health/Check)
  // once, without retries; `service` empty means the whole server.
  // UNAVAILABLE when the server cannot be reached.
  [[nodiscard]] absl::StatusOr<ServingStatus> Health(
      std::string_view service = {});

  const std::string& address() const;
  // The options in effect: those given, completed from the environment and
  // the defaults.
  const ClientOptions& options() const;

 private:
  explicit Client(std::shared_ptr<internal::Connection> connection);
  // Append(request), reporting the attempts made to *attempts when not null.
  [[nodiscard]] absl::StatusOr<v1::AppendResponse> AppendCounted(
      v1::AppendRequest request, int* attempts);

  std::shared_ptr<internal::Connection> connection_;
};

// Reads a whole file, e.g. a PEM certificate for TlsOptions. NOT_FOUND when
// it does not exist, PERMISSION_DENIED / INTERNAL when it cannot be read;
// the message names the path.
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(
    const std::string& path);

// A random (version 4) UUID in its canonical text form, as Append uses for
// missing event ids.
std::string RandomUuid();

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_CLIENT_H_
