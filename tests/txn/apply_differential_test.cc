// tests/txn/apply_differential_test.cc
//
// ApplyTransaction against nlohmann's own RFC 6902 implementation
// (json::patch) on random states and patches: where nlohmann follows the
// RFC, both must agree on the outcome and the result; wherever our apply
// fails, the state must be unchanged.

#include <random>
#include <string>

#include "tests/testing/test_util.h"
#include "txn/apply.h"

namespace statelog::internal {
namespace {

class RandomPatches {
 public:
  explicit RandomPatches(uint32_t seed) : rng_(seed) {}

  Json Value(int depth) {
    switch (Below(depth < 3 ? 6 : 4)) {
      case 0:
        return Below(10);
      case 1:
        return absl::StrCat("s", Below(3));
      case 2:
        return nullptr;
      case 3:
        return Below(2) == 0;
      case 4: {
        Json object = Json::object();
        for (int i = Below(4); i > 0; --i) object[Key()] = Value(depth + 1);
        return object;
      }
      default: {
        Json array = Json::array();
        for (int i = Below(4); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
    }
  }

  // Mostly paths that exist, sometimes one step off the end or through a
  // scalar, sometimes a malformed array index.
  std::string Pointer(const Json& state) {
    std::string pointer;
    const Json* node = &state;
    // The root is a rare target: most operations on it fail or wipe all.
    bool more = Below(20) != 0;
    while (node != nullptr && more) {
      if (node->is_object()) {
        std::string key = node->empty() || Below(8) == 0
                              ? Key()
                              : std::next(node->begin(),
                                          Below(static_cast<int>(node->size())))
                                    .key();
        pointer += "/" + key;
        node = node->contains(key) ? &(*node)[key] : nullptr;
      } else if (node->is_array()) {
        const int pick = Below(16);
        const size_t size = node->size();
        if (pick == 0) {
          pointer += "/-";
          node = nullptr;
        } else if (pick == 1) {
          pointer += "/01";
          node = nullptr;
        } else {
          const size_t index =
              pick == 2 || size == 0
                  ? size
                  : static_cast<size_t>(Below(static_cast<int>(size)));
          pointer += absl::StrCat("/", index);
          node = index < size ? &(*node)[index] : nullptr;
        }
      } else {
        if (Below(6) == 0) pointer += "/" + Key();
        break;
      }
      more = Below(3) != 0;
    }
    return pointer;
  }

  Json Op(const Json& state) {
    static const char* const kKinds[] = {"add",  "remove", "replace",
                                         "move", "copy",   "test"};
    const std::string kind = kKinds[Below(6)];
    Json op = {{"op", kind}, {"path", Pointer(state)}};
    if (kind == "move" || kind == "copy") op["from"] = Pointer(state);
    if (kind == "add" || kind == "replace") op["value"] = Value(1);
    if (kind == "test") {
      const Json::json_pointer at(op["path"].get<std::string>());
      op["value"] =
          Below(6) != 0 && state.contains(at) ? state.at(at) : Value(1);
    }
    return op;
  }

  int Below(int n) {
    return static_cast<int>(rng_() % static_cast<uint32_t>(n));
  }

 private:
  std::string Key() {
    return std::string(1, static_cast<char>('a' + Below(4)));
  }
  std::mt19937 rng_;
};

// nlohmann departs from RFC 6902 in three places: it turns a null parent
// into an object when adding; it adds to or removes from a scalar parent
// silently or with an assertion; and it cannot remove the root, so it fails
// moving the document onto itself, which is a no-op. Cases that reach them
// are not compared.
bool NlohmannFollowsTheRfc(const Json& state, const Json& op) {
  const std::string kind = op["op"];
  if (kind == "test" || kind == "replace") return true;
  if (kind == "move" && op["from"] == "" && op["path"] == "") return false;
  Json scratch = state;
  if (kind == "move") {
    try {
      scratch = scratch.patch(
          Json::array({{{"op", "remove"}, {"path", op["from"]}}}));
    } catch (const Json::exception&) {
      return true;  // the move fails before its add
    }
  }
  try {
    const Json::json_pointer path(op["path"].get<std::string>());
    if (path.empty()) return true;
    const Json::json_pointer parent = path.parent_pointer();
    if (!scratch.contains(parent)) return true;
    const Json& container = scratch.at(parent);
    return container.is_object() || container.is_array();
  } catch (const Json::exception&) {
    return true;
  }
}

TEST(ApplyAtomicityTest, RandomPatchesMatchNlohmannOrFailCleanly) {
  RandomPatches random(20240611);
  int compared = 0;
  int failed = 0;
  for (int round = 0; round < 3000; ++round) {
    Json start = random.Value(0);
    if (!start.is_object()) start = {{"a", std::move(start)}};
    Json expected = start;
    Json patch = Json::array();
    bool comparable = true;
    bool nlohmann_ok = true;
    for (int i = 1 + random.Below(4); i > 0; --i) {
      Json op = random.Op(expected);
      patch.push_back(op);
      if (!nlohmann_ok || !comparable) continue;
      if (!NlohmannFollowsTheRfc(expected, op)) {
        comparable = false;
        continue;
      }
      try {
        expected = expected.patch(Json::array({op}));
      } catch (const Json::exception&) {
        nlohmann_ok = false;
      }
    }
    Json state = start;
    absl::StatusOr<Transaction> txn = Transaction::FromJson(patch);
    ASSERT_OK(txn) << patch;
    absl::Status status = ApplyTransaction(*txn, &state);
    if (!status.ok()) {
      ++failed;
      EXPECT_EQ(state.dump(), start.dump()) << patch << "\n" << status;
    }
    // Moving the values in (as replay does) instead of copying them gives
    // the same outcome.
    Json moved_into = start;
    EXPECT_EQ(ApplyTransaction(*txn, &moved_into, Validation::kValidate,
                               Values::kMove),
              status)
        << patch;
    EXPECT_EQ(moved_into.dump(), state.dump()) << patch;
    if (!comparable) continue;
    ++compared;
    if (nlohmann_ok) {
      EXPECT_OK(status) << start << "\n" << patch;
      EXPECT_EQ(state.dump(), expected.dump()) << start << "\n" << patch;
    } else {
      EXPECT_FALSE(status.ok()) << start << "\n" << patch;
    }
  }
  // The generator must exercise both outcomes, not just one.
  EXPECT_GT(compared, 2000);
  EXPECT_GT(failed, 500);
  EXPECT_LT(failed, 2500);
}

}  // namespace
}  // namespace statelog::internal
