#include "tests/faults/faulty_file_system.h"

#include <utility>

namespace pactlog::testing {
namespace {

// A writable file whose appends and syncs ask the file system first.
class FaultyWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                     FaultyFileSystem* fs)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->WriteFault(); !fault.ok()) return fault;
    return target()->Append(data, options, debug);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->WriteFault(); !fault.ok()) return fault;
    return target()->Append(data, options, info, debug);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->WriteFault(); !fault.ok()) return fault;
    return target()->PositionedAppend(data, offset, options, debug);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->WriteFault(); !fault.ok()) return fault;
    return target()->PositionedAppend(data, offset, options, info, debug);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->SyncFault(); !fault.ok()) return fault;
    return target()->Sync(options, debug);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->SyncFault(); !fault.ok()) return fault;
    return target()->Fsync(options, debug);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t bytes,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus fault = fs_->SyncFault(); !fault.ok()) return fault;
    return target()->RangeSync(offset, bytes, options, debug);
  }

 private:
  FaultyFileSystem* const fs_;
};

}  // namespace

FaultyFileSystem::FaultyFileSystem()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

std::unique_ptr<rocksdb::Env> FaultyFileSystem::NewEnv() {
  // NewCompositeEnv shares ownership; this object outlives the Env anyway.
  return rocksdb::NewCompositeEnv(
      std::shared_ptr<rocksdb::FileSystem>(this, [](rocksdb::FileSystem*) {}));
}

rocksdb::IOStatus FaultyFileSystem::WriteFault() {
  switch (fault()) {
    case Fault::kWriteError:
      injected_.fetch_add(1, std::memory_order_relaxed);
      return rocksdb::IOStatus::IOError("injected write error");
    case Fault::kDiskFull:
      injected_.fetch_add(1, std::memory_order_relaxed);
      return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    case Fault::kSyncError:
    case Fault::kNone:
      break;
  }
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus FaultyFileSystem::SyncFault() {
  switch (fault()) {
    case Fault::kSyncError:
    case Fault::kWriteError:
      injected_.fetch_add(1, std::memory_order_relaxed);
      return rocksdb::IOStatus::IOError("injected sync error");
    case Fault::kDiskFull:  // fails writes, not syncs of what was written
    case Fault::kNone:
      break;
  }
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus FaultyFileSystem::Wrap(
    rocksdb::IOStatus opened, std::unique_ptr<rocksdb::FSWritableFile>* file,
    std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (opened.ok()) {
    *result = std::make_unique<FaultyWritableFile>(std::move(*file), this);
  }
  return opened;
}

rocksdb::IOStatus FaultyFileSystem::NewWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* debug) {
  if (rocksdb::IOStatus fault = WriteFault(); !fault.ok()) return fault;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  return Wrap(target()->NewWritableFile(name, options, &file, debug), &file,
              result);
}

rocksdb::IOStatus FaultyFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* debug) {
  if (rocksdb::IOStatus fault = WriteFault(); !fault.ok()) return fault;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  return Wrap(target()->ReopenWritableFile(name, options, &file, debug), &file,
              result);
}

rocksdb::IOStatus FaultyFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name,
    const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* debug) {
  if (rocksdb::IOStatus fault = WriteFault(); !fault.ok()) return fault;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  return Wrap(
      target()->ReuseWritableFile(name, old_name, options, &file, debug), &file,
      result);
}

}  // namespace pactlog::testing
