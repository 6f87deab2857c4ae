// fuzz/fuzz_store_dir.h
//
// Puts the files of a fuzz input (fuzz/fuzz_input.h) into a store
// directory of an in-memory Env, so that fuzzing never touches the disk,
// and lists what such a directory holds.

#ifndef STATELOG_FUZZ_FUZZ_STORE_DIR_H_
#define STATELOG_FUZZ_FUZZ_STORE_DIR_H_

#include <map>
#include <string>

#include "fuzz/fuzz_input.h"
#include "tests/testing/mem_env.h"

namespace statelog::fuzz {

// The store directory every target uses inside its MemEnv.
inline constexpr char kStoreDir[] = "/store";

// Creates kStoreDir in `env` and writes every file of `input` into it,
// durable. Returns the files as name -> contents.
std::map<std::string, std::string> PopulateStoreDir(const DirInput& input,
                                                    testing::MemEnv* env);

// Every regular file under kStoreDir (not in subdirectories): name ->
// contents.
std::map<std::string, std::string> StoreDirFiles(testing::MemEnv* env);

}  // namespace statelog::fuzz

#endif  // STATELOG_FUZZ_FUZZ_STORE_DIR_H_
