#include "services/http/listener.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/metrics/http_server.h"
#include "services/security/json_log.h"

namespace pactlog::services::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

// Destroyed in reverse: the acceptor, then the I/O context with the
// sessions its queued handlers still hold, which use the TLS context and
// the connection count declared before it.
struct HttpListener::State {
  Handler handler;
  int max_connections = 0;
  std::atomic<int> connections{0};
  std::optional<ssl::context> tls;
  net::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
  int port = 0;

  void Accept();
};

namespace {

// One connection. Runs on its socket's strand; the Exchange methods post
// there.
template <class Stream>
class Session final : public Exchange,
                      public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <typename... StreamArgs>
  explicit Session(HttpListener::State* state, StreamArgs&&... stream_args)
      : state_(state), stream_(std::forward<StreamArgs>(stream_args)...) {
    state_->connections.fetch_add(1);
  }
  ~Session() override { state_->connections.fetch_sub(1); }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  [self = this->shared_from_this()] { self->Begin(); });
  }

  const HttpRequest& request() const override { return request_; }

  void Respond(int status, std::string content_type, std::string body,
               Headers headers) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), status,
               type = std::move(content_type), body = std::move(body),
               headers = std::move(headers)]() mutable {
                self->DoRespond(status, std::move(type), std::move(body),
                                std::move(headers));
              });
  }

  void StartStream(int status, std::string content_type,
                   Headers headers) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), status,
                                       type = std::move(content_type),
                                       headers = std::move(headers)]() mutable {
      self->DoStartStream(status, std::move(type), std::move(headers));
    });
  }

  void Write(std::string chunk, std::function<void(bool)> written) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(),
                                       chunk = std::move(chunk),
                                       written = std::move(written)]() mutable {
      if (self->closed_) {
        written(false);
        return;
      }
      self->pending_.emplace_back(std::move(chunk), std::move(written));
      self->WriteNext();
    });
  }

  void Finish() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->finishing_ = true;
      self->WriteNext();
    });
  }

  void Abort() override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->Fail(); });
  }

  void OnClientGone(std::function<void()> gone) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(),
                                       gone = std::move(gone)]() mutable {
      if (self->closed_ && !self->finishing_) {
        gone();
        return;
      }
      self->gone_ = std::move(gone);
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if constexpr (kTls) {
      lowest().expires_after(kIdleTimeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return self->Close();
            self->ReadRequest();
          });
    } else {
      ReadRequest();
    }
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    lowest().expires_after(kIdleTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](
                          beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec == bhttp::error::header_limit) {
      return RefuseRequest(431, "RESOURCE_EXHAUSTED",
                           "request headers over 16 KiB");
    }
    // A write (POST, PUT, ...) with a body goes to the handler like one
    // without, to be refused for its method (405); the unread body ends the
    // connection after the answer. Only a GET is refused for its body.
    bool body_unread = false;
    if (ec == bhttp::error::unexpected_body) {
      if (parser_->get().method() == bhttp::verb::get) {
        return RefuseRequest(413, "INVALID_ARGUMENT",
                             "this API takes no request body");
      }
      body_unread = true;
      ec = {};
    }
    if (ec &&
        ec.category() ==
            bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
      return RefuseRequest(400, "INVALID_ARGUMENT",
                           absl::StrCat("malformed request: ", ec.message()));
    }
    if (ec) return Close();
    const bhttp::request<bhttp::empty_body>& req = parser_->get();
    keep_alive_ = req.keep_alive() && !body_unread;
    request_ = HttpRequest{};
    request_.method = std::string(req.method_string());
    const std::string_view target(req.target().data(), req.target().size());
    const size_t question = target.find('?');
    request_.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
      request_.query = std::string(target.substr(question + 1));
    }
    request_.authorization = std::string(req[bhttp::field::authorization]);
    request_.request_id = std::string(req["x-request-id"]);
    request_.last_event_id = std::string(req["last-event-id"]);
    state_->handler(this->shared_from_this());
  }

  // Answers a request that could not be read, and closes.
  void RefuseRequest(int status, const char* status_name,
                     const std::string& message) {
    keep_alive_ = false;
    DoRespond(
        status, "application/json",
        absl::StrCat("{\"error\":{\"code\":", status, ",\"status\":\"",
                     status_name, "\",\"message\":\"",
                     security::JsonEscape(message), "\",\"details\":[]}}\n"),
        {});
  }

  void DoRespond(int status, std::string content_type, std::string body,
                 Headers headers) {
    if (closed_ || responded_) return;
    responded_ = true;
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(status), 11);
    response->set(bhttp::field::server, "pactlogd");
    response->set(bhttp::field::content_type, content_type);
    for (auto& [name, value] : headers) response->set(name, value);
    response->keep_alive(keep_alive_);
    response->body() = std::move(body);
    response->prepare_payload();
    lowest().expires_after(kIdleTimeout);
    bhttp::async_write(stream_, *response,
                       [self = this->shared_from_this(), response](
                           beast::error_code ec, size_t) {
                         if (ec || !self->keep_alive_) return self->Close();
                         self->responded_ = false;
                         self->ReadRequest();
                       });
  }

  void DoStartStream(int status, std::string content_type, Headers headers) {
    if (closed_ || responded_) return;
    responded_ = true;
    stream_response_.emplace(static_cast<bhttp::status>(status), 11);
    stream_response_->set(bhttp::field::server, "pactlogd");
    stream_response_->set(bhttp::field::content_type, content_type);
    for (auto& [name, value] : headers) stream_response_->set(name, value);
    stream_response_->keep_alive(false);
    stream_response_->chunked(true);
    serializer_.emplace(*stream_response_);
    writing_ = true;
    lowest().expires_after(kIdleTimeout);
    bhttp::async_write_header(
        stream_, *serializer_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) return self->Fail();
          self->header_written_ = true;
          self->WatchForClose();
          self->WriteNext();
        });
  }

  // While a stream is open the client sends nothing: a read completes only
  // when it closes the connection.
  void WatchForClose() {
    stream_.async_read_some(
        net::buffer(watch_buffer_),
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Fail();
          self->WatchForClose();
        });
  }

  void WriteNext() {
    if (closed_ || writing_ || !header_written_) return;
    if (pending_.empty()) {
      if (!finishing_) return;
      writing_ = true;
      lowest().expires_after(kIdleTimeout);
      net::async_write(
          stream_, bhttp::make_chunk_last(),
          [self = this->shared_from_this()](beast::error_code, size_t) {
            self->writing_ = false;
            self->Close();
          });
      return;
    }
    current_ = std::move(pending_.front());
    pending_.pop_front();
    if (current_.first.empty()) {
      // An empty chunk would end the body: there is nothing to send.
      auto written = std::move(current_.second);
      if (written) written(true);
      return WriteNext();
    }
    writing_ = true;
    lowest().expires_after(kIdleTimeout);
    net::async_write(
        stream_, bhttp::make_chunk(net::buffer(current_.first)),
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->writing_ = false;
          auto written = std::move(self->current_.second);
          if (ec) {
            if (written) written(false);
            return self->Fail();
          }
          if (written) written(true);
          self->WriteNext();
        });
  }

  // The client is gone (or too slow) while a stream is open.
  void Fail() {
    if (closed_) return;
    Close();
    for (auto& [chunk, written] : pending_) {
      if (written) written(false);
    }
    pending_.clear();
    if (gone_ && !finishing_) {
      auto gone = std::move(gone_);
      gone_ = nullptr;
      gone();
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().close();
  }

  HttpListener::State* const state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;
  HttpRequest request_;
  bool keep_alive_ = false;
  bool responded_ = false;
  bool closed_ = false;
  // Streaming.
  std::optional<bhttp::response<bhttp::empty_body>> stream_response_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer_;
  bool header_written_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  std::deque<std::pair<std::string, std::function<void(bool)>>> pending_;
  std::pair<std::string, std::function<void(bool)>> current_;
  std::function<void()> gone_;
  char watch_buffer_[512];
};

