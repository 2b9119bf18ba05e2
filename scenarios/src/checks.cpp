#include "checks.hpp"

#include <sstream>

#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::scenario {

// Values come from the file as written: control bytes are escaped so that an
// error message stays one printable line.
std::string quote(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

const char* schema_name(fw::component c) {
  switch (c) {
    case fw::component::bootloader: return "BOOTLOADER";
    case fw::component::security_monitor: return "SECURITY_MONITOR";
    case fw::component::os: return "OS";
    case fw::component::app: return "APP";
    case fw::component::legacy_firmware: return "LEGACY_FIRMWARE";
  }
  return "?";
}

std::string label(std::string_view what, const std::string& name, int index) {
  if (!name.empty()) return std::string(what) + " " + quote(name);
  return std::string(what) + "[" + std::to_string(index) + "]";
}

checker checker::nested(std::string_view field, int index) const {
  checker inner(ctx_, fields_.nested(field, index), entity_);
  inner.path_ = path_ + std::string(field) + (index < 0 ? "" : "[" + std::to_string(index) + "]") + ".";
  return inner;
}

void checker::fail(location where, std::string_view field, const std::string& problem) {
  ctx_.error(where, entity_ + ": " + path_ + std::string(field) + ": " + problem);
}

void checker::fail(std::string_view field, const std::string& problem, int index) {
  if (index < 0) {
    fail(fields_.at(field), field, problem);
    return;
  }
  fail(fields_.at(field, index), std::string(field) + "[" + std::to_string(index) + "]", problem);
}

bool checker::name(std::string_view field, const std::string& value, std::string_view reserved, int index) {
  if (value.empty()) {
    fail(field, "missing", index);
    return false;
  }
  if (value.size() > name_bytes_max) {
    fail(field, "at most " + std::to_string(name_bytes_max) + " bytes, has " + std::to_string(value.size()), index);
    return false;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c < ' ' || c > '~') {
      // Not echoed: the terminal reading the message would get the byte too.
      fail(field, "byte " + std::to_string(i) + " is not printable ASCII", index);
      return false;
    }
    if (reserved.find(c) != std::string_view::npos) {
      fail(field, quote(value) + " holds '" + std::string(1, c) + "'", index);
      return false;
    }
  }
  return true;
}

bool checker::define(name_table& table, const std::string& key, std::size_t index, std::string_view field,
                     const std::string& shown) {
  const location where = fields_.at(field);
  const auto [it, inserted] = table.emplace(key, named{index, where});
  if (inserted) return true;
  fail(where, field,
       "duplicate " + shown + " (first at " + std::to_string(it->second.where.line) + ":" +
           std::to_string(it->second.where.column) + ")");
  return false;
}

std::optional<std::chrono::microseconds> checker::duration(std::string_view field, const std::string& text,
                                                           std::chrono::microseconds fallback, int index) {
  if (text.empty()) return fallback;
  const auto parsed = parse_duration(text);
  if (!parsed.ok()) {
    fail(field, parsed.error, index);
    return std::nullopt;
  }
  return parsed.value;
}

bool checker::duration_in(std::string_view field, std::chrono::microseconds value, std::chrono::microseconds min,
                          std::chrono::microseconds max, bool min_open) {
  const bool ok = (min_open ? value > min : value >= min) && value <= max;
  if (!ok) {
    fail(field, "must be in " + std::string(min_open ? "(" : "[") + format_duration(min) + ", " + format_duration(max) +
                    "], is " + format_duration(value));
  }
  return ok;
}

bool checker::before_end(std::string_view field, std::chrono::microseconds value, std::chrono::microseconds run_length) {
  // A run that failed its own duration check has length 0: nothing to compare.
  if (run_length.count() > 0 && value >= run_length) {
    fail(field, "must be before the end of the run (" + format_duration(run_length) + "), is " + format_duration(value));
    return false;
  }
  return true;
}

std::optional<std::uint64_t> checker::size(std::string_view field, const std::string& text) {
  if (text.empty()) {
    fail(field, "missing");
    return std::nullopt;
  }
  const auto parsed = parse_size(text);
  if (!parsed.ok()) {
    fail(field, parsed.error);
    return std::nullopt;
  }
  return parsed.value;
}

bool checker::size_in(std::string_view field, std::uint64_t value, std::uint64_t min, std::uint64_t max) {
  const bool ok = value >= min && value <= max;
  if (!ok) fail(field, "must be in [" + format_size(min) + ", " + format_size(max) + "], is " + format_size(value));
  return ok;
}

bool checker::in_range(std::string_view field, double value, double min, double max, bool min_open, int index) {
  const bool ok = (min_open ? value > min : value >= min) && value <= max;
  if (!ok) {
    fail(
        field,
        "must be in " + std::string(min_open ? "(" : "[") + number(min) + ", " + number(max) + "], is " + number(value),
        index);
  }
  return ok;
}

bool checker::count_in(std::string_view field, std::uint64_t value, std::uint64_t min, std::uint64_t max) {
  const bool ok = value >= min && value <= max;
  if (!ok) {
    fail(field, "must be in [" + format_count(min) + ", " + format_count(max) + "], is " + format_count(value));
  }
  return ok;
}

bool checker::at_most(std::string_view field, int size, std::size_t max) {
  if (static_cast<std::size_t>(size) <= max) return true;
  // Point at the first value past the limit.
  fail(fields_.at(field, static_cast<int>(max)), field,
       "at most " + std::to_string(max) + ", has " + std::to_string(size));
  return false;
}

bool checker::one_to(std::string_view field, int size, std::size_t max, const std::string& why) {
  if (size == 0) {
    fail(field, "missing: " + why);
    return false;
  }
  return at_most(field, size, max);
}

std::optional<image_ref> parse_image_ref(std::string_view text, std::string& error) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0) {
    error = quote(text) + " is not \"name@version\"";
    return std::nullopt;
  }
  const auto v = wire::parse_version(text.substr(at + 1));
  if (!v) {
    error = quote(text) + ": version " + quote(text.substr(at + 1)) + " is not \"major.minor.patch\"";
    return std::nullopt;
  }
  return image_ref{std::string(text.substr(0, at)), *v};
}

std::optional<std::size_t> resolve_image(checker& c, std::string_view field, int index, const std::string& text,
                                         const name_table& images) {
  std::string error;
  const auto ref = parse_image_ref(text, error);
  if (!ref) {
    c.fail(field, error, index);
    return std::nullopt;
  }
  const auto it = images.find(ref->name + "@" + ref->version.to_string());
  if (it == images.end()) {
    c.fail(field, "unknown image " + quote(text), index);
    return std::nullopt;
  }
  if (!it->second.usable) return std::nullopt;
  return it->second.index;
}

}  // namespace fleet::scenario
