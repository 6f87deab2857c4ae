// fuzz/fuzz_store_dir.cc

#include "fuzz/fuzz_store_dir.h"

#include "fuzz/fuzz_check.h"
#include "util/file_names.h"

namespace statelog::fuzz {

std::map<std::string, std::string> PopulateStoreDir(const DirInput& input,
                                                    testing::MemEnv* env) {
  absl::Status created = env->CreateDir(kStoreDir);
  STATELOG_FUZZ_CHECK(created.ok(), created.ToString());
  std::map<std::string, std::string> files;
  for (const NamedFile& file : input.files) {
    env->PutFile(internal::JoinPath(kStoreDir, file.name), file.data);
    files[file.name] = file.data;
  }
  return files;
}

std::map<std::string, std::string> StoreDirFiles(testing::MemEnv* env) {
  std::map<std::string, std::string> files;
  absl::StatusOr<std::vector<std::string>> names = env->ListDir(kStoreDir);
  STATELOG_FUZZ_CHECK(names.ok(), names.status().ToString());
  for (const std::string& name : *names) {
    std::string data;
    if (env->GetFile(internal::JoinPath(kStoreDir, name), &data)) {
      files[name] = std::move(data);
    }
  }
  return files;
}

}  // namespace statelog::fuzz
