#include "fleet/scenario/loader.hpp"

#include "checks.hpp"
#include "context.hpp"
#include "fleet/scenario/rescale.hpp"
#include "overrides.hpp"
#include "sections.hpp"
#include "text_parser.hpp"

namespace fleet::scenario {
namespace {

/// The places warnings point at: each deployment's group, waves and windows.
scenario_places places_of(const Scenario& parsed, const source_map& at, const std::string& file_name) {
  scenario_places out;
  out.file = file_name;
  for (int d = 0; d < parsed.deployment_size(); ++d) {
    const source_map in_file = at.nested("deployment", d);
    const source_map rollout = in_file.nested("rollout");
    const Rollout& r = parsed.deployment(d).rollout();
    deployment_places p;
    p.group = in_file.at("group");
    for (int w = 0; w < r.wave_size(); ++w) {
      p.waves.push_back(rollout.nested("wave", w).at(r.wave(w).size_case() == Wave::kCount ? "count" : "percent"));
    }
    for (int w = 0; w < r.window_size(); ++w) p.windows.push_back(rollout.at("window", w));
    out.deployments.push_back(std::move(p));
  }
  return out;
}

}  // namespace

load_result load_text(std::string_view text, const std::string& file_name) { return load_text(text, file_name, {}); }

load_result load_text(std::string_view text, const std::string& file_name,
                      const std::vector<field_override>& overrides) {
  return load_text(text, file_name, overrides, std::nullopt);
}

load_result load_text(std::string_view text, const std::string& file_name,
                      const std::vector<field_override>& overrides, std::optional<std::uint64_t> devices) {
  context ctx(file_name);
  Scenario parsed;
  source_map::tree fields;
  if (!parse_text(text, parsed, fields, ctx)) return {std::nullopt, ctx.take(), {}, {}};
  if (std::vector<diagnostic> refused = apply_overrides(overrides, parsed); !refused.empty()) {
    return {std::nullopt, std::move(refused), {}, {}};
  }

  const source_map at(&fields, Scenario::descriptor(), location{1, 1});
  scenario out;
  names known;
  read_header(parsed, at, ctx, out);
  read_cloud(parsed, at, ctx, out);
  if (parsed.has_fleet()) {
    read_fleet(parsed.fleet(), at.nested("fleet"), ctx, known, out.fleet);
  } else {
    checker(ctx, at, "scenario").fail("fleet", "missing");
  }
  read_images(parsed, at, ctx, known, out);
  read_revocations(parsed, at, ctx, known, out);
  if (parsed.has_fleet()) read_firmware(parsed.fleet(), at.nested("fleet"), ctx, known, out);
  read_deployments(parsed, at, ctx, known, out);
  read_faults(parsed, at, ctx, out);
  read_attacks(parsed, at, ctx, known, out);
  read_expectations(parsed, at, ctx, known, out);
  read_explore(parsed, at, ctx, out);
  if (ctx.failed()) return {std::nullopt, ctx.take(), {}, {}};
  check_min_devices(at, ctx, out);
  if (ctx.failed()) return {std::nullopt, ctx.take(), {}, {}};
  out.census_times = census_times_of(out.expectations);
  scenario_places places = places_of(parsed, at, file_name);
  // The file's own size to run at (a reproducer's), unless the flag says another.
  if (!devices && parsed.has_devices()) devices = parsed.devices();
  auto message = std::make_shared<const Scenario>(parsed);
  if (!devices) return {std::move(out), {}, std::move(places), std::move(message)};
  rescale_result rescaled = rescale(out, *devices);
  if (!rescaled.ok()) {
    // A floor or a scaled limit belongs to a field of the file; too few or too many devices to no field.
    const location where = rescaled.refusal ? at.at_path(rescaled.refusal->path)
                           : parsed.has_devices() ? at.at("devices")
                                                  : location{};
    return {std::nullopt, {diagnostic{file_name, where, rescaled.error}}, {}, {}};
  }
  return {std::move(rescaled.value), {}, std::move(places), std::move(message)};
}

load_result load_file(const std::string& path) { return load_file(path, {}); }

load_result load_file(const std::string& path, const std::vector<field_override>& overrides) {
  return load_file(path, overrides, std::nullopt);
}

load_result load_file(const std::string& path, const std::vector<field_override>& overrides,
                      std::optional<std::uint64_t> devices) {
  std::string text;
  std::string error;
  if (!read_file(path, text, error)) return {std::nullopt, {diagnostic{path, {}, error}}, {}, {}};
  return load_text(text, path, overrides, devices);
}

}  // namespace fleet::scenario
