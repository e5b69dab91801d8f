// A RocksDB file system that fails on command, for tests of what pactlog
// does when the disk does: write and sync errors, a full disk. It wraps
// the real file system and passes everything through until told to fail.
//
//   auto faults = std::make_shared<FaultyFileSystem>();
//   std::unique_ptr<rocksdb::Env> env = faults->NewEnv();
//   ... open the log with RocksDbOptions{.path = dir, .env = env.get()} ...
//   faults->Fail(FaultyFileSystem::Fault::kDiskFull);
//   ... appends fail with UNAVAILABLE, reads go on ...
//   faults->Clear();
#ifndef PACTLOG_TESTS_FAULTS_FAULTY_FILE_SYSTEM_H_
#define PACTLOG_TESTS_FAULTS_FAULTY_FILE_SYSTEM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace pactlog::testing {

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault {
    kNone,
    // Appends to and creation of writable files fail with an I/O error.
    kWriteError,
    // Sync and Fsync fail with an I/O error; data may reach the file.
    kSyncError,
    // Appends and creation fail with "no space left on device".
    kDiskFull,
  };

  FaultyFileSystem();

  const char* Name() const override { return "FaultyFileSystem"; }

  // An Env over this file system (and the default Env's threads and
  // clock). Keep this object alive as long as the Env.
  std::unique_ptr<rocksdb::Env> NewEnv();

  void Fail(Fault fault) { fault_.store(fault, std::memory_order_release); }
  void Clear() { Fail(Fault::kNone); }
  Fault fault() const { return fault_.load(std::memory_order_acquire); }
  // Operations refused since construction.
  uint64_t injected() const {
    return injected_.load(std::memory_order_relaxed);
  }

  // The error to return for a write (append or creation), or OK.
  rocksdb::IOStatus WriteFault();
  // The error to return for a sync, or OK.
  rocksdb::IOStatus SyncFault();

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* debug) override;

 private:
  // Wraps `file` into *result when `opened` is OK; returns `opened`.
  // (`file` is a pointer so that it is read after the call that opens it.)
  rocksdb::IOStatus Wrap(rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* file,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<uint64_t> injected_{0};
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_FAULTS_FAULTY_FILE_SYSTEM_H_
