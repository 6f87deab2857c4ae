// util/json_dom_builder.h
//
// A SAX handler for nlohmann::json::sax_parse that builds a Json value and
// refuses containers nested deeper than a limit, so that hostile input never
// builds (or later recurses through) a deep tree. ParseJson uses it instead
// of nlohmann's parser callback: the callback parser scans the parent
// container after every nested object it finishes, which makes parsing
// quadratic in the number of sibling objects. Internal to statelog.

#ifndef STATELOG_UTIL_JSON_DOM_BUILDER_H_
#define STATELOG_UTIL_JSON_DOM_BUILDER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "statelog/transaction.h"

namespace statelog::internal {

class JsonDomBuilder {
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

 private:
  // Stores `value` where the parse currently is; returns where it went.
  Json* Put(Json value);
  bool Open(Json container);

  Json* const root_;
  const std::size_t max_depth_;
  std::vector<Json*> open_;  // containers being filled, outermost first
  Json* member_ = nullptr;   // the member the last key() created
  bool too_deep_ = false;
  int error_id_ = 0;
  std::string error_text_;
  std::size_t error_position_ = 0;
  std::string error_token_;
};

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_JSON_DOM_BUILDER_H_
