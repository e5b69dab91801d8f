#include "tests/cluster/nats_cluster.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <nats/nats.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "sdk/cpp/tests/pactlogd_process.h"

namespace pactlog::testing {
namespace {

std::string NatsServerBinary() {
  const char* env = std::getenv("NATS_SERVER");
  return env != nullptr && *env != '\0' ? env : "/usr/sbin/nats-server";
}

}  // namespace

absl::StatusOr<std::unique_ptr<NatsCluster>> NatsCluster::Start(
    int size, bool sync_always) {
  std::unique_ptr<NatsCluster> cluster(new NatsCluster());
  absl::StatusOr<std::string> dir = MakeTempDir("pactlog-nats");
  if (!dir.ok()) return dir.status();
  cluster->dir_ = *dir;
  for (int i = 0; i < size; ++i) {
    Server server;
    server.name = absl::StrCat("n", i + 1);
    server.sync_always = sync_always;
    for (int* port :
         {&server.client_port, &server.cluster_port, &server.monitor_port}) {
      absl::StatusOr<int> picked = PickFreePort();
      if (!picked.ok()) return picked.status();
      *port = *picked;
    }
    server.store_dir = absl::StrCat(cluster->dir_, "/", server.name);
    server.log_path = absl::StrCat(cluster->dir_, "/", server.name, ".log");
    cluster->servers_.push_back(std::move(server));
  }
  // nats-server 2.10.27 started three at once sometimes forms its meta
  // group of the first two and keeps the third out (it logs "Duplicate
  // Route" and never hears from the meta leader; seen twice in some 40
  // starts here). A cluster that has not formed in 20 s is started again
  // from empty stores, up to three times.
  constexpr int kAttempts = 3;
  absl::Status formed;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    for (int i = 0; i < size; ++i) {
      if (absl::Status s = cluster->Launch(i); !s.ok()) return s;
    }
    for (int i = 0; i < size; ++i) {
      if (absl::Status s = cluster->WaitHealthy(i, absl::Seconds(60)); !s.ok())
        return s;
    }
    formed = cluster->WaitMetaGroup(absl::Seconds(20));
    if (formed.ok()) return cluster;
    for (Server& server : cluster->servers_) {
      server.process.reset();
      std::error_code ignored;
      std::filesystem::remove_all(server.store_dir, ignored);
    }
  }
  return formed;
}

NatsCluster::~NatsCluster() {
  for (Server& server : servers_) server.process.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status NatsCluster::Launch(int i) {
  Server& server = servers_[i];
  // The other servers' routes: one routed to itself sees "Duplicate
  // Route" churn, and 2.10 then once left it out of the meta group for
  // over a minute.
  std::vector<std::string> routes;
  for (const Server& other : servers_) {
    if (&other == &server) continue;
    routes.push_back(absl::StrCat("nats://127.0.0.1:", other.cluster_port));
  }
  // A config file, so that the cluster's route list is spelled once.
  const std::string config_path = absl::StrCat(dir_, "/", server.name, ".conf");
  std::ofstream(config_path) << absl::StrCat(
      "server_name: ", server.name, "\n",              //
      "listen: 127.0.0.1:", server.client_port, "\n",  //
      "http: 127.0.0.1:", server.monitor_port, "\n",   //
      "max_payload: ", kMaxPayloadBytes, "\n",         //
      // Every write fsynced before it is acknowledged, as in every
      // configuration pactlog ships (unless the test asks otherwise).
      "jetstream { store_dir: \"", server.store_dir, "\"",
      server.sync_always ? ", sync_interval: always" : "", " }\n",  //
      "cluster {\n  name: pactlog-test\n  listen: 127.0.0.1:",      //
      server.cluster_port, "\n  routes: [", absl::StrJoin(routes, ", "),
      "]\n}\n");
  server.process = ChildProcess::Spawn({NatsServerBinary(), "-c", config_path},
                                       server.log_path);
  if (server.process == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot start ", NatsServerBinary()));
  }
  return absl::OkStatus();
}

absl::Status NatsCluster::WaitHealthy(int i, absl::Duration timeout) {
  Server& server = servers_[i];
  // /healthz answers 200 once the server's JetStream is up and current
  // with the cluster's meta leader.
  const bool healthy = PollUntil(
      [&] { return !server.process->Running() || Healthy(i); }, timeout);
  if (!server.process->Running()) {
    return absl::UnavailableError(absl::StrCat(
        "nats-server ", server.name, " exited:\n", server.process->Log()));
  }
  if (!healthy) {
    return absl::UnavailableError(absl::StrCat(
        "nats-server ", server.name, " not healthy in ",
        absl::FormatDuration(timeout), ":\n", server.process->Log()));
  }
  return absl::OkStatus();
}

absl::Status NatsCluster::WaitMetaGroup(absl::Duration timeout) {
  // /healthz is 200 once a server has heard from a meta leader; placing a
  // stream's replicas needs every server in the meta group, current.
  const int others = size() - 1;
  // Only the meta leader's /jsz lists the other servers, under
  // meta_cluster: {"cluster_size":3,"replicas":[{"name":"n1","current":true
  // ,...},...]}.
  std::string jsz;
  auto leader_sees_all = [&](const Server& server) {
    jsz = HttpGet(server.monitor_port, "/jsz").body;
    google::protobuf::Struct parsed;
    google::protobuf::util::JsonParseOptions lenient;
    lenient.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(jsz, &parsed, lenient)
             .ok()) {
      return false;
    }
    auto meta = parsed.fields().find("meta_cluster");
    if (meta == parsed.fields().end() || !meta->second.has_struct_value()) {
      return false;
    }
    const auto& fields = meta->second.struct_value().fields();
    auto cluster_size = fields.find("cluster_size");
    auto replicas = fields.find("replicas");
    if (cluster_size == fields.end() || replicas == fields.end() ||
        cluster_size->second.number_value() != size() ||
        !replicas->second.has_list_value()) {
      return false;
    }
    int current = 0;
    for (const google::protobuf::Value& replica :
         replicas->second.list_value().values()) {
      if (!replica.has_struct_value()) continue;
      auto flag = replica.struct_value().fields().find("current");
      if (flag != replica.struct_value().fields().end() &&
          flag->second.bool_value()) {
        ++current;
      }
    }
    return current >= others;
  };
  const bool formed = PollUntil(
      [&] {
        for (const Server& server : servers_) {
          if (leader_sees_all(server)) return true;
        }
        return false;
      },
      timeout);
  if (formed) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "the JetStream meta group did not take in all ", size(), " servers in ",
      absl::FormatDuration(timeout), "; the last /jsz:\n", jsz, "\n", Logs()));
}

