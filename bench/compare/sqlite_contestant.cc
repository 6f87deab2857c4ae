// bench/compare/sqlite_contestant.cc
//
// SQLite as a durable key-value store: WAL journal, synchronous=FULL (every
// commit fsyncs the WAL), a WITHOUT ROWID table with one row per key holding
// the value's JSON text, one autocommit upsert per update. One connection
// shared under a lock: SQLite serializes writers anyway, and its busy
// handler sleeps, so separate connections would only be slower.

#include <mutex>

#include "bench/compare/contestant.h"
#include "bench/compare/sqlite_util.h"

namespace statelog::bench {
namespace {

class SqliteContestant : public Contestant {
 public:
  std::string name() const override { return "sqlite-wal-full"; }
  bool durable() const override { return true; }

  absl::Status Setup(const std::string& dir, int keys) override {
    absl::Status s = db_.Open(dir + "/sqlite.db");
    if (s.ok()) s = CreateKeyValueTable(&db_, keys);
    if (s.ok()) s = db_.Exec("PRAGMA synchronous=FULL");
    if (s.ok()) s = db_.Prepare(kUpsertSql, &upsert_);
    keys_ = KeyNames(keys);
    return s;
  }

  absl::Status Update(const UpdateContext&, int key,
                      const Value& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    return db_.Upsert(upsert_, keys_[static_cast<size_t>(key)], value.text);
  }

  absl::Status Close() override {
    db_.Finalize(&upsert_);
    return db_.Close();
  }

 private:
  std::mutex mu_;
  SqliteDb db_;
  sqlite3_stmt* upsert_ = nullptr;
  std::vector<std::string> keys_;
};

}  // namespace

std::unique_ptr<Contestant> NewSqlite() {
  return std::make_unique<SqliteContestant>();
}

}  // namespace statelog::bench
