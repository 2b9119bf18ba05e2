#include "overrides.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {
namespace {

namespace pb = google::protobuf;

/// The parser's first complaint about a value, instead of protobuf's log.
class first_error : public pb::io::ErrorCollector {
 public:
  void AddError(int, pb::io::ColumnNumber, const std::string& message) override {
    if (message_.empty()) message_ = message;
  }
  void AddWarning(int line, pb::io::ColumnNumber column, const std::string& message) override {
    AddError(line, column, message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

/// "a, b, c": what a message of type `d` holds, for an error about a name not in it.
std::string field_names(const pb::Descriptor* d) {
  std::string names;
  for (int i = 0; i < d->field_count(); ++i) names += (i == 0 ? "" : ", ") + d->field(i)->name();
  return names;
}

/// One step of a path: a field's name and, for a list, which of its values.
struct step {
  std::string name;
  std::optional<int> index;
};

/// "deployment[0]" -> {deployment, 0}; nothing when it is not a name with an optional [N].
std::optional<step> parse_step(std::string_view text) {
  step s;
  const std::size_t bracket = text.find('[');
  s.name = std::string(text.substr(0, bracket));
  if (s.name.empty()) return std::nullopt;
  for (const char c : s.name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return std::nullopt;
  }
  if (bracket == std::string_view::npos) return s;
  if (text.back() != ']' || text.size() < bracket + 3) return std::nullopt;
  const std::string_view digits = text.substr(bracket + 1, text.size() - bracket - 2);
  int index = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || index < 0) return std::nullopt;
  s.index = index;
  return s;
}

/// Sets the singular field `f` of `m` from `value`; empty, or why not.
std::string set_value(pb::Message& m, const pb::FieldDescriptor* f, const std::string& value) {
  const pb::Reflection* r = m.GetReflection();
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    r->SetString(&m, f, value);  // as it is: "4d", a name
    return {};
  }
  // Parsed as "name: value" into a message of its own, so that the value
  // cannot set anything but this field.
  std::unique_ptr<pb::Message> scratch(m.New());
  first_error errors;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  std::vector<const pb::FieldDescriptor*> set;
  if (parser.ParseFromString(f->name() + ": " + value, scratch.get())) {
    scratch->GetReflection()->ListFields(*scratch, &set);
  }
  if (!errors.message().empty() || set.size() > 1 || (set.size() == 1 && set[0] != f)) {
    return "not a valid " + std::string(f->type_name()) + " for " + f->name() + ": " + value +
           (errors.message().empty() ? "" : " (" + errors.message() + ")");
  }
  r->ClearField(&m, f);
  m.MergeFrom(*scratch);  // a default value was cleared above: what MergeFrom skips is already set
  return {};
}

/// Sets one override on `root`; empty, or why not.
std::string apply(const field_override& o, pb::Message& root) {
  if (o.path.empty()) return "no field named: PATH=VALUE, e.g. fleet.network.loss=0.02";
  if (o.path.size() > override_path_bytes_max) {
    return "the path is longer than " + std::to_string(override_path_bytes_max) + " bytes (override_path_bytes_max)";
  }
  if (o.value.size() > override_value_bytes_max) {
    return "the value is longer than " + std::to_string(override_value_bytes_max) +
           " bytes (override_value_bytes_max)";
  }
  pb::Message* m = &root;
  std::string walked;  // the path so far, for messages: "deployment[0].rollout"
  std::string_view rest = o.path;
  for (;;) {
    const std::size_t dot = rest.find('.');
    const std::string_view text = rest.substr(0, dot);
    const bool last = dot == std::string_view::npos;
    const std::optional<step> s = parse_step(text);
    if (!s) return "\"" + std::string(text) + "\" is not a field name, with an optional [index]";
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::FieldDescriptor* f = d->FindFieldByName(s->name);
    const std::string in = walked.empty() ? "the scenario" : walked;
    if (f == nullptr) return "no field \"" + s->name + "\" in " + in + " (its fields: " + field_names(d) + ")";
    const std::string here = (walked.empty() ? "" : walked + ".") + std::string(text);
    const pb::Reflection* r = m->GetReflection();
    const bool is_message = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    if (last) {
      if (f->is_repeated()) return here + " is a list: --set sets one field, not a list or one of its values";
      if (is_message) return here + " is a message: set one of its fields (" + field_names(f->message_type()) + ")";
      if (s->index) return here + ": " + s->name + " is not a list";
      return set_value(*m, f, o.value);
    }
    if (!is_message) return here + " is a " + f->type_name() + ", not a message: nothing in it to set";
    if (f->is_repeated()) {
      if (!s->index) return here + " is a list: say which, from 0: " + s->name + "[0]";
      const int size = r->FieldSize(*m, f);
      if (*s->index >= size) {
        if (size == 0) return here + ": " + in + " has no " + s->name;
        return here + ": " + in + " has " + std::to_string(size) + " " + s->name + " (from [0] to [" +
               std::to_string(size - 1) + "])";
      }
      m = r->MutableRepeatedMessage(m, f, *s->index);
    } else {
      if (s->index) return here + ": " + s->name + " is not a list";
      m = r->MutableMessage(m, f);
    }
    walked = here;
    rest = rest.substr(dot + 1);
  }
}

}  // namespace

std::vector<diagnostic> apply_overrides(const std::vector<field_override>& overrides, Scenario& parsed) {
  std::vector<diagnostic> errors;
  if (overrides.size() > overrides_max) {
    errors.push_back({overrides[overrides_max].flag, {},
                      "more than " + std::to_string(overrides_max) + " fields set (overrides_max)"});
    return errors;
  }
  for (const field_override& o : overrides) {
    if (const std::string why = apply(o, parsed); !why.empty()) errors.push_back({o.flag, {}, why});
  }
  return errors;
}

}  // namespace fleet::scenario