absl::Status LoadTls(const security::TransportOptions& transport,
                     ssl::context* context) {
  for (const std::string* file :
       {&transport.cert_file, &transport.key_file, &transport.client_ca_file}) {
    if (!file->empty() && !std::filesystem::exists(*file)) {
      return absl::NotFoundError(absl::StrCat("HTTP TLS: cannot read ", *file));
    }
  }
  if (transport.key_file.empty()) {
    return absl::InvalidArgumentError(
        "HTTP TLS: a certificate needs its key (--tls-key)");
  }
  try {
    context->set_options(ssl::context::default_workarounds |
                         ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    context->use_certificate_chain_file(transport.cert_file);
    context->use_private_key_file(transport.key_file, ssl::context::pem);
    if (transport.mutual_tls()) {
      context->load_verify_file(transport.client_ca_file);
      context->set_verify_mode(ssl::verify_peer |
                               ssl::verify_fail_if_no_peer_cert);
    }
  } catch (const boost::system::system_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP TLS: unusable certificate, key or CA: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

void HttpListener::State::Accept() {
  acceptor->async_accept(net::make_strand(io), [this](beast::error_code ec,
                                                      tcp::socket socket) {
    if (ec == net::error::operation_aborted || stopped.load()) return;
    if (!ec) {
      if (connections.load() >= max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else if (tls.has_value()) {
        std::make_shared<Session<TlsStream>>(this, std::move(socket), *tls)
            ->Run();
      } else {
        std::make_shared<Session<PlainStream>>(this, std::move(socket))->Run();
      }
    }
    Accept();
  });
}

HttpListener::HttpListener(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

HttpListener::~HttpListener() { Stop(); }

int HttpListener::port() const { return state_->port; }

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const ListenerOptions& options, Handler handler) {
  auto host_port = metrics::ParseHostPort(options.address);
  if (!host_port.ok()) return host_port.status();
  auto state = std::make_unique<State>();
  state->handler = std::move(handler);
  state->max_connections = options.max_connections;
  if (options.transport.tls()) {
    state->tls.emplace(ssl::context::tls_server);
    absl::Status loaded = LoadTls(options.transport, &*state->tls);
    if (!loaded.ok()) return loaded;
  }
  beast::error_code ec;
  tcp::resolver resolver(state->io);
  const auto endpoints = resolver.resolve(
      host_port->host, std::to_string(host_port->port),
      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve the HTTP listen address ", options.address,
                     ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = state->acceptor.emplace(state->io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for HTTP on ", options.address, ": ", ec.message()));
  }
  state->port = acceptor.local_endpoint().port();
  state->Accept();
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    state->threads.emplace_back([io = &state->io] { io->run(); });
  }
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

void HttpListener::Stop() {
  if (state_->stopped.exchange(true)) return;
  net::post(state_->io, [state = state_.get()] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
  });
  state_->io.stop();
  for (std::thread& thread : state_->threads) thread.join();
  state_->threads.clear();
}

}  // namespace pactlog::services::http
