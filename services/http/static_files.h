// StaticFiles: the web page's built files (web/dist), read into memory once
// at start-up so that serving them never touches the disk.
//
//   GET /                 index.html, Cache-Control: no-cache
//   GET /assets/<name>    Vite's content-hashed files: cached for a year
//   GET /<file>           any other file of the root, no-cache
//
// Paths are matched exactly against the files found (no "..", no
// directory listings). Every answer carries X-Content-Type-Options: nosniff
// and a Content-Security-Policy that allows the page's own files only.
#ifndef PACTLOG_SERVICES_HTTP_STATIC_FILES_H_
#define PACTLOG_SERVICES_HTTP_STATIC_FILES_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/http/exchange.h"

namespace pactlog::services::http {

class StaticFiles {
 public:
  struct File {
    std::string content_type;
    std::string body;
    Headers headers;
  };

  StaticFiles() = default;

  // Every regular file under `root` (at most 64 MiB in all). Errors:
  // NOT_FOUND when `root` is not a directory or has no index.html;
  // RESOURCE_EXHAUSTED over the size limit.
  [[nodiscard]] static absl::StatusOr<StaticFiles> Load(
      const std::string& root);

  // The file for the request path `path`; nullptr when none.
  const File* Find(std::string_view path) const;
  bool empty() const { return files_.empty(); }

 private:
  absl::flat_hash_map<std::string, File> files_;
};

// The Content-Type for a file name, by its extension.
std::string ContentTypeFor(std::string_view name);

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_STATIC_FILES_H_