std::string NatsCluster::url() const {
  std::vector<std::string> hosts;
  for (const Server& server : servers_) {
    hosts.push_back(absl::StrCat("127.0.0.1:", server.client_port));
  }
  return absl::StrCat("nats://", absl::StrJoin(hosts, ","));
}

std::string NatsCluster::monitor_urls(const std::vector<int>& only) const {
  std::vector<std::string> urls;
  for (int i = 0; i < size(); ++i) {
    if (only.empty() || std::find(only.begin(), only.end(), i) != only.end()) {
      urls.push_back(
          absl::StrCat("http://127.0.0.1:", servers_[i].monitor_port));
    }
  }
  return absl::StrJoin(urls, ",");
}

std::string NatsCluster::server_url(int i) const {
  return absl::StrCat("nats://127.0.0.1:", servers_[i].client_port);
}

void NatsCluster::Kill(int i) { servers_[i].process->Kill(); }

void NatsCluster::Stop(int i) { servers_[i].process->Stop(); }

bool NatsCluster::running(int i) {
  return servers_[i].process != nullptr && servers_[i].process->Running();
}

absl::Status NatsCluster::Restart(int i) {
  // nats-server 2.10.27 restarted after the meta group deleted a consumer
  // it hosted sometimes never catches up with the meta leader: it logs
  // "Consumer assignment not cleaned up, retrying" and /healthz stays
  // "JetStream is not current with the meta leader" (seen once in some 20
  // restarts here; fixed upstream in 2.12). Started again, it applies the
  // meta leader's snapshot afresh. Up to three attempts of 30 s each.
  constexpr int kAttempts = 3;
  absl::Status healthy;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    servers_[i].process.reset();
    if (absl::Status s = Launch(i); !s.ok()) return s;
    healthy = WaitHealthy(i, absl::Seconds(30));
    if (healthy.ok() || !servers_[i].process->Running()) return healthy;
    std::cerr << "nats-server " << servers_[i].name << " not healthy 30 s "
              << "after restart " << attempt << " of " << kAttempts << "\n";
  }
  return healthy;
}

natsStatus NatsCluster::WithConnection(
    const std::function<natsStatus(natsConnection*)>& call) {
  std::vector<std::string> urls;
  for (int i = 0; i < size(); ++i) {
    if (running(i)) urls.push_back(server_url(i));
  }
  natsConnection* nc = nullptr;
  natsStatus s =
      natsConnection_ConnectTo(&nc, absl::StrJoin(urls, ",").c_str());
  if (s != NATS_OK) return s;
  s = call(nc);
  natsConnection_Destroy(nc);
  return s;
}

