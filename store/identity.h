// store/identity.h
//
// The STORE file: marks a directory as a complete statelog store and holds
// its identity. It is written last when a store is created, so a directory
// without it is not (yet) a store.
//
//   {"statelog":1,"store_id":"<32 hex digits>","created_at":"<ISO-8601 UTC>"}

#ifndef STATELOG_STORE_IDENTITY_H_
#define STATELOG_STORE_IDENTITY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "statelog/env.h"

namespace statelog::internal {

struct StoreIdentity {
  std::string store_id;  // raw kStoreIdSize bytes
  std::string created_at;
};

// NotFound if `dir/STORE` is absent; DataLoss if it is malformed.
absl::StatusOr<StoreIdentity> ReadIdentity(Env* env, const std::string& dir);
// The same for readers that take no lock (verify, history): first checks
// `dir` (Env::CheckDir), and says NotFound as Store::Open does, naming the
// directory ("no statelog store at DIR: directory does not exist", "no
// statelog store in DIR (no STORE file)").
absl::StatusOr<StoreIdentity> ReadIdentityOfStore(Env* env,
                                                  const std::string& dir);
absl::Status WriteIdentity(Env* env, const std::string& dir,
                           const StoreIdentity& identity);
// A fresh identity with 128 random bits.
absl::StatusOr<StoreIdentity> NewIdentity();

}  // namespace statelog::internal

#endif  // STATELOG_STORE_IDENTITY_H_
