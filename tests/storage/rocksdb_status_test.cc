#include "storage/rocksdb_status.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/status.h"

namespace pactlog::storage::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(FromRocksDbTest, OkIsOk) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "anything").ok());
}

TEST(FromRocksDbTest, TransientFailuresAreUnavailable) {
  for (const rocksdb::Status& status :
       {rocksdb::Status::IOError("disk gone"), rocksdb::Status::NoSpace(),
        rocksdb::Status::Busy(), rocksdb::Status::TimedOut(),
        rocksdb::Status::TryAgain(), rocksdb::Status::Incomplete(),
        rocksdb::Status::ShutdownInProgress()}) {
    EXPECT_EQ(FromRocksDb(status, "writing").code(),
              absl::StatusCode::kUnavailable)
        << status.ToString();
  }
}

TEST(FromRocksDbTest, CorruptionIsDataLoss) {
  EXPECT_EQ(
      FromRocksDb(rocksdb::Status::Corruption("bad block"), "reading").code(),
      absl::StatusCode::kDataLoss);
}

TEST(FromRocksDbTest, NotFoundIsNotFound) {
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotFound(), "reading").code(),
            absl::StatusCode::kNotFound);
}

TEST(FromRocksDbTest, MisuseAndEverythingElseIsInternal) {
  for (const rocksdb::Status& status :
       {rocksdb::Status::InvalidArgument("bad option"),
        rocksdb::Status::NotSupported("no lz4"), rocksdb::Status::Aborted(),
        rocksdb::Status::Expired(), rocksdb::Status::MergeInProgress(),
        rocksdb::Status::ColumnFamilyDropped()}) {
    EXPECT_EQ(FromRocksDb(status, "writing").code(),
              absl::StatusCode::kInternal)
        << status.ToString();
  }
}

TEST(FromRocksDbTest, MessageSaysWhatWasBeingDoneAndWhatRocksDbSaid) {
  const absl::Status status =
      FromRocksDb(rocksdb::Status::IOError("While lock file", "LOCK: held"),
                  "opening the event log at /data/log");
  EXPECT_THAT(std::string(status.message()),
              StartsWith("opening the event log at /data/log: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("LOCK: held"));
}

}  // namespace
}  // namespace pactlog::storage::internal
