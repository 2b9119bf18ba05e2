#include "engine/partition_crew.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>

#include "engine/control_messages.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

using build_atom = caf::atom_constant<caf::atom("build")>;

/// A partition's actor owns it: it builds the partition on its own thread
/// when asked, and its state, the partition with it, goes when the actor
/// exits, on the same threads. Building a million devices' keys and flash
/// and freeing them again is then shared by every core, not the control's
/// thread alone, and nothing of a partition lives outside its actor.
struct partition_state {
  std::unique_ptr<partition> part;
};

/// What a partition is built from: read-only inputs of the run, which a
/// worker node would build from the scenario alone.
struct partition_inputs {
  const input::run_input* scenario;
  partition_plan plan;
  const nemesis* links;
  const link_tamper* tamper;
};

caf::behavior partition_behaviour(caf::stateful_actor<partition_state>* self, partition_inputs in) {
  const std::size_t index = in.plan.index;
  return {
      [self, in](build_atom) {
        self->state.part = std::make_unique<partition>(*in.scenario, in.plan, *in.links, *in.tamper);
        return build_atom::value;
      },
      [self, index](const partition_orders& orders) {
        FLEET_CHECK(self->state.part != nullptr, "a partition is built before it runs");
        return indexed_report{index, self->state.part->run(orders)};
      },
  };
}

/// One stretch in progress: the slices each partition has still to run,
/// the reports so far and where the whole goes.
struct gathering {
  std::vector<partition_orders> last_slices;  ///< per partition, its orders for the stretch's last slice
  std::vector<std::int64_t> slice_ends;       ///< the stretch's slice ends before the last
  std::vector<std::size_t> slices_done;       ///< per partition, slices before the last it has run
  std::vector<std::uint64_t> slice_events;    ///< per partition, the events of those slices
  std::vector<partition_report> reports;
  std::size_t received = 0;  ///< partitions done with the whole stretch
  caf::response_promise to;
  bool open = false;  ///< some report is still out
};

struct gatherer_state {
  gathering current;
};

/// A slice before the last: only its end. The stretch's orders for the
/// deployments go with the first, since they hold from the stretch's start.
partition_orders slice_to(std::int64_t end) {
  partition_orders o;
  o.until_us = end;
  return o;
}

/// Hands each partition its orders, a slice at a time, and answers with
/// every report once the last is in. A partition's next slice is sent when
/// it reports the one before, so the work left is queued in small pieces
/// the threads share out as they come free. One stretch at a time: the
/// control waits for each.
caf::behavior gatherer_behaviour(caf::stateful_actor<gatherer_state>* self, std::vector<caf::actor> partitions) {
  return {
      [self, partitions](stretch_orders& orders) {
        FLEET_CHECK(orders.partitions.size() == partitions.size(), "orders for every partition");
        FLEET_CHECK(!self->state.current.open, "one stretch at a time");
        const std::size_t n = partitions.size();
        gathering g{std::move(orders.partitions), std::move(orders.slice_ends_us), std::vector<std::size_t>(n, 0),
                    std::vector<std::uint64_t>(n, 0), std::vector<partition_report>(n), 0,
                    self->make_response_promise(), true};
        for (std::size_t k = 0; k < n; ++k) {
          if (g.slice_ends.empty()) {
            self->send(partitions[k], std::move(g.last_slices[k]));
            continue;
          }
          FLEET_CHECK(g.slice_ends.back() < g.last_slices[k].until_us, "slices end before the stretch");
          partition_orders first = slice_to(g.slice_ends.front());
          first.deployments = std::move(g.last_slices[k].deployments);
          g.last_slices[k].deployments.clear();  // the first slice's orders hold
          self->send(partitions[k], std::move(first));
        }
        self->state.current = std::move(g);
      },
      [self, partitions](indexed_report& r) {
        gathering& g = self->state.current;
        const std::size_t k = r.partition;
        if (g.slices_done[k] < g.slice_ends.size()) {
          g.slice_events[k] += r.report.events;
          const std::size_t next = ++g.slices_done[k];
          if (next < g.slice_ends.size()) {
            self->send(partitions[k], slice_to(g.slice_ends[next]));
          } else {
            self->send(partitions[k], std::move(g.last_slices[k]));
          }
          return;
        }
        r.report.events += g.slice_events[k];
        g.reports[k] = std::move(r.report);
        if (++g.received < g.reports.size()) return;
        g.open = false;
        g.to.deliver(stretch_reports{std::move(g.reports)});
      },
  };
}

}  // namespace

partition_crew::partition_crew(caf::actor_system& system, const input::run_input& s, std::uint32_t partitions,
                               std::uint64_t devices, const nemesis& links, const link_tamper& tamper)
    : self_(system) {
  for (std::uint32_t k = 0; k < partitions; ++k) {
    partitions_.push_back(system.spawn(partition_behaviour, partition_inputs{&s, {k, partitions, devices}, &links, &tamper}));
  }
  // Every partition builds at once; the crew is ready when the last is.
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> building;
  for (const caf::actor& a : partitions_) building.push_back(self_->request(a, caf::infinite, build_atom::value));
  for (auto& b : building) {
    b.receive([](build_atom) {},
              [](const caf::error& e) {
                std::fprintf(stderr, "fleetsim: a partition could not be built: %s\n", to_string(e).c_str());
                FLEET_CHECK(false, "every partition is built");
              });
  }
  gatherer_ = system.spawn(gatherer_behaviour, partitions_);
}

partition_crew::~partition_crew() {
  self_->send_exit(gatherer_, caf::exit_reason::user_shutdown);
  for (const caf::actor& a : partitions_) self_->send_exit(a, caf::exit_reason::user_shutdown);
}

std::vector<partition_report> partition_crew::run(std::vector<partition_orders> orders,
                                                  std::vector<std::int64_t> slice_ends) {
  FLEET_CHECK(orders.size() == partitions_.size(), "orders for every partition");
  FLEET_CHECK(std::is_sorted(slice_ends.begin(), slice_ends.end()), "slice ends in order");
  std::vector<partition_report> reports;
  self_->request(gatherer_, caf::infinite, stretch_orders{std::move(orders), std::move(slice_ends)})
      .receive([&](stretch_reports& r) { reports = std::move(r.partitions); },
               [&](const caf::error& e) {
                 std::fprintf(stderr, "fleetsim: a stretch lost its reports: %s\n", to_string(e).c_str());
                 FLEET_CHECK(false, "a stretch ends with every report");
               });
  return reports;
}

}  // namespace fleet::actors
