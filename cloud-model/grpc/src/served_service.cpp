#include "fleet/cloud_server/served_service.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "fleet/cloud_server/command_executor.hpp"
#include "service_state.pb.h"

namespace fleet::cloud_server {
namespace {

constexpr std::uint64_t replay_progress_every = 10'000;

}  // namespace

served_service::served_service(served_settings settings)
    : settings_(std::move(settings)), rates_(settings_.operator_rates) {
  header_.seed = settings_.seed;
  header_.wall_clock_at_zero_us = settings_.utc_now_us();
  if (settings_.state_path) {
    journal_ = std::make_unique<journal>(*settings_.state_path, settings_.state_bytes_max);
    if (const auto h = journal_->header()) {
      header_ = *h;
    } else {
      journal_->write_header(header_);
    }
  }
  root_ = cloud::service_root_of(header_.seed);
  cloud::service_settings s;
  s.seed = header_.seed;
  s.wall_clock_at_zero = cloud::duration{header_.wall_clock_at_zero_us};
  service_ = std::make_unique<cloud::security_service>(root_, s);
  if (!journal_) return;

  if (journal_->snapshot_through() > 0) restore_snapshot();
  const std::uint64_t total = journal_->commands();
  journal_->replay([&](const state::Command& command, std::uint64_t position) {
    state::Outcome ignored;
    const bool ok = execute(*service_, command, ignored).ok();
    if (const auto op = operation_of(command); op && ok) rates_.charge(*op, cloud::sim_time{command.now_us()});
    last_now_ = std::max(last_now_, cloud::sim_time{command.now_us()});
    if (settings_.replay_progress && (position % replay_progress_every == 0 || position == total)) {
      settings_.replay_progress(position, total);
    }
  });
  replayed_ = journal_->tail();
}

void served_service::restore_snapshot() {
  journal::snapshot_reader parts = journal_->read_snapshot();
  std::string bytes;
  state::ServedState served;
  if (!parts.next(bytes) || !served.ParseFromString(bytes) ||
      served.operator_rates_full_at_us_size() != static_cast<int>(operator_operation_count)) {
    throw journal_error(journal_->path() + ": snapshot part 1 is not the served state");
  }
  std::array<cloud::sim_time, operator_operation_count> full_at{};
  for (std::size_t i = 0; i < full_at.size(); ++i) {
    full_at[i] = cloud::sim_time{served.operator_rates_full_at_us(static_cast<int>(i))};
  }
  rates_.restore(full_at);
  last_now_ = cloud::sim_time{served.last_now_us()};
  // Damage found while reading is kept, not thrown through the service.
  std::exception_ptr damaged;
  std::uint64_t part_number = 1;
  const cloud::restore_status status = service_->restore([&](state::ServicePart& part) {
    try {
      if (!parts.next(bytes)) return false;
    } catch (const journal_error&) {
      damaged = std::current_exception();
      return false;
    }
    ++part_number;
    if (part.ParseFromString(bytes)) return true;
    damaged = std::make_exception_ptr(
        journal_error(journal_->path() + ": snapshot part " + std::to_string(part_number) + " does not parse"));
    return false;
  });
  if (damaged) std::rethrow_exception(damaged);
  if (!status.ok()) {
    throw journal_error(journal_->path() + ": the snapshot (through command " +
                        std::to_string(journal_->snapshot_through()) + ") is refused: " + status.problem);
  }
  restored_through_ = journal_->snapshot_through();
}

served_service::~served_service() {
  if (!journal_ || !settings_.compaction.enabled || !settings_.compaction.at_shutdown || !failed_.empty() ||
      journal_->tail() == 0) {
    return;
  }
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    compact_locked();
  } catch (const journal_error&) {
    // The file keeps its commands: the next start replays them.
  }
}

void served_service::compact() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (journal_) compact_locked();
}

std::uint64_t served_service::compactions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return compactions_;
}

