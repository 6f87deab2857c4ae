// txn/in_place.cc

#include "txn/in_place.h"

#include <algorithm>
#include <string>

namespace statelog::internal {

void AssignInPlace(Json* to, Json* from) noexcept {
  if (to->type() == from->type()) {
    switch (to->type()) {
      case Json::value_t::object: {
        Json::object_t& a = *to->get_ptr<Json::object_t*>();
        Json::object_t& b = *from->get_ptr<Json::object_t*>();
        if (a.size() != b.size() ||
            !std::equal(a.begin(), a.end(), b.begin(),
                        [](const auto& x, const auto& y) {
                          return x.first == y.first;
                        })) {
          break;
        }
        auto j = b.begin();
        for (auto i = a.begin(); i != a.end(); ++i, ++j) {
          AssignInPlace(&i->second, &j->second);
        }
        return;
      }
      case Json::value_t::array: {
        Json::array_t& a = *to->get_ptr<Json::array_t*>();
        Json::array_t& b = *from->get_ptr<Json::array_t*>();
        if (a.size() != b.size()) break;
        for (size_t i = 0; i < a.size(); ++i) AssignInPlace(&a[i], &b[i]);
        return;
      }
      case Json::value_t::string: {
        std::string& a = *to->get_ptr<std::string*>();
        const std::string& b = *from->get_ptr<std::string*>();
        if (b.size() > a.capacity()) break;
        a.assign(b);  // fits: no allocation
        return;
      }
      default:
        break;
    }
  }
  *to = std::move(*from);
}

namespace {

// Whether CopyInPlace can make `to` equal to `from` without allocating.
bool FitsInPlace(const Json& to, const Json& from) noexcept {
  switch (from.type()) {
    case Json::value_t::object: {
      if (!to.is_object() || to.size() != from.size()) return false;
      const Json::object_t& a = *to.get_ptr<const Json::object_t*>();
      const Json::object_t& b = *from.get_ptr<const Json::object_t*>();
      auto j = b.begin();
      for (auto i = a.begin(); i != a.end(); ++i, ++j) {
        if (i->first != j->first || !FitsInPlace(i->second, j->second)) {
          return false;
        }
      }
      return true;
    }
    case Json::value_t::array: {
      if (!to.is_array() || to.size() != from.size()) return false;
      const Json::array_t& a = *to.get_ptr<const Json::array_t*>();
      const Json::array_t& b = *from.get_ptr<const Json::array_t*>();
      for (size_t i = 0; i < a.size(); ++i) {
        if (!FitsInPlace(a[i], b[i])) return false;
      }
      return true;
    }
    case Json::value_t::string:
      return to.is_string() && to.get_ptr<const std::string*>()->capacity() >=
                                   from.get_ptr<const std::string*>()->size();
    case Json::value_t::binary:
      return false;
    default:
      // A scalar replaces a scalar or a string (whose buffer is freed);
      // not a container, whose destruction allocates in nlohmann.
      return !to.is_structured() && !to.is_binary();
  }
}

// REQUIRES: FitsInPlace(*to, from).
void CopyFitting(Json* to, const Json& from) noexcept {
  switch (from.type()) {
    case Json::value_t::object: {
      Json::object_t& a = *to->get_ptr<Json::object_t*>();
      auto j = from.get_ptr<const Json::object_t*>()->begin();
      for (auto i = a.begin(); i != a.end(); ++i, ++j) {
        CopyFitting(&i->second, j->second);
      }
      return;
    }
    case Json::value_t::array: {
      Json::array_t& a = *to->get_ptr<Json::array_t*>();
      const Json::array_t& b = *from.get_ptr<const Json::array_t*>();
      for (size_t i = 0; i < a.size(); ++i) CopyFitting(&a[i], b[i]);
      return;
    }
    case Json::value_t::string:
      to->get_ptr<std::string*>()->assign(*from.get_ptr<const std::string*>());
      return;
    default:
      *to = from;  // a scalar: nothing to allocate
      return;
  }
}

}  // namespace

bool CopyInPlace(Json* to, const Json& from) noexcept {
  if (!FitsInPlace(*to, from)) return false;
  CopyFitting(to, from);
  return true;
}

}  // namespace statelog::internal
