// bench/compare/machine.cc

#include "bench/compare/machine.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <string>

namespace statelog::bench {
namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// The mount whose mount point is the longest prefix of `dir`.
std::string FileSystemOf(const std::string& dir) {
  char resolved[4096];
  const std::string path =
      ::realpath(dir.c_str(), resolved) != nullptr ? resolved : dir;
  std::ifstream in("/proc/mounts");
  std::string device, mount_point, type, rest, best;
  size_t best_length = 0;
  while (in >> device >> mount_point >> type && std::getline(in, rest)) {
    const bool under =
        path.rfind(mount_point, 0) == 0 &&
        (mount_point == "/" || path.size() == mount_point.size() ||
         path[mount_point.size()] == '/');
    if (under && mount_point.size() >= best_length) {
      best_length = mount_point.size();
      best = type + " on " + device + " (mounted at " + mount_point + ")";
    }
  }
  return best.empty() ? "unknown file system" : best;
}

}  // namespace

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string DescribeMachine(const std::string& dir) {
  struct utsname u = {};
  ::uname(&u);
  char when[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " × " + CpuModel() +
         ", Linux " + u.release + ", " + FileSystemOf(dir) + ", " + when;
}

}  // namespace statelog::bench