void served_service::compact_locked() {
  std::vector<std::string> parts;
  state::ServedState served;
  for (const cloud::sim_time t : rates_.full_at()) served.add_operator_rates_full_at_us(t.count());
  served.set_last_now_us(last_now_.count());
  parts.push_back(served.SerializeAsString());
  service_->save([&](const state::ServicePart& part) { parts.push_back(part.SerializeAsString()); });
  std::size_t next = 0;
  journal_->compact([&](std::string& part) {
    if (next == parts.size()) return false;
    part = std::move(parts[next++]);
    return true;
  });
  ++compactions_;
}

void served_service::compact_if_due() {
  const compaction_settings& c = settings_.compaction;
  if (!c.enabled) return;
  const std::uint64_t bound = std::max(c.tail_bytes_min, c.snapshot_multiple * journal_->snapshot_bytes());
  if (journal_->tail_bytes() <= std::max(bound, retry_above_)) return;
  try {
    compact_locked();
    retry_above_ = 0;
  } catch (const journal_error&) {
    // The file is as it was (one transaction): the commands stay. Tried
    // again once as many bytes more were journaled, not at every command.
    retry_above_ = 2 * journal_->tail_bytes();
  }
}

cloud::sim_time served_service::now() {
  const cloud::sim_time wall{settings_.utc_now_us() - header_.wall_clock_at_zero_us};
  last_now_ = std::max(last_now_, wall);
  return last_now_;
}

std::uint64_t served_service::journaled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return journal_ ? journal_->commands() : 0;
}

grpc::Status served_service::submit(state::Command command, state::Outcome& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!failed_.empty()) return {grpc::StatusCode::UNAVAILABLE, failed_};
  const cloud::sim_time at = now();
  command.set_now_us(at.count());
  const auto op = operation_of(command);
  if (op) {
    if (const cloud::duration wait = rates_.wait(*op, at); wait.count() > 0) {
      const operation_rate& rate = rates_.rate(*op);
      const auto wait_ms = static_cast<std::uint64_t>((wait.count() + 999) / 1000);
      outcome.set_retry_after_ms(wait_ms);
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              std::string("operator rate: ") + name_of(*op) + " run at most " + std::to_string(rate.burst) +
                  " at once, then one per " + std::to_string(rate.interval.count() / 1'000'000) + " s; retry in " +
                  std::to_string((wait_ms + 999) / 1000) + " s (nothing changed)"};
    }
  }
  if (journal_) {
    try {
      journal_->check_room(command.ByteSizeLong());
    } catch (const journal_full& e) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, std::string("nothing changed: ") + e.what()};
    } catch (const journal_error& e) {
      return {grpc::StatusCode::UNAVAILABLE, std::string("state not readable, nothing changed: ") + e.what()};
    }
  }
  const bool timers_due = service_->next_deadline() <= at;
  const grpc::Status status = execute(*service_, command, outcome);
  const bool changed = changed_state(command, status, outcome);
  if (op && status.ok()) rates_.charge(*op, at);  // as the replay does
  if (journal_ && (changed || timers_due)) {
    state::Command tick;
    tick.set_now_us(at.count());
    tick.mutable_tick();
    try {
      journal_->append(changed ? command : tick);
    } catch (const journal_error& e) {
      // The service is now ahead of its file: answering on from it would
      // acknowledge what a restart forgets.
      failed_ = std::string(
                    "the state file could not be written; this server takes no more changes until it is "
                    "restarted (which reloads the state as written): ") +
                e.what();
      outcome.Clear();
      return {grpc::StatusCode::UNAVAILABLE, failed_};
    }
    compact_if_due();
  }
  return status;
}

cloud::duration served_service::tick() {
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    due = service_->next_deadline() <= now();
  }
  if (due) {
    // Journaled like any change: the timers' effects must replay too.
    state::Command command;
    command.mutable_tick();
    state::Outcome ignored;
    (void)submit(std::move(command), ignored);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return service_->next_deadline() - last_now_;  // `never` stays far away
}

}  // namespace fleet::cloud_server
