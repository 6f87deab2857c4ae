// statelog/transaction.h
//
// A Transaction is an ordered list of operations on the state, applied all or
// nothing. It becomes exactly one journal record.
//
// Operations: the six of RFC 6902 JSON Patch (add, remove, replace, move,
// copy, test), an RFC 7386 merge patch, and two shorthands: `Set` (add or
// replace, creating missing parent objects) and `Unset` (remove if present:
// a path that names nothing, such as "/arr/x" in an array, is no change,
// where the other operations refuse a step into an array that is not an
// index).
//
// `test` compares numbers as nlohmann/json does: integers exactly with
// integers, and an integer with a floating-point number after converting
// the integer to double, so 9007199254740993 tests equal to
// 9007199254740992.0. Journals hold the operations, and replay must decide
// every test as it was decided when written, so this stays as it is.
//
// Example:
//
//   statelog::Transaction txn;
//   txn.Test("/step", 41).Set("/step", 42).Merge({{"status", "running"}});
//   absl::StatusOr<uint64_t> seq = store->Apply(txn);
//
// Building a Transaction never fails; values and pointers are validated by
// `Validate()`, which `Store::Apply` calls before anything reaches the
// journal. A Transaction is a value type; it is not thread-safe.

#ifndef STATELOG_TRANSACTION_H_
#define STATELOG_TRANSACTION_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace statelog {

using Json = nlohmann::json;

// How deep a state nests. An operation's value is rejected if its own
// nesting plus the levels above it exceeds this; the levels above it are
// its pointer's depth, but at least 3, the levels of the journal record
// around it ({"ops":[{"value":...}]}). So a value at "" or "/x" may nest
// 253 levels, one at "/a/b/c/d" 252.
inline constexpr int kMaxNestingDepth = 256;

enum class OpKind {
  kAdd,
  kRemove,
  kReplace,
  kMove,
  kCopy,
  kTest,
  kMerge,
  kSet,
  kUnset
};

// The name used in JSON: "add", ..., "merge", "set", "unset".
const char* OpKindName(OpKind kind);

struct Operation {
  OpKind kind;
  std::string path;  // JSON pointer; empty for kMerge
  std::string from;  // kMove and kCopy only
  Json value;        // kAdd, kReplace, kTest, kSet, kMerge
};

class Transaction {
 public:
  Transaction() = default;

  // Each builder adds one operation and returns the transaction. On a
  // temporary it returns it as an rvalue, so that
  // `store->Apply(Transaction().Set("/k", std::move(v)))` hands the values
  // over to the store (Store::Apply(Transaction&&)) instead of having them
  // copied.
  Transaction& Add(std::string path, Json value) &;
  Transaction& Remove(std::string path) &;
  Transaction& Replace(std::string path, Json value) &;
  Transaction& Move(std::string from, std::string path) &;
  Transaction& Copy(std::string from, std::string path) &;
  Transaction& Test(std::string path, Json value) &;
  Transaction& Merge(Json patch) &;
  Transaction& Set(std::string path, Json value) &;
  Transaction& Unset(std::string path) &;
  // Any of the above as an Operation; the members its kind does not use
  // are dropped, as those builders leave them empty.
  Transaction& Append(Operation op) &;

  Transaction&& Add(std::string path, Json value) && {
    return std::move(Add(std::move(path), std::move(value)));
  }
  Transaction&& Remove(std::string path) && {
    return std::move(Remove(std::move(path)));
  }
  Transaction&& Replace(std::string path, Json value) && {
    return std::move(Replace(std::move(path), std::move(value)));
  }
  Transaction&& Move(std::string from, std::string path) && {
    return std::move(Move(std::move(from), std::move(path)));
  }
  Transaction&& Copy(std::string from, std::string path) && {
    return std::move(Copy(std::move(from), std::move(path)));
  }
  Transaction&& Test(std::string path, Json value) && {
    return std::move(Test(std::move(path), std::move(value)));
  }
  Transaction&& Merge(Json patch) && {
    return std::move(Merge(std::move(patch)));
  }
  Transaction&& Set(std::string path, Json value) && {
    return std::move(Set(std::move(path), std::move(value)));
  }
  Transaction&& Unset(std::string path) && {
    return std::move(Unset(std::move(path)));
  }
  Transaction&& Append(Operation op) && {
    return std::move(Append(std::move(op)));
  }

  const std::vector<Operation>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

  // Checks every pointer (RFC 6901 syntax) and value (depth, UTF-8, finite
  // numbers). InvalidArgument naming the operation index and pointer.
  [[nodiscard]] absl::Status Validate() const;

  // The operations that turn `from` into `to`, so that a program holding
  // its whole state can journal only what changed (Store::Save): in
  // objects, a `remove` per member gone, an `add` per member new, and the
  // differences inside the members both have (an object most of whose
  // members come or go is replaced whole); in arrays, the shortest edit
  // script (Myers): elements added where they were inserted ("-" at the
  // end), removed where they were, and changed in place where one took
  // another's place (an array that needs more than 64 edits, or whose new
  // elements would be more than half of it, is replaced whole); anything
  // else that differs, a `replace`. Strings are replaced whole (JSON Patch
  // has no append). Empty if the two are the same, with numbers compared
  // as their JSON text is: 1 and 1.0 differ. Applied to `from`, it gives
  // `to`.
  static Transaction Diff(const Json& from, const Json& to);

  // The journal form: {"ops":[{"op":"add","path":...,"value":...},...]}.
  Json ToJson() const;
  // Accepts the journal form, an RFC 6902 patch (a JSON array), or
  // {"merge": patch}. InvalidArgument naming the operation index on any
  // malformed operation. Validates like `Validate()`. An empty patch
  // gives an empty transaction, which Store::Apply takes as changing
  // nothing.
  static absl::StatusOr<Transaction> FromJson(const Json& json);
  // The same, taking the values out of `json` instead of copying them.
  static absl::StatusOr<Transaction> FromJson(Json&& json);

 private:
  std::vector<Operation> ops_;
};

}  // namespace statelog

#endif  // STATELOG_TRANSACTION_H_
