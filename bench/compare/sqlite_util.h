// bench/compare/sqlite_util.h
//
// A thin RAII wrapper over the SQLite C API for the comparison: open a
// database in WAL mode, run statements, upsert a key, read every row back.
// Errors are absl::Status carrying sqlite3_errmsg. Not thread-safe; callers
// serialize.

#ifndef STATELOG_BENCH_COMPARE_SQLITE_UTIL_H_
#define STATELOG_BENCH_COMPARE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace statelog::bench {

inline constexpr char kUpsertSql[] =
    "INSERT INTO kv(k, v) VALUES(?1, ?2) "
    "ON CONFLICT(k) DO UPDATE SET v = excluded.v";

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb() { Close().IgnoreError(); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens (creating if needed) `path` and switches it to the WAL journal.
  absl::Status Open(const std::string& path);
  absl::Status Exec(const char* sql);
  absl::Status Prepare(const char* sql, sqlite3_stmt** stmt);
  // Runs the prepared kUpsertSql statement once with `key` and `value`.
  absl::Status Upsert(sqlite3_stmt* stmt, const std::string& key,
                      const std::string& value);
  void Finalize(sqlite3_stmt** stmt);
  // Every row of table kv, in key order.
  absl::Status ReadAll(std::vector<std::pair<std::string, std::string>>* rows);
  absl::Status Close();

 private:
  absl::Status Error(const std::string& what) const;

  sqlite3* db_ = nullptr;
};

// Creates table kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID and fills it
// with KeyName(i) -> SmallValue(i) for i < keys, in one transaction with
// synchronous=OFF (setup, not measured). Leaves synchronous OFF: callers
// that measure set it.
absl::Status CreateKeyValueTable(SqliteDb* db, int keys);

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_SQLITE_UTIL_H_
