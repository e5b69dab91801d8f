#include "services/http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/quote.h"

namespace pactlog::services::http {
namespace {

constexpr uintmax_t kMaxTotalBytes = 64u << 20;

// The page's own files only; ECharts sets inline styles, and the map and
// charts may use data: images.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

}  // namespace

std::string ContentTypeFor(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(util::AsAbsl(name), util::AsAbsl(extension)))
      return std::string(type);
  }
  return "application/octet-stream";
}

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec) ||
      !fs::is_regular_file(fs::path(root) / "index.html", ec)) {
    return absl::NotFoundError(absl::StrCat(
        "the web root ", root,
        " is not a directory with an index.html (web/build.sh builds the "
        "page into build/<preset>/web)"));
  }
  StaticFiles files;
  uintmax_t total = 0;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    total += it->file_size();
    if (total > kMaxTotalBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the web root ", root, " holds more than 64 MiB of files"));
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot read ", it->path().string()));
    }
    const std::string relative =
        "/" + fs::relative(it->path(), root).generic_string();
    File file;
    file.content_type = ContentTypeFor(relative);
    file.body = std::move(body).str();
    file.headers = {
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", kContentSecurityPolicy},
        {"Cache-Control", absl::StartsWith(relative, "/assets/")
                              ? "public, max-age=31536000, immutable"
                              : "no-cache"}};
    files.files_.emplace(relative, std::move(file));
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot list the web root ", root, ": ", ec.message()));
  }
  return files;
}

const StaticFiles::File* StaticFiles::Find(std::string_view path) const {
  if (path == "/") path = "/index.html";
  auto it = files_.find(util::AsAbsl(path));
  return it != files_.end() ? &it->second : nullptr;
}

}  // namespace pactlog::services::http
