// bench/compare/sqlite_util.cc

#include "bench/compare/sqlite_util.h"

#include "bench/workload.h"

namespace statelog::bench {

absl::Status SqliteDb::Error(const std::string& what) const {
  return absl::InternalError(what + ": " +
                             (db_ != nullptr ? sqlite3_errmsg(db_) : "no db"));
}

absl::Status SqliteDb::Open(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return Error("sqlite3_open " + path);
  }
  return Exec("PRAGMA journal_mode=WAL");
}

absl::Status SqliteDb::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "?";
    sqlite3_free(message);
    return absl::InternalError(std::string(sql) + ": " + text);
  }
  return absl::OkStatus();
}

absl::Status SqliteDb::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) {
    return Error(std::string("prepare ") + sql);
  }
  return absl::OkStatus();
}

absl::Status SqliteDb::Upsert(sqlite3_stmt* stmt, const std::string& key,
                              const std::string& value) {
  sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, value.data(), static_cast<int>(value.size()),
                    SQLITE_STATIC);
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) return Error("upsert");
  return absl::OkStatus();
}

void SqliteDb::Finalize(sqlite3_stmt** stmt) {
  sqlite3_finalize(*stmt);
  *stmt = nullptr;
}

absl::Status SqliteDb::ReadAll(
    std::vector<std::pair<std::string, std::string>>* rows) {
  sqlite3_stmt* stmt = nullptr;
  absl::Status s = Prepare("SELECT k, v FROM kv", &stmt);
  if (!s.ok()) return s;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    auto text = [&](int column) {
      return std::string(
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)),
          static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
    };
    rows->emplace_back(text(0), text(1));
  }
  if (rc != SQLITE_DONE) s = Error("select");
  Finalize(&stmt);
  return s;
}

absl::Status SqliteDb::Close() {
  if (db_ == nullptr) return absl::OkStatus();
  const int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) return Error("sqlite3_close");
  db_ = nullptr;
  return absl::OkStatus();
}

absl::Status CreateKeyValueTable(SqliteDb* db, int keys) {
  absl::Status s = db->Exec("PRAGMA synchronous=OFF");
  if (s.ok()) {
    s = db->Exec(
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
  }
  if (s.ok()) s = db->Exec("BEGIN");
  sqlite3_stmt* stmt = nullptr;
  if (s.ok()) s = db->Prepare(kUpsertSql, &stmt);
  for (int i = 0; s.ok() && i < keys; ++i) {
    s = db->Upsert(stmt, KeyName(i), SmallValue(i).dump());
  }
  if (stmt != nullptr) db->Finalize(&stmt);
  if (s.ok()) s = db->Exec("COMMIT");
  return s;
}

}  // namespace statelog::bench
