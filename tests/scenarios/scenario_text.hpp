#pragma once
// A small valid scenario for the loader's tests, one statement a line so that
// a test can break one line and know where the error must point.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fleet/scenario/loader.hpp"

namespace fleet::scenario::testing {

/// Valid; the comments number its lines, as error places count them.
inline const char* const small_scenario =
    "name: \"small\"\n"                                                                                   // 1
    "duration: \"7d\"\n"                                                                                  // 2
    "fleet {\n"                                                                                           // 3
    "  product { name: \"p\" hardware_rev { name: \"A\" share: 0.5 } hardware_rev { name: \"B\" share: 0.5 } }\n"  // 4
    "  group { name: \"Production\" product: \"p\" devices: 100 }\n"                                     // 5
    "  firmware: \"boot@1.0.0\"\n"                                                                        // 6
    "  firmware: \"mon@1.0.0\"\n"                                                                         // 7
    "  firmware: \"os@1.0.0\"\n"                                                                          // 8
    "  firmware: \"app@1.0.0\"\n"                                                                         // 9
    "}\n"                                                                                                 // 10
    "image { name: \"boot\" version: \"1.0.0\" component: BOOTLOADER product: \"p\" size: \"64KiB\" }\n"  // 11
    "image { name: \"mon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"p\" size: \"64KiB\" }\n"  // 12
    "image { name: \"os\" version: \"1.0.0\" component: OS product: \"p\" size: \"1MiB\" }\n"            // 13
    "image { name: \"app\" version: \"1.0.0\" component: APP product: \"p\" size: \"256KiB\" }\n"        // 14
    "image { name: \"app\" version: \"1.1.0\" component: APP product: \"p\" size: \"256KiB\" }\n"        // 15
    "deployment { name: \"d\" image: \"app@1.1.0\" group: \"Production\" rollout { wave { percent: 10 } wave { percent: 100 } } }\n";  // 16

/// `small_scenario` with the first `from` replaced by `to` (which must be there).
inline std::string small_with(const std::string& from, const std::string& to) {
  std::string text = small_scenario;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the small scenario: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// `small_scenario` with `lines` appended.
inline std::string with(const std::string& lines) { return std::string(small_scenario) + lines + "\n"; }

/// `text` loaded as "t.textproto"; a test failure naming the first error when it does not load.
inline scenario loaded(const std::string& text) {
  load_result r = load_text(text, "t.textproto");
  EXPECT_TRUE(r.value.has_value()) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  return r.value ? std::move(*r.value) : scenario{};
}

/// The errors of loading `text`, one string each ("t.textproto:5:3: ...").
inline std::vector<std::string> errors_of(const std::string& text) {
  const load_result r = load_text(text, "t.textproto");
  EXPECT_EQ(r.value.has_value(), r.errors.empty());
  std::vector<std::string> out;
  for (const diagnostic& d : r.errors) out.push_back(to_string(d));
  return out;
}

/// "LINE:COL" of the `nth` occurrence of `needle` in `text`: where an error
/// about the field written there must point.
inline std::string line_col(const std::string& text, const std::string& needle, int nth = 0) {
  std::size_t at = text.find(needle);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  EXPECT_NE(at, std::string::npos) << "not in the text: " << needle;
  if (at == std::string::npos) return "?";
  const std::size_t line_start = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
  const std::size_t column = line_start == std::string::npos ? at + 1 : at - line_start;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return std::to_string(line) + ":" + std::to_string(column);
}

/// "t.textproto:LINE:COL: ", the start of a diagnostic at line_col().
inline std::string place(const std::string& text, const std::string& needle, int nth = 0) {
  return "t.textproto:" + line_col(text, needle, nth) + ": ";
}

}  // namespace fleet::scenario::testing
