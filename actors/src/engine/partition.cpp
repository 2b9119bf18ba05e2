#include "engine/partition.hpp"

#include <algorithm>

#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

std::vector<revocation_watch> revocations_watched(const input::run_input& s, const fleet_setup& setup) {
  std::vector<revocation_watch> out;
  for (const auto& revoked : s.cloud.revocations) {
    out.push_back({revoked.at, s.images[revoked.image].component, setup.image_id(revoked.image)});
  }
  return out;
}

}  // namespace

partition::partition(const input::run_input& s, const partition_plan& plan, const nemesis& links,
                     const link_tamper& tamper)
    : plan_(plan),
      lookahead_(links.network().lookahead()),
      setup_(s, plan),
      signed_images_(setup_.signed_image_digests()),
      watched_(revocations_watched(s, setup_)),
      census_plan_(census_plan_of(s)),
      images_(s.images.size()),
      cells_(breakdown_cells(s).back()),
      attacks_(s.attacks),
      around_{links, tamper, signed_images_.digests, watched_, attacks_},
      devices_(std::make_unique<device_shard>(around_, plan.count)) {
  for (std::uint64_t slot = 0; slot < plan.devices(); ++slot) {
    const std::uint64_t i = plan.device_at(slot);
    devices_->add(setup_.make_device(i, links.actions_for(i)));
  }
  setup_.create_deployments();
  mirror_ = std::make_unique<distribution_mirror>(s, setup_.signed_manifests(), setup_.service().images(), plan);
  if (mirror_->any()) setup_.service().set_distribution_tamper(mirror_.get());
  std::vector<cloud_host::revocation> revocations;
  for (const revocation_watch& w : watched_) revocations.push_back({w.at, w.image});
  cloud_ = std::make_unique<cloud_host>(setup_.service(), links, tamper, s.attacks, s.seed, plan, *devices_, attacks_,
                                        s.length, s.cloud.image_key_rotations, std::move(revocations));
  cloud_next_ = cloud_->next_time();
  devices_next_ = devices_->next_time();
}

partition_report partition::run(const partition_orders& orders) {
  cloud::security_service& service = setup_.service();
  for (std::size_t d = 0; d < orders.deployments.size(); ++d) {
    const auto followed = service.follow_deployment(reached_, static_cast<cloud::deployment_id>(d + 1), orders.deployments[d]);
    FLEET_CHECK(followed.ok(), "the control's orders fit the partition's deployments");
  }
  // New orders can make an offer or a deadline due at once.
  if (!orders.deployments.empty()) cloud_next_ = cloud_->next_time();
  const std::uint64_t before = events_;
  run_until(fw::sim_time{orders.until_us});
  reached_ = std::max(reached_, fw::sim_time{orders.until_us});
  partition_report r;
  r.next_us = next_time().count();
  r.events = events_ - before;
  if (orders.report) {
    for (std::size_t d = 0; d < service.deployments(); ++d) {
      r.deployments.push_back(service.deployment_share_report(static_cast<cloud::deployment_id>(d + 1)).value);
    }
  }
  for (const std::int64_t at : orders.samples_us) r.samples.push_back(sample(fw::sim_time{at}));
  for (const std::int64_t at : orders.censuses_us) r.censuses.push_back(census_at(fw::sim_time{at}));
  if (orders.status) r.status = status_at(fw::sim_time{orders.states_at_us});
  if (orders.account) r.account = account_at(fw::sim_time{orders.states_at_us});
  return r;
}

timeline_point partition::sample(fw::sim_time at) {
  timeline_point p;
  p.at = at;
  // Counted by value and named once at the end: a name per device cost
  // a string and a lookup by it for each.
  std::array<std::uint64_t, device_state_names.size()> states{};
  version_counts versions;
  for (const auto& device : devices_->devices()) {
    ++states[state_index(device->device(), at)];
    // A device switched off counts with the version it last ran: "0.0.0"
    // is only for those that never ran an app.
    count_version(versions, device->app_version());
  }
  for (std::size_t s = 0; s < states.size(); ++s) {
    if (states[s] != 0) p.states[device_state_names[s]] = states[s];
  }
  for (const auto& [v, n] : versions) p.app_versions[v.to_string()] += n;
  return p;
}

