#include "engine/partition_crew.hpp"

#include <caf/all.hpp>

#include <cstdio>

#include "engine/control_messages.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

caf::behavior partition_behaviour(caf::event_based_actor*, partition* p, std::size_t index) {
  return {[p, index](const partition_orders& orders) { return indexed_report{index, p->run(orders)}; }};
}

/// One stretch in progress: the reports so far and where the whole goes.
struct gathering {
  std::vector<partition_report> reports;
  std::size_t received = 0;
  caf::response_promise to;
  bool open = false;  ///< some report is still out
};

struct gatherer_state {
  gathering current;
};

/// Hands each partition its orders and answers with every report, once the
/// last is in. One stretch at a time: the control waits for each.
caf::behavior gatherer_behaviour(caf::stateful_actor<gatherer_state>* self, std::vector<caf::actor> partitions) {
  return {
      [self, partitions](stretch_orders& orders) {
        FLEET_CHECK(orders.partitions.size() == partitions.size(), "orders for every partition");
        FLEET_CHECK(!self->state.current.open, "one stretch at a time");
        self->state.current = gathering{std::vector<partition_report>(partitions.size()), 0,
                                        self->make_response_promise(), true};
        for (std::size_t k = 0; k < partitions.size(); ++k) self->send(partitions[k], std::move(orders.partitions[k]));
      },
      [self](indexed_report& r) {
        gathering& g = self->state.current;
        g.reports[r.partition] = std::move(r.report);
        if (++g.received < g.reports.size()) return;
        g.open = false;
        g.to.deliver(stretch_reports{std::move(g.reports)});
      },
  };
}

}  // namespace

partition_crew::partition_crew(caf::actor_system& system, std::vector<std::unique_ptr<partition>>& partitions)
    : self_(system) {
  for (std::size_t k = 0; k < partitions.size(); ++k) {
    partitions_.push_back(system.spawn(partition_behaviour, partitions[k].get(), k));
  }
  gatherer_ = system.spawn(gatherer_behaviour, partitions_);
}

partition_crew::~partition_crew() {
  self_->send_exit(gatherer_, caf::exit_reason::user_shutdown);
  for (const caf::actor& a : partitions_) self_->send_exit(a, caf::exit_reason::user_shutdown);
}

std::vector<partition_report> partition_crew::run(std::vector<partition_orders> orders) {
  FLEET_CHECK(orders.size() == partitions_.size(), "orders for every partition");
  std::vector<partition_report> reports;
  self_->request(gatherer_, caf::infinite, stretch_orders{std::move(orders)})
      .receive([&](stretch_reports& r) { reports = std::move(r.partitions); },
               [&](const caf::error& e) {
                 std::fprintf(stderr, "fleetsim: a stretch lost its reports: %s\n", to_string(e).c_str());
                 FLEET_CHECK(false, "a stretch ends with every report");
               });
  return reports;
}

}  // namespace fleet::actors
