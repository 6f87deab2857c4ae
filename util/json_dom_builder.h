// util/json_dom_builder.h
//
// SAX handlers for nlohmann::json::sax_parse that refuse containers nested
// deeper than a limit, so that hostile input never builds (or later recurses
// through) a deep tree: JsonDomBuilder builds a Json value (ParseJson uses
// it instead of nlohmann's parser callback, which scans the parent container
// after every nested object it finishes and so is quadratic in the number of
// sibling objects), JsonChecker builds nothing (CheckJson). Internal to
// statelog.

#ifndef STATELOG_UTIL_JSON_DOM_BUILDER_H_
#define STATELOG_UTIL_JSON_DOM_BUILDER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "statelog/transaction.h"

namespace statelog::internal {

// What both handlers record when a parse stops.
class SaxErrors {
 public:
  bool parse_error(std::size_t position, const std::string& last_token,
                   const Json::exception& error);

  // After a failed parse: whether it stopped at a too-deep container.
  bool too_deep() const { return too_deep_; }
  // After a syntax error or an out-of-range number: nlohmann's exception id
  // (101.., 406), its description, the number of bytes the lexer had
  // consumed and the token it was reading.
  int error_id() const { return error_id_; }
  const std::string& error_text() const { return error_text_; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error_token() const { return error_token_; }

 protected:
  // JSON text has no binary values; only the binary formats produce them.
  bool RefuseBinary();

  bool too_deep_ = false;
  int error_id_ = 0;
  std::string error_text_;
  std::size_t error_position_ = 0;
  std::string error_token_;
};

class JsonDomBuilder : public SaxErrors {
 public:
  // Builds into `*root`, which must outlive the builder. A container that
  // would be enclosed by `max_depth` others stops the parse.
  JsonDomBuilder(Json* root, int max_depth);

  JsonDomBuilder(const JsonDomBuilder&) = delete;
  JsonDomBuilder& operator=(const JsonDomBuilder&) = delete;

  // The SAX interface. Each returns false to stop the parse.
  bool null();
  bool boolean(bool value);
  bool number_integer(Json::number_integer_t value);
  bool number_unsigned(Json::number_unsigned_t value);
  bool number_float(Json::number_float_t value, const Json::string_t& text);
  bool string(Json::string_t& value);
  bool binary(Json::binary_t& value);
  bool start_object(std::size_t size_hint);
  bool key(Json::string_t& name);
  bool end_object();
  bool start_array(std::size_t size_hint);
  bool end_array();

 private:
  // Stores `value` where the parse currently is; returns where it went.
  Json* Put(Json value);
  bool Open(Json container);

  Json* const root_;
  const std::size_t max_depth_;
  std::vector<Json*> open_;  // containers being filled, outermost first
  Json* member_ = nullptr;   // the member the last key() created
};

// Accepts exactly what JsonDomBuilder accepts (with the same lexer, the same
// errors) without building anything.
class JsonChecker : public SaxErrors {
 public:
  explicit JsonChecker(int max_depth);

  JsonChecker(const JsonChecker&) = delete;
  JsonChecker& operator=(const JsonChecker&) = delete;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const Json::string_t&) {
    return true;
  }
  bool string(Json::string_t&) { return true; }
  bool binary(Json::binary_t&) { return RefuseBinary(); }
  bool start_object(std::size_t) { return Open(); }
  bool key(Json::string_t&) { return true; }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(); }
  bool end_array() { return Close(); }

 private:
  bool Open();
  bool Close() {
    --depth_;
    return true;
  }

  const std::size_t max_depth_;
  std::size_t depth_ = 0;  // containers open
};

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_JSON_DOM_BUILDER_H_