census partition::census_at(fw::sim_time at) {
  census c;
  c.at = at;
  c.app_versions_by_group.resize(census_plan_.groups);
  c.attested_by_group.resize(census_plan_.groups);
  c.attested_running_by_group.resize(census_plan_.groups);
  for (const auto& device : devices_->devices()) {
    const fw::core& firmware = device->device().firmware();
    const std::uint32_t group = setup_.group_of(device->device().device_index());
    ++c.app_versions_by_group[group][firmware.running_version(fw::component::app).to_string()];
    if (state_index(device->device(), at) != attested_state) continue;
    ++c.attested_by_group[group];
    if (!census_plan_.attested_running) continue;
    for (std::size_t k = 0; k < fw::component_count; ++k) {
      const auto comp = static_cast<fw::component>(k);
      const wire::version v = firmware.running_version(comp);
      if (v == wire::version{}) continue;
      ++c.attested_running_by_group[group][std::string(fw::name_of(comp)) + "@" + v.to_string()];
    }
  }
  // Each deployment's rollback: who the cloud's record says took the failed
  // image, and which of those run the rollback image by their own firmware.
  const cloud::security_service& service = setup_.service();
  c.rollback_by_deployment.resize(census_plan_.rollbacks.size());
  for (std::size_t d = 0; d < census_plan_.rollbacks.size(); ++d) {
    if (!census_plan_.rollbacks[d]) continue;
    const census_plan::rollback_image& back = *census_plan_.rollbacks[d];
    const auto id = static_cast<cloud::deployment_id>(d + 1);
    rollback_census& out = c.rollback_by_deployment[d];
    out.committed += service.deployment_status(id).value.rolled_back.committed;
    for (const auto& device : devices_->devices()) {
      const auto slot = static_cast<cloud::device_index>(plan_.slot_of(device->device().device_index()));
      const auto outcome = service.deployment_outcome_of(id, slot).value;
      if (outcome != cloud::device_outcome::succeeded && outcome != cloud::device_outcome::failed_after_commit) continue;
      ++out.took;
      out.running += device->device().firmware().running_version(back.component) == back.version;
    }
  }
  return c;
}

// A step runs the cloud share, then the devices, up to one lookahead past the
// earliest event: what either sends arrives after the step (no message is
// faster than the lookahead), so each handles its events in their total
// order whatever the steps' bounds, and the trace does not depend on where
// the control's stretches cut the loop.
void partition::run_until(fw::sim_time end) {
  for (;;) {
    const fw::sim_time start = next_time();
    if (start >= end) return;
    const fw::sim_time step_end = std::min(start + lookahead_, end);
    // The buffers are the partition's, kept from step to step: a step
    // sends a few messages, and fresh vectors cost allocations each step.
    to_devices_.clear();
    to_cloud_.clear();
    window_result from_cloud;
    window_result from_devices;
    if (cloud_next_ < step_end) {
      from_cloud = cloud_->run_window(step_end, to_devices_);
      cloud_next_ = fw::sim_time{from_cloud.next_us};
    }
    if (devices_next_ < step_end) {
      from_devices = devices_->run_window(step_end, to_cloud_);
      devices_next_ = fw::sim_time{from_devices.next_us};
    }
    events_ += from_cloud.events + from_devices.events;
    ++steps_;
    for (sim_message& m : to_devices_) {
      devices_next_ = std::min(devices_next_, fw::sim_time{m.arrival_us});
      devices_->deliver(std::move(m));
    }
    for (sim_message& m : to_cloud_) {
      cloud_next_ = std::min(cloud_next_, fw::sim_time{m.arrival_us});
      cloud_->deliver(std::move(m));
    }
  }
}

}  // namespace fleet::actors
