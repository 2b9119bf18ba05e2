#pragma once
// Checks every section of the loader makes the same way: names, references,
// durations, sizes, ranges. Each reports "<entity>: <field>: <problem>" at the
// field's place and says whether the value is usable.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "context.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"
#include "source_map.hpp"

namespace fleet::scenario {

/// Reports the errors of one entity of the file ("group \"Production\""),
/// naming fields by their path in it ("rollout.gate.success_threshold").
class checker {
 public:
  checker(context& ctx, source_map fields, std::string entity)
      : ctx_(ctx), fields_(fields), entity_(std::move(entity)) {}

  const source_map& fields() const { return fields_; }
  /// The same entity, inside the message in `field` (its `index`-th when repeated).
  checker nested(std::string_view field, int index = -1) const;
  /// "<entity>: <path.field>: <problem>" at `where`.
  void fail(location where, std::string_view field, const std::string& problem);
  /// The same at `field`'s place (its own, or the entity's when absent);
  /// with an index, at that value of a repeated field, shown as "field[index]".
  void fail(std::string_view field, const std::string& problem, int index = -1);

  /// Non-empty, at most name_bytes_max, printable ASCII; `reserved` chars refused too.
  bool name(std::string_view field, const std::string& value, std::string_view reserved = "", int index = -1);
  /// Records `key` in `table`; a second definition is an error naming the first.
  bool define(name_table& table, const std::string& key, std::size_t index, std::string_view field,
              const std::string& shown);
  /// A duration field: `fallback` when empty, nothing when it does not parse.
  std::optional<std::chrono::microseconds> duration(std::string_view field, const std::string& text,
                                                    std::chrono::microseconds fallback, int index = -1);
  /// The duration must lie in [min, max] (`min_open`: (min, max]).
  bool duration_in(std::string_view field, std::chrono::microseconds value, std::chrono::microseconds min,
                   std::chrono::microseconds max, bool min_open = false);
  /// A time since the start lies before the end of a run of `run_length`
  /// (not compared when the run's own duration was wrong: length 0).
  bool before_end(std::string_view field, std::chrono::microseconds value, std::chrono::microseconds run_length);
  std::optional<std::uint64_t> size(std::string_view field, const std::string& text);
  bool size_in(std::string_view field, std::uint64_t value, std::uint64_t min, std::uint64_t max);
  /// [min, max] (`min_open`: (min, max]); NaN is outside every range.
  bool in_range(std::string_view field, double value, double min, double max, bool min_open = false, int index = -1);
  bool count_in(std::string_view field, std::uint64_t value, std::uint64_t min, std::uint64_t max);
  /// A repeated field holds at most `max` values.
  bool at_most(std::string_view field, int size, std::size_t max);
  /// A repeated field holds 1 to `max` values; when it holds none, the error
  /// says why one is needed.
  bool one_to(std::string_view field, int size, std::size_t max, const std::string& why);

 private:
  context& ctx_;
  source_map fields_;
  std::string entity_;
  std::string path_;  ///< "rollout.gate." inside nested messages
};

/// A reference "name@version" to an image.
struct image_ref {
  std::string name;
  wire::version version;
};
/// The reference, or the reason it is malformed.
std::optional<image_ref> parse_image_ref(std::string_view text, std::string& error);

/// The image `text` ("name@version") names, or an error at `field`[index].
std::optional<std::size_t> resolve_image(checker& c, std::string_view field, int index, const std::string& text,
                                         const name_table& images);

/// The schema's name of a component: "BOOTLOADER", "SECURITY_MONITOR", "OS", "APP", "LEGACY_FIRMWARE".
const char* schema_name(fw::component c);

/// "what \"name\"" when the name is set, "what[index]" when it is not.
std::string label(std::string_view what, const std::string& name, int index);
/// The shortest text that reads back as `v` ("0.1", "1e+09").
std::string number(double v);
std::string quote(std::string_view text);

}  // namespace fleet::scenario
