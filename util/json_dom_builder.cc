// util/json_dom_builder.cc

#include "util/json_dom_builder.h"

#include <utility>

namespace statelog::internal {

JsonDomBuilder::JsonDomBuilder(Json* root, int max_depth)
    : root_(root), max_depth_(max_depth < 0 ? 0 : max_depth) {}

bool JsonDomBuilder::null() {
  Put(Json(nullptr));
  return true;
}

bool JsonDomBuilder::boolean(bool value) {
  Put(Json(value));
  return true;
}

bool JsonDomBuilder::number_integer(Json::number_integer_t value) {
  Put(Json(value));
  return true;
}

bool JsonDomBuilder::number_unsigned(Json::number_unsigned_t value) {
  Put(Json(value));
  return true;
}

bool JsonDomBuilder::number_float(Json::number_float_t value,
                                  const Json::string_t& /*text*/) {
  Put(Json(value));
  return true;
}

bool JsonDomBuilder::string(Json::string_t& value) {
  Put(Json(std::move(value)));
  return true;
}

bool JsonDomBuilder::binary(Json::binary_t& /*value*/) {
  return RefuseBinary();
}

bool JsonDomBuilder::start_object(std::size_t /*size_hint*/) {
  return Open(Json(Json::value_t::object));
}

bool JsonDomBuilder::key(Json::string_t& name) {
  Json::object_t& object = *open_.back()->get_ptr<Json::object_t*>();
  // A repeated key keeps its last value, as nlohmann's own parser does.
  member_ = &object[std::move(name)];
  return true;
}

bool JsonDomBuilder::end_object() {
  open_.pop_back();
  return true;
}

bool JsonDomBuilder::start_array(std::size_t /*size_hint*/) {
  return Open(Json(Json::value_t::array));
}

bool JsonDomBuilder::end_array() {
  open_.pop_back();
  return true;
}

bool SaxErrors::RefuseBinary() {
  error_id_ = -1;
  error_text_ = "binary value";
  return false;
}

bool SaxErrors::parse_error(std::size_t position, const std::string& last_token,
                            const Json::exception& error) {
  error_id_ = error.id;
  error_text_ = error.what();
  error_position_ = position;
  error_token_ = last_token;
  return false;
}

bool JsonDomBuilder::Open(Json container) {
  // Checked before the container exists, so the deep part is never built.
  if (open_.size() >= max_depth_) {
    too_deep_ = true;
    return false;
  }
  open_.push_back(Put(std::move(container)));
  return true;
}

Json* JsonDomBuilder::Put(Json value) {
  if (open_.empty()) {
    *root_ = std::move(value);
    return root_;
  }
  // Pointers to earlier array elements go stale when the array grows, but
  // only the innermost open container ever grows and nothing points into it.
  if (Json::array_t* array = open_.back()->get_ptr<Json::array_t*>()) {
    array->push_back(std::move(value));
    return &array->back();
  }
  *member_ = std::move(value);
  return member_;
}

JsonChecker::JsonChecker(int max_depth)
    : max_depth_(max_depth < 0 ? 0 : max_depth) {}

bool JsonChecker::Open() {
  // The same rule as JsonDomBuilder::Open.
  if (depth_ >= max_depth_) {
    too_deep_ = true;
    return false;
  }
  ++depth_;
  return true;
}

}  // namespace statelog::internal
