#pragma once
// Where each field of a parsed message stood in the file, so that a semantic
// error points at the field at fault. A field the file left out has no place
// of its own: it maps to the message that should have held it.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include <string_view>

#include "fleet/scenario/diagnostic.hpp"

namespace fleet::scenario {

class source_map {
 public:
  using tree = google::protobuf::TextFormat::ParseInfoTree;

  /// The fields of a message of `type` recorded in `fields` (null: none
  /// recorded); `self` is where the message itself starts.
  source_map(const tree* fields, const google::protobuf::Descriptor* type, location self);

  location self() const { return self_; }
  /// Where `field` starts (its `index`-th value when repeated, -1 otherwise).
  location at(std::string_view field, int index = -1) const;
  /// The fields of the nested message in `field`.
  source_map nested(std::string_view field, int index = -1) const;
  /// Where the field at `path` starts, fields from this message down by
  /// their schema names, a list's value by its index:
  /// "deployment[0].rollout.abort.failed.min_sample". A field the file left
  /// out maps to the message that should hold it.
  location at_path(std::string_view path) const;

 private:
  const google::protobuf::FieldDescriptor* find(std::string_view field) const;

  const tree* fields_;
  const google::protobuf::Descriptor* type_;
  location self_;
};

}  // namespace fleet::scenario
