// Names of the rollout's enums, for status output, logs and test messages.
#include "fleet/cloud/rollout_status.hpp"

namespace fleet::cloud {

const char* name_of(rollout_state s) {
  switch (s) {
    case rollout_state::scheduled: return "scheduled";
    case rollout_state::running: return "running";
    case rollout_state::paused: return "paused";
    case rollout_state::halted: return "halted";
    case rollout_state::aborted: return "aborted";
    case rollout_state::completed: return "completed";
    case rollout_state::rollback_requested: return "rollback_requested";
  }
  return "?";
}

const char* name_of(pause_cause c) {
  switch (c) {
    case pause_cause::none: return "none";
    case pause_cause::operator_request: return "operator_request";
    case pause_cause::gate_hold: return "gate_hold";
    case pause_cause::gate_failed: return "gate_failed";
  }
  return "?";
}

const char* name_of(device_outcome o) {
  switch (o) {
    case device_outcome::pending: return "pending";
    case device_outcome::in_flight: return "in_flight";
    case device_outcome::succeeded: return "succeeded";
    case device_outcome::failed: return "failed";
    case device_outcome::rejected: return "rejected";
    case device_outcome::timed_out: return "timed_out";
    case device_outcome::failed_after_commit: return "failed_after_commit";
  }
  return "?";
}

const char* name_of(transition_reason r) {
  switch (r) {
    case transition_reason::started: return "started";
    case transition_reason::wave_opened: return "wave_opened";
    case transition_reason::wave_empty: return "wave_empty";
    case transition_reason::gate_hold: return "gate_hold";
    case transition_reason::gate_failed: return "gate_failed";
    case transition_reason::operator_pause: return "operator_pause";
    case transition_reason::operator_resume: return "operator_resume";
    case transition_reason::operator_halt: return "operator_halt";
    case transition_reason::abort_failed: return "abort_failed";
    case transition_reason::abort_rejected: return "abort_rejected";
    case transition_reason::abort_timed_out: return "abort_timed_out";
    case transition_reason::abort_any: return "abort_any";
    case transition_reason::rollback_failed_share: return "rollback_failed_share";
    case transition_reason::rollback_failed_devices: return "rollback_failed_devices";
    case transition_reason::all_done: return "all_done";
    case transition_reason::late_joiner: return "late_joiner";
  }
  return "?";
}

const char* name_of(offer_refusal r) {
  switch (r) {
    case offer_refusal::none: return "none";
    case offer_refusal::unknown_device: return "unknown_device";
    case offer_refusal::not_started: return "not_started";
    case offer_refusal::paused: return "paused";
    case offer_refusal::stopped: return "stopped";
    case offer_refusal::already_updated: return "already_updated";
    case offer_refusal::retries_exhausted: return "retries_exhausted";
    case offer_refusal::wave_not_open: return "wave_not_open";
    case offer_refusal::outside_window: return "outside_window";
    case offer_refusal::in_flight_full: return "in_flight_full";
    case offer_refusal::rate_limited: return "rate_limited";
    case offer_refusal::count_: break;
  }
  return "?";
}

const char* name_of(report_result r) {
  switch (r) {
    case report_result::counted: return "counted";
    case report_result::progress: return "progress";
    case report_result::late: return "late";
    case report_result::unknown_device: return "unknown_device";
    case report_result::not_offered: return "not_offered";
    case report_result::already_final: return "already_final";
    case report_result::unspecified: return "unspecified";
    case report_result::count_: break;
  }
  return "?";
}

const char* name_of(rollback_refusal r) {
  switch (r) {
    case rollback_refusal::none: return "none";
    case rollback_refusal::unknown_device: return "unknown_device";
    case rollback_refusal::not_requested: return "not_requested";
    case rollback_refusal::did_not_take: return "did_not_take";
    case rollback_refusal::already_rolled_back: return "already_rolled_back";
    case rollback_refusal::rejected: return "rejected";
    case rollback_refusal::failed_its_trial: return "failed_its_trial";
    case rollback_refusal::attempts_exhausted: return "attempts_exhausted";
    case rollback_refusal::count_: break;
  }
  return "?";
}

}  // namespace fleet::cloud
