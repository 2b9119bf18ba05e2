#include "source_map.hpp"

#include <cstdlib>
#include <string>

namespace fleet::scenario {
namespace {

/// Protobuf wants -1 for a singular field and a value's index for a repeated
/// one: a repeated field named without an index stands for its first value.
int slot(const google::protobuf::FieldDescriptor* f, int index) {
  if (!f->is_repeated()) return -1;
  return index < 0 ? 0 : index;
}

}  // namespace

source_map::source_map(const tree* fields, const google::protobuf::Descriptor* type, location self)
    : fields_(fields), type_(type), self_(self) {}

const google::protobuf::FieldDescriptor* source_map::find(std::string_view field) const {
  if (type_ == nullptr) return nullptr;
  return type_->FindFieldByName(std::string(field));
}

location source_map::at(std::string_view field, int index) const {
  const google::protobuf::FieldDescriptor* f = find(field);
  if (fields_ == nullptr || f == nullptr) return self_;
  // Protobuf counts from 0; files are read by people, who count from 1.
  const auto start = fields_->GetLocation(f, slot(f, index));
  if (start.line < 0) return self_;
  return location{start.line + 1, start.column + 1};
}

source_map source_map::nested(std::string_view field, int index) const {
  const google::protobuf::FieldDescriptor* f = find(field);
  const location where = at(field, index);
  if (f == nullptr || f->message_type() == nullptr) return source_map(nullptr, nullptr, where);
  const tree* inner = fields_ == nullptr ? nullptr : fields_->GetTreeForNested(f, slot(f, index));
  return source_map(inner, f->message_type(), where);
}

location source_map::at_path(std::string_view path) const {
  source_map m = *this;
  while (true) {
    const std::size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    int index = -1;
    if (const std::size_t open = step.find('['); open != std::string_view::npos) {
      index = std::atoi(std::string(step.substr(open + 1)).c_str());
      step = step.substr(0, open);
    }
    if (dot == std::string_view::npos) return m.at(step, index);
    m = m.nested(step, index);
    path.remove_prefix(dot + 1);
  }
}

}  // namespace fleet::scenario
