// The scenario library: every file in scenarios/ loads, and every one but
// scale-1m (bench only) runs at 2,000 devices with all its expectations held.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fleet/actors/run.hpp"
#include "fleet/checkers/expectations.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/rescale.hpp"

namespace fleet::scenario {
namespace {

using checkers::check_expectations;

constexpr std::uint64_t test_devices = 2000;

std::vector<std::string> library_files() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(FLEET_SCENARIOS_DIR)) {
    if (entry.path().extension() == ".textproto") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// The files `make test` runs: all but scale-1m (a million devices: bench only).
std::vector<std::string> runnable_files() {
  std::vector<std::string> names = library_files();
  names.erase(std::remove(names.begin(), names.end(), "scale-1m"), names.end());
  return names;
}

TEST(library_files, every_file_loads) {
  for (const std::string& name : library_files()) {
    const load_result loaded = load_file(std::string(FLEET_SCENARIOS_DIR) + "/" + name + ".textproto");
    EXPECT_TRUE(loaded.value) << name << ": " << (loaded.errors.empty() ? "" : to_string(loaded.errors.front()));
  }
}

class library : public ::testing::TestWithParam<std::string> {};

TEST_P(library, runs_small_with_every_expectation_held) {
  const std::string path = std::string(FLEET_SCENARIOS_DIR) + "/" + GetParam() + ".textproto";
  load_result loaded = load_file(path);
  ASSERT_TRUE(loaded.value) << (loaded.errors.empty() ? "" : to_string(loaded.errors.front()));
  rescale_result small = rescale(*loaded.value, std::min(test_devices, loaded.value->device_count()));
  ASSERT_TRUE(small.ok()) << small.error;
  actors::run_options options;
  options.threads = 1;
  actors::run_result r = actors::run(small.value, options);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.counters.bricked, 0u);
  for (const auto& verdict : check_expectations(small.value, r)) {
    EXPECT_TRUE(verdict.passed) << verdict.name << ": " << verdict.detail << " (replay: fleetsim run " << path
                                << " --devices " << small.value.device_count() << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(scenarios, library, ::testing::ValuesIn(runnable_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(library_files, has_a_readme_naming_every_scenario) {
  const std::string readme_path = std::string(FLEET_SCENARIOS_DIR) + "/README.md";
  ASSERT_TRUE(std::filesystem::exists(readme_path));
  std::ifstream in(readme_path);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& name : library_files()) {
    EXPECT_NE(readme.find(name + ".textproto"), std::string::npos) << name << " is not in scenarios/README.md";
  }
}

}  // namespace
}  // namespace fleet::scenario