natsStatus NatsCluster::WithJetStream(
    const std::function<natsStatus(jsCtx*)>& call) {
  return WithConnection([&](natsConnection* nc) {
    jsCtx* js = nullptr;
    natsStatus s = natsConnection_JetStream(&js, nc, nullptr);
    if (s == NATS_OK) s = call(js);
    if (js != nullptr) jsCtx_Destroy(js);
    return s;
  });
}

absl::Status NatsCluster::AddStream(const std::string& stream,
                                    const std::vector<std::string>& subjects,
                                    int replicas) {
  std::vector<const char*> names;
  for (const std::string& subject : subjects) names.push_back(subject.c_str());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.c_str();
  config.Subjects = names.data();
  config.SubjectsLen = static_cast<int>(names.size());
  config.Storage = js_FileStorage;
  config.Replicas = replicas;
  const natsStatus s = WithJetStream([&](jsCtx* js) {
    jsStreamInfo* info = nullptr;
    const natsStatus added = js_AddStream(&info, js, &config, nullptr, nullptr);
    if (info != nullptr) jsStreamInfo_Destroy(info);
    return added;
  });
  if (s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat("cannot create stream ", stream,
                                               ": ", natsStatus_GetText(s)));
  }
  return absl::OkStatus();
}

void NatsCluster::WithStreamCluster(
    const std::string& stream,
    const std::function<void(const jsClusterInfo&)>& call) {
  WithJetStream([&](jsCtx* js) {
    jsStreamInfo* info = nullptr;
    const natsStatus s =
        js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr);
    if (s == NATS_OK && info->Cluster != nullptr &&
        info->Cluster->Leader != nullptr) {
      call(*info->Cluster);
    }
    if (info != nullptr) jsStreamInfo_Destroy(info);
    return s;
  });
}

int NatsCluster::IndexOf(const std::string& name) const {
  for (int i = 0; i < size(); ++i) {
    if (servers_[i].name == name) return i;
  }
  return -1;
}

absl::StatusOr<int> NatsCluster::StreamLeader(const std::string& stream) {
  std::string leader;
  WithStreamCluster(
      stream, [&](const jsClusterInfo& cluster) { leader = cluster.Leader; });
  if (const int i = IndexOf(leader); i >= 0) return i;
  return absl::NotFoundError(
      absl::StrCat("stream ", stream, " has no leader (\"", leader, "\")"));
}

bool NatsCluster::Healthy(int i) {
  return running(i) &&
         HttpGet(servers_[i].monitor_port, "/healthz").status == 200;
}

absl::StatusOr<int> NatsCluster::SettleStream(const std::string& stream,
                                              int not_leader,
                                              absl::Duration timeout) {
  const std::string stepdown =
      absl::StrCat("$JS.API.STREAM.LEADER.STEPDOWN.", stream);
  int leader = -1;
  std::string last;  // what the last look found wanting
  const bool settled = PollUntil(
      [&] {
        std::string leader_name;
        bool all_current = true;
        WithStreamCluster(stream, [&](const jsClusterInfo& cluster) {
          leader_name = cluster.Leader;
          for (int r = 0; r < cluster.ReplicasLen; ++r) {
            const jsPeerInfo* peer = cluster.Replicas[r];
            if (peer->Offline || !peer->Current || peer->Lag != 0) {
              all_current = false;
              last = absl::StrCat(peer->Name == nullptr ? "?" : peer->Name,
                                  " is not current (lag ", peer->Lag, ")");
            }
          }
        });
        leader = IndexOf(leader_name);
        if (leader < 0) {
          last = "no leader";
          return false;
        }
        if (leader == not_leader) {
          last = absl::StrCat(leader_name, " leads");
          WithConnection([&](natsConnection* nc) {
            natsMsg* reply = nullptr;
            const natsStatus s = natsConnection_Request(
                &reply, nc, stepdown.c_str(), nullptr, 0, 2000);
            if (reply != nullptr) natsMsg_Destroy(reply);
            return s;
          });
          return false;
        }
        if (!all_current) return false;
        for (int i = 0; i < size(); ++i) {
          if (running(i) && !Healthy(i)) {
            last = absl::StrCat(servers_[i].name, " is not healthy");
            return false;
          }
        }
        return true;
      },
      timeout);
  if (settled) return leader;
  return absl::DeadlineExceededError(
      absl::StrCat("stream ", stream, " not settled in ",
                   absl::FormatDuration(timeout), ": ", last, "\n", Logs()));
}

std::string NatsCluster::Log(int i) const {
  return servers_[i].process != nullptr ? servers_[i].process->Log() : "";
}

std::string NatsCluster::Logs() const {
  std::string logs;
  for (int i = 0; i < size(); ++i) {
    absl::StrAppend(&logs, "--- ", servers_[i].name, ":\n", Log(i), "\n");
  }
  return logs;
}

}  // namespace pactlog::testing
