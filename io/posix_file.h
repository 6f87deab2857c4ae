// io/posix_file.h
//
// The File that Env::Default() opens: positioned reads and writes on a
// descriptor, fdatasync, and small writes through a mapping once asked
// (File::MapWrites, io/write_window.h). Errors name the file and offset.

#ifndef STATELOG_IO_POSIX_FILE_H_
#define STATELOG_IO_POSIX_FILE_H_

#include <memory>
#include <string>

#include "statelog/env.h"

namespace statelog::internal {

// A File over the open descriptor `fd`, which it owns and closes; `path`
// names it in errors.
std::unique_ptr<File> NewPosixFile(int fd, std::string path);

}  // namespace statelog::internal

#endif  // STATELOG_IO_POSIX_FILE_H_
