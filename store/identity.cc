// store/identity.cc

#include "store/identity.h"

#include <sys/random.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "io/atomic_file.h"
#include "io/errno_status.h"
#include "journal/format.h"
#include "util/file_names.h"
#include "util/hex.h"
#include "util/json_util.h"
#include "util/status_macros.h"
#include "util/time_format.h"

namespace statelog::internal {

absl::StatusOr<StoreIdentity> ReadIdentity(Env* env, const std::string& dir) {
  const std::string path = JoinPath(dir, kIdentityFileName);
  STATELOG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path));
  absl::StatusOr<Json> json = ParseJson(text, path);
  auto bad = [&] {
    return absl::DataLossError(absl::StrCat(
        path, " is damaged: expected {\"statelog\":1,\"store_id\":...}"));
  };
  if (!json.ok() || !json->is_object()) return bad();
  auto version = json->find("statelog");
  // A whole number above 1 is a later format's, not damage.
  if (version != json->end() && version->is_number_unsigned() && *version > 1) {
    return NewerFormatError(
        absl::StrCat(path, ": store format ", version->get<uint64_t>(),
                     " is not supported (this build reads format 1)"));
  }
  auto id = json->find("store_id");
  if (version == json->end() || *version != 1 || id == json->end() ||
      !id->is_string()) {
    return bad();
  }
  std::optional<std::string> raw = FromHex(id->get<std::string>());
  if (!raw || raw->size() != kStoreIdSize) return bad();
  StoreIdentity identity;
  identity.store_id = *raw;
  auto created = json->find("created_at");
  if (created != json->end() && created->is_string()) {
    identity.created_at = created->get<std::string>();
  }
  return identity;
}

absl::StatusOr<StoreIdentity> ReadIdentityOfStore(Env* env,
                                                  const std::string& dir) {
  const absl::Status dir_status = env->CheckDir(dir);
  if (absl::IsNotFound(dir_status)) {
    return absl::NotFoundError(absl::StrCat("no statelog store at ", dir,
                                            ": directory does not exist"));
  }
  STATELOG_RETURN_IF_ERROR(dir_status);
  absl::StatusOr<StoreIdentity> identity = ReadIdentity(env, dir);
  if (absl::IsNotFound(identity.status())) {
    return absl::NotFoundError(
        absl::StrCat("no statelog store in ", dir, " (no STORE file)"));
  }
  return identity;
}

absl::Status WriteIdentity(Env* env, const std::string& dir,
                           const StoreIdentity& identity) {
  Json json = {{"statelog", 1},
               {"store_id", ToHex(identity.store_id)},
               {"created_at", identity.created_at}};
  STATELOG_ASSIGN_OR_RETURN(std::string text, DumpJson(json));
  return WriteFileAtomically(env, dir, kIdentityFileName, {text, "\n"});
}

absl::StatusOr<StoreIdentity> NewIdentity() {
  StoreIdentity identity;
  identity.store_id.resize(kStoreIdSize);
  size_t done = 0;
  while (done < kStoreIdSize) {
    ssize_t n =
        getrandom(identity.store_id.data() + done, kStoreIdSize - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "getrandom");
    }
    done += n;
  }
  identity.created_at = FormatUtc(absl::Now());
  return identity;
}

}  // namespace statelog::internal
