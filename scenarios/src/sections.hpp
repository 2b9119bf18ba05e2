#pragma once
// The semantic step, one section of the file at a time, in the order they
// depend on each other: fleet (products, groups, network), images, the
// fleet's initial firmware, deployments. Each turns its part of the parsed
// message into the typed scenario and reports what is wrong in `ctx`.

#include "context.hpp"
#include "fleet/scenario/scenario.hpp"
#include "scenario.pb.h"
#include "source_map.hpp"

namespace fleet::scenario {

/// name, seed, duration.
void read_header(const Scenario& in, const source_map& at, context& ctx, scenario& out);
/// The service's settings (tenant CA lifetime and rollover).
void read_cloud(const Scenario& in, const source_map& at, context& ctx, scenario& out);
/// Products with their revisions, groups, network.
void read_fleet(const Fleet& in, const source_map& at, context& ctx, names& known, fleet_spec& out);
/// Images and their behaviours; needs the products.
void read_images(const Scenario& in, const source_map& at, context& ctx, names& known, scenario& out);
/// The images devices start with; needs the images.
void read_firmware(const Fleet& in, const source_map& at, context& ctx, const names& known, scenario& out);
/// The operator's revocations of trust in images (Cloud.revoke); needs the images and the duration.
void read_revocations(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out);
/// Deployments and their rollout policies; needs groups, images and the duration.
void read_deployments(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out);
/// The nemesis; needs the duration.
void read_faults(const Scenario& in, const source_map& at, context& ctx, scenario& out);
/// The attackers; needs the duration, the fleet's size and the images.
void read_attacks(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out);
/// The checkers; needs images, groups and deployments.
void read_expectations(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out);
/// What `fleetsim explore` draws (the `explore` section); needs faults and attacks.
void read_explore(const Scenario& in, const source_map& at, context& ctx, scenario& out);
/// `min_devices` against the fleet and the automatic floors; needs a scenario with no error.
void check_min_devices(const source_map& at, context& ctx, const scenario& s);

}  // namespace fleet::scenario
