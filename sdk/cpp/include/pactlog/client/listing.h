// Listing<Item>: every item of a paged listing, one page fetched at a time
// and only when the caller gets there (Client::ListAllDeals and
// ListAllProjects make them):
//
//   auto deals = client->ListAllDeals();
//   while (deals.Next()) std::cout << deals.value().deal_id() << "\n";
//   if (!deals.status().ok()) return deals.status();
//
// Thread-compatible: one thread at a time. It calls the Client that made
// it, which must outlive it.
#ifndef PACTLOG_CLIENT_LISTING_H_
#define PACTLOG_CLIENT_LISTING_H_

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace pactlog::client {

template <typename Item>
class Listing {
 public:
  // Fetches the page after `page_token` (empty: the first) into `items`
  // and `next_page_token` (empty: it was the last).
  using FetchPage = std::function<absl::Status(const std::string& page_token,
                                               std::vector<Item>* items,
                                               std::string* next_page_token)>;

  explicit Listing(FetchPage fetch) : fetch_(std::move(fetch)) {}

  // Moves to the next item, fetching the next page when the current one is
  // used up. False after the last item, and on an error (status()), after
  // which it stays false.
  bool Next() {
    if (!status_.ok()) return false;
    ++index_;
    while (index_ >= items_.size()) {
      if (pages_ > 0 && next_page_token_.empty()) return false;
      items_.clear();
      index_ = 0;
      std::string token = std::move(next_page_token_);
      next_page_token_.clear();
      status_ = fetch_(token, &items_, &next_page_token_);
      ++pages_;
      if (!status_.ok()) {
        items_.clear();
        return false;
      }
    }
    return true;
  }

  // The current item; only after Next() returned true.
  const Item& value() const { return items_[index_]; }
  // OK, or the error that ended the listing.
  const absl::Status& status() const { return status_; }
  // Pages fetched so far.
  int pages() const { return pages_; }

 private:
  FetchPage fetch_;
  std::vector<Item> items_;
  size_t index_ = static_cast<size_t>(-1);  // Next() moves to 0
  std::string next_page_token_;
  int pages_ = 0;
  absl::Status status_;
};

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_LISTING_H_
