// Runs the pactctl binary for tests: stdin from a string, stdout and stderr
// into files, so that a test can wait for the process or watch it while it
// runs (tail). The binary is PACTCTL_PATH as compiled in.
#ifndef PACTLOG_SDK_PACTCTL_TESTS_PACTCTL_RUNNER_H_
#define PACTLOG_SDK_PACTCTL_TESTS_PACTCTL_RUNNER_H_

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace pactlog::testing {

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Pactctl {
 public:
  // Starts `pactctl args...` with `input` on stdin and `env` ("NAME=value")
  // set in the environment (replacing the test's own value of NAME); its
  // files go under `dir`.
  Pactctl(const std::string& dir, std::vector<std::string> args,
          const std::string& input = "", std::vector<std::string> env = {});
  // The same for another program: argv[0] is its path.
  static Pactctl Program(const std::string& dir, std::vector<std::string> argv,
                         const std::string& input = "",
                         std::vector<std::string> env = {});
  // Waits for the exit; the exit code is 128 + signal when killed.
  Result Wait();
  std::string out() const;
  std::string err() const;
  void Signal(int signal);

 private:
  Pactctl() = default;
  void Start(const std::string& dir, std::vector<std::string> argv,
             const std::string& input, std::vector<std::string> env);

  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

std::string ReadAll(const std::string& path);
std::vector<std::string> Lines(const std::string& text);
// The elements of `json`, which must be one JSON array, each printed back
// as JSON (a failure of the test otherwise).
std::vector<std::string> JsonArray(const std::string& json);

template <typename Message>
Message Parse(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status << " in " << json;
  return message;
}

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_PACTCTL_TESTS_PACTCTL_RUNNER_H_
