// tests/testing/test_util.cc

#include "tests/testing/test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/checksum.h"
#include "util/json_util.h"

namespace statelog::testing {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/statelog-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void EditSnapshotHeader(const std::string& path,
                        const std::function<void(Json*)>& edit) {
  // The layout of docs/format.md: {"statelog_snapshot":HEADER,\n"state":...
  const std::string prefix = "{\"statelog_snapshot\":";
  const std::string state_key = ",\n\"state\":";
  std::string bytes = ReadFileOrDie(path);
  const size_t end = bytes.find(state_key);
  if (bytes.rfind(prefix, 0) != 0 || end == std::string::npos) {
    throw std::runtime_error("not a snapshot: " + path);
  }
  Json header = Json::parse(bytes.substr(prefix.size(), end - prefix.size()));
  edit(&header);
  header.erase("header_xxh3");
  const uint64_t sum = internal::Checksum(*internal::DumpJson(header));
  header["header_xxh3"] = internal::ChecksumHex(sum);
  bytes.replace(prefix.size(), end - prefix.size(),
                *internal::DumpJson(header));
  WriteFileOrDie(path, bytes);
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir, const Options& o) {
  absl::StatusOr<OpenResult> r = Store::Open(dir, o);
  EXPECT_OK(r);
  if (!r.ok()) return nullptr;
  return std::move(r->store);
}

BackgroundWriter::BackgroundWriter(Store* store) {
  thread_ = std::thread([this, store] {
    for (int i = 0; !stop_.load(); ++i) {
      const absl::Status s = store->Apply(Transaction().Set("/w", i)).status();
      EXPECT_OK(s);
      if (!s.ok()) break;
      committed_.fetch_add(1);
    }
    stop_ = true;
  });
  while (committed_.load() < 3 && !stop_.load()) std::this_thread::yield();
}

void BackgroundWriter::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace statelog::testing
