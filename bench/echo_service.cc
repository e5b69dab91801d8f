#include "bench/echo_service.h"

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "echo.grpc.pb.h"  // generated from bench/echo.proto
#include "services/subscribe_wire.h"

namespace pactlog::bench {
namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::services::EncodeEventRecord;
using ::pactlog::services::EventBatchWriter;
using ::pactlog::services::SerializeResponse;

// As many events to a message as pactlogd's default.
constexpr size_t kEventsPerMessage = 64;

grpc::ByteBuffer CaughtUp(uint64_t sequence) {
  v1::SubscribeResponse caught_up;
  caught_up.mutable_caught_up()->set_sequence(sequence);
  return SerializeResponse(caught_up);
}

class Fanout;

// One Follow stream: the records published since its last write, written
// up to kEventsPerMessage at a time, one write in flight.
class FollowStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  FollowStream(Fanout* fanout, uint64_t head) : fanout_(fanout) {
    absl::MutexLock lock(&mu_);
    message_ = CaughtUp(head);
    in_flight_ = true;
    StartWrite(&message_);
  }

  void Push(const grpc::Slice& record, uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    pending_.emplace_back(record, sequence);
    if (!in_flight_) WriteLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    in_flight_ = false;
    message_.Clear();
    if (!ok || cancelled_) {
      FinishLocked();
    } else if (!pending_.empty()) {
      WriteLocked();
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!in_flight_) FinishLocked();
  }

  void OnDone() override;

 private:
  void WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t last = 0;
    for (size_t i = 0; i < kEventsPerMessage && !pending_.empty(); ++i) {
      writer_.Add(std::move(pending_.front().first));
      last = pending_.front().second;
      pending_.pop_front();
    }
    writer_.Finish(last, &message_);
    in_flight_ = true;
    StartWrite(&message_);
  }
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    pending_.clear();
    Finish(grpc::Status::OK);
  }

  Fanout* const fanout_;
  absl::Mutex mu_;
  std::deque<std::pair<grpc::Slice, uint64_t>> pending_ ABSL_GUARDED_BY(mu_);
  EventBatchWriter writer_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer message_ ABSL_GUARDED_BY(mu_);
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// The open Follow streams and the last sequence published.
class Fanout {
 public:
  FollowStream* Open() {
    absl::MutexLock lock(&mu_);
    auto* stream = new FollowStream(this, sequence_);
    streams_.insert(stream);
    return stream;
  }
  void Publish(v1::Event event) {
    absl::MutexLock lock(&mu_);
    event.set_sequence(++sequence_);
    const grpc::Slice record = EncodeEventRecord(event);
    for (FollowStream* stream : streams_) stream->Push(record, sequence_);
  }
  void Remove(FollowStream* stream) {
    absl::MutexLock lock(&mu_);
    streams_.erase(stream);
  }

 private:
  absl::Mutex mu_;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<FollowStream*> streams_ ABSL_GUARDED_BY(mu_);
};

void FollowStream::OnDone() {
  fanout_->Remove(this);
  delete this;
}

// One Replay stream: the same message until `events` have gone, then
// CaughtUp.
class ReplayStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit ReplayStream(const ReplayRequest& request)
      : events_(request.events()),
        per_message_(request.per_message() > 0
                         ? static_cast<uint64_t>(request.per_message())
                         : kEventsPerMessage) {
    const grpc::Slice record = EncodeEventRecord(request.sample());
    EventBatchWriter writer;
    for (uint64_t i = 0; i < per_message_; ++i) writer.Add(record);
    writer.Finish(request.sample().sequence(), &batch_);
    Next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok || done_writing_) {
      Finish(grpc::Status::OK);
      return;
    }
    Next();
  }

  void OnDone() override { delete this; }

 private:
  // Called once at a time: from the constructor, then from OnWriteDone.
  void Next() {
    if (sent_ < events_) {
      sent_ += per_message_;
      StartWrite(&batch_);
      return;
    }
    caught_up_ = CaughtUp(sent_);
    done_writing_ = true;
    StartWrite(&caught_up_);
  }

  const uint64_t events_;
  const uint64_t per_message_;
  uint64_t sent_ = 0;
  bool done_writing_ = false;
  grpc::ByteBuffer batch_;
  grpc::ByteBuffer caught_up_;
};

// A request of a raw method, parsed; an empty message when it does not
// parse (the baseline trusts its one client).
template <typename Message>
Message Parse(const grpc::ByteBuffer& request) {
  Message parsed;
  grpc::ByteBuffer bytes(request);
  (void)grpc::GenericDeserialize<grpc::ProtoBufferReader, Message>(&bytes,
                                                                   &parsed);
  return parsed;
}

class EchoService final
    : public Echo::WithCallbackMethod_Echo<
          Echo::WithRawCallbackMethod_Follow<Echo::WithCallbackMethod_Publish<
              Echo::WithRawCallbackMethod_Replay<Echo::Service>>>> {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const EchoMessage* request,
                                 EchoMessage* response) override {
    response->set_payload(request->payload());
    return Done(context);
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Follow(
      grpc::CallbackServerContext* /*context*/,
      const grpc::ByteBuffer* /*request*/) override {
    return fanout_.Open();
  }

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::Event* request,
                                    EchoMessage* /*response*/) override {
    fanout_.Publish(*request);
    return Done(context);
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Replay(
      grpc::CallbackServerContext* /*context*/,
      const grpc::ByteBuffer* request) override {
    return new ReplayStream(Parse<ReplayRequest>(*request));
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  Fanout fanout_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewEchoService() {
  return std::make_unique<EchoService>();
}

}  // namespace pactlog::bench
