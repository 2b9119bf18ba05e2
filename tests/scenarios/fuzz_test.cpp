// Fuzzed scenario files: every library file, mutated thousands of ways with
// a fixed seed (bytes flipped, cut, doubled, lines swapped), loads to a
// scenario or to errors that each start with "file:line:col: " or "file: ",
// and never crashes. Nothing here asserts a timing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>

#include "fleet/scenario/loader.hpp"

namespace fleet::scenario {
namespace {

constexpr int mutations_per_file = 2000;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// One to four random edits of `text`.
std::string mutate(std::string text, std::mt19937_64& rng) {
  const auto edits = 1 + rng() % 4;
  static const std::string alphabet = "{}:\"\n #.-0123456789abcxyz@%";
  for (std::uint64_t e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 5) {
      case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
      case 1: text.erase(at, 1 + rng() % 16); break;
      case 2: text.insert(at, text.substr(rng() % text.size(), 1 + rng() % 32)); break;
      case 3: text[at] = static_cast<char>(rng() % 256); break;
      default: {
        const std::size_t other = rng() % text.size();
        const std::size_t a = text.rfind('\n', at), b = text.rfind('\n', other);
        if (a != std::string::npos && b != std::string::npos && a != b) {
          const std::size_t a_end = text.find('\n', a + 1), b_end = text.find('\n', b + 1);
          if (a_end != std::string::npos && b_end != std::string::npos && a < b && a_end <= b) {
            const std::string line_a = text.substr(a, a_end - a), line_b = text.substr(b, b_end - b);
            text.replace(b, line_b.size(), line_a);
            text.replace(a, line_a.size(), line_b);
          }
        }
      }
    }
  }
  return text;
}

TEST(fuzz, mutated_library_files_load_or_give_placed_errors) {
  const std::regex placed(R"(^fuzz\.textproto(:[0-9]+:[0-9]+)?: .+)");
  std::mt19937_64 rng(20261124);
  int files = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLEET_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".textproto") continue;
    ++files;
    const std::string original = read(entry.path());
    for (int i = 0; i < mutations_per_file; ++i) {
      const std::string text = mutate(original, rng);
      const load_result r = load_text(text, "fuzz.textproto");
      ASSERT_EQ(r.value.has_value(), r.errors.empty());
      if (r.value) continue;
      ++refused;
      for (const diagnostic& d : r.errors) {
        ASSERT_TRUE(std::regex_match(to_string(d), placed)) << to_string(d) << "\n--- from ---\n" << text;
      }
    }
  }
  EXPECT_GE(files, 8);
  // Most mutations break something: the test exercises the error paths.
  EXPECT_GT(refused, files * mutations_per_file / 2);
}

}  // namespace
}  // namespace fleet::scenario
