#include "engine/partition_crew.hpp"

#include <caf/all.hpp>

#include "engine/control_messages.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

caf::behavior partition_behaviour(caf::event_based_actor*, partition* p, std::size_t index) {
  return {[p, index](const partition_orders& orders) { return indexed_report{index, p->run(orders)}; }};
}

}  // namespace

partition_crew::partition_crew(caf::actor_system& system, std::vector<std::unique_ptr<partition>>& partitions)
    : self_(system) {
  for (std::size_t k = 0; k < partitions.size(); ++k) {
    actors_.push_back(system.spawn(partition_behaviour, partitions[k].get(), k));
  }
}

partition_crew::~partition_crew() {
  for (const caf::actor& a : actors_) self_->send_exit(a, caf::exit_reason::user_shutdown);
}

std::vector<partition_report> partition_crew::run(std::vector<partition_orders> orders) {
  FLEET_CHECK(orders.size() == actors_.size(), "orders for every partition");
  for (std::size_t k = 0; k < actors_.size(); ++k) self_->send(actors_[k], std::move(orders[k]));
  std::vector<partition_report> reports(actors_.size());
  std::size_t received = 0;
  self_->receive_for(received, actors_.size())([&](indexed_report& r) { reports[r.partition] = std::move(r.report); });
  return reports;
}

}  // namespace fleet::actors
