// bench/compare/leveldb_contestant.cc
//
// LevelDB with default options: one Put per update, WriteOptions::sync as
// asked. LevelDB batches concurrent writers itself (its writer queue), so
// the threads call it directly. The keys are loaded in one unsynced batch.

#include <memory>

#include "bench/compare/contestant.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace statelog::bench {
namespace {

absl::Status FromLeveldb(const leveldb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError("leveldb: " + s.ToString());
}

class LeveldbContestant : public Contestant {
 public:
  explicit LeveldbContestant(bool sync) : sync_(sync) {}

  std::string name() const override {
    return sync_ ? "leveldb-sync" : "leveldb-nosync";
  }
  bool durable() const override { return sync_; }

  absl::Status Setup(const std::string& dir, int keys) override {
    leveldb::Options options;
    options.create_if_missing = true;
    options.error_if_exists = true;
    leveldb::DB* db = nullptr;
    absl::Status s =
        FromLeveldb(leveldb::DB::Open(options, dir + "/" + name(), &db));
    if (!s.ok()) return s;
    db_.reset(db);
    keys_ = KeyNames(keys);
    leveldb::WriteBatch batch;
    for (int i = 0; i < keys; ++i) {
      batch.Put(keys_[static_cast<size_t>(i)], SmallValue(i).dump());
    }
    return FromLeveldb(db_->Write(leveldb::WriteOptions(), &batch));
  }

  absl::Status Update(const UpdateContext&, int key,
                      const Value& value) override {
    leveldb::WriteOptions options;
    options.sync = sync_;
    return FromLeveldb(
        db_->Put(options, keys_[static_cast<size_t>(key)], value.text));
  }

  absl::Status Close() override {
    db_.reset();
    return absl::OkStatus();
  }

 private:
  const bool sync_;
  std::unique_ptr<leveldb::DB> db_;
  std::vector<std::string> keys_;
};

}  // namespace

std::unique_ptr<Contestant> NewLeveldb(bool sync) {
  return std::make_unique<LeveldbContestant>(sync);
}

}  // namespace statelog::bench
