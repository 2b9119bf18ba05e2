#include "fleet/cloud_server/api_mapping.hpp"

namespace fleet::cloud_server {
namespace {

std::int64_t time_or_minus_one(cloud::sim_time t) { return t == cloud::never ? -1 : t.count(); }

std::optional<cloud::abort_rule> rule_of(bool present, const api::AbortRule& rule) {
  if (!present) return std::nullopt;
  return cloud::abort_rule{rule.threshold(), rule.min_sample()};
}

}  // namespace

grpc::Status to_grpc(cloud::op_status status, const std::string& message) {
  switch (status) {
    case cloud::op_status::ok: return grpc::Status::OK;
    case cloud::op_status::invalid_argument: return {grpc::StatusCode::INVALID_ARGUMENT, message};
    case cloud::op_status::not_found: return {grpc::StatusCode::NOT_FOUND, message};
    case cloud::op_status::failed_precondition: return {grpc::StatusCode::FAILED_PRECONDITION, message};
    case cloud::op_status::resource_exhausted: return {grpc::StatusCode::RESOURCE_EXHAUSTED, message};
  }
  return {grpc::StatusCode::INTERNAL, "unknown refusal: " + message};
}

grpc::StatusCode grpc_code_of(wire::ErrorCode code) {
  switch (code) {
    case wire::ERROR_UNAUTHENTICATED: return grpc::StatusCode::UNAUTHENTICATED;
    case wire::ERROR_ATTESTATION_FAILED: return grpc::StatusCode::PERMISSION_DENIED;
    case wire::ERROR_RATE_LIMITED: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case wire::ERROR_UNAVAILABLE: return grpc::StatusCode::UNAVAILABLE;
    case wire::ERROR_NOT_FOUND: return grpc::StatusCode::NOT_FOUND;
    case wire::ERROR_INVALID: return grpc::StatusCode::INVALID_ARGUMENT;
    default: return grpc::StatusCode::INTERNAL;
  }
}

cloud::rollout_policy from_api(const api::RolloutPolicy& p) {
  cloud::rollout_policy out;
  out.start_at = cloud::sim_time{p.start_at_us()};
  if (p.waves().has_percent()) {
    const auto& w = p.waves().percent().cumulative_percent();
    out.waves = cloud::wave_plan::by_percent({w.begin(), w.end()});
  } else if (p.waves().has_count()) {
    const auto& w = p.waves().count().sizes();
    out.waves = cloud::wave_plan::by_count({w.begin(), w.end()});
  }
  if (p.has_ramp()) {
    const api::Ramp& r = p.ramp();
    out.ramp = cloud::ramp_policy{r.base_per_minute(), r.increment_factor(),
                                  r.on_succeeded() ? cloud::ramp_basis::succeeded : cloud::ramp_basis::notified,
                                  r.step_devices(), r.max_per_minute()};
  }
  if (p.has_in_flight_limit()) out.in_flight_limit = p.in_flight_limit();
  if (p.has_gate()) {
    out.gate.success_threshold = p.gate().success_threshold();
    out.gate.min_wave_duration = cloud::duration{p.gate().min_wave_duration_us()};
    out.gate.on_pass = p.gate().pause_on_pass() ? cloud::gate_action::pause : cloud::gate_action::next_wave;
  }
  const api::Abort& a = p.abort();
  out.abort.failed = rule_of(a.has_failed(), a.failed());
  out.abort.rejected = rule_of(a.has_rejected(), a.rejected());
  out.abort.timed_out = rule_of(a.has_timed_out(), a.timed_out());
  out.abort.any = rule_of(a.has_any(), a.any());
  if (p.has_device_timeout_us()) out.device_timeout = cloud::duration{p.device_timeout_us()};
  if (p.has_retries()) out.retries = {p.retries().failed(), p.retries().rejected(), p.retries().timed_out()};
  for (const auto& w : p.windows()) {
    out.windows.push_back({std::chrono::minutes(w.start_minute_utc()), std::chrono::minutes(w.length_minutes())});
  }
  if (p.rollback().failed_share() != 0) out.rollback.failed_share = p.rollback().failed_share();
  if (p.rollback().failed_devices() != 0) out.rollback.failed_devices = p.rollback().failed_devices();
  return out;
}

wire::image_spec from_api(const api::ImageSpec& s) {
  wire::image_spec out;
  out.component = s.component();
  out.image_name = s.image_name();
  out.version = s.version();
  out.product = s.product();
  out.security_version = s.security_version();
  out.hardware_revisions.assign(s.hardware_revisions().begin(), s.hardware_revisions().end());
  out.expires_at_us = s.expires_at_utc_us();
  out.chunk_size_bytes = s.chunk_size_bytes();
  return out;
}

cloud::group_update_policy from_api(api::UpdatePolicy policy) {
  switch (policy) {
    case api::NO_3RD_PARTY_APP_UPDATES: return cloud::group_update_policy::no_3rd_party_app_updates;
    case api::NO_UPDATES: return cloud::group_update_policy::no_updates;
    default: return cloud::group_update_policy::update_all;
  }
}

cloud::os_feed from_api(api::OsFeed feed) {
  return feed == api::RETAIL_EVAL ? cloud::os_feed::retail_eval : cloud::os_feed::retail;
}

api::Group to_api(cloud::group_id id, const cloud::group_info& g) {
  api::Group out;
  out.set_id(id);
  out.set_product(g.product);
  out.set_name(g.name);
  switch (g.policy) {
    case cloud::group_update_policy::update_all: out.set_policy(api::UPDATE_ALL); break;
    case cloud::group_update_policy::no_3rd_party_app_updates: out.set_policy(api::NO_3RD_PARTY_APP_UPDATES); break;
    case cloud::group_update_policy::no_updates: out.set_policy(api::NO_UPDATES); break;
  }
  out.set_feed(g.feed == cloud::os_feed::retail_eval ? api::RETAIL_EVAL : api::RETAIL);
  return out;
}

api::Product to_api(cloud::product_id id, const cloud::registry& registry) {
  const cloud::product_info& p = *registry.product(id);
  api::Product out;
  out.set_id(id);
  out.set_tenant(p.tenant);
  out.set_name(p.name);
  for (cloud::group_id g : p.groups) *out.add_groups() = to_api(g, *registry.group(g));
  return out;
}

api::DeviceInfo to_api(const cloud::device_record& r) {
  api::DeviceInfo out;
  out.set_device_id(hex(r.id));
  out.set_tenant(r.tenant);
  out.set_group(r.group);
  out.set_key_registered(r.key_registered);
  out.set_last_os_version(r.last_os_version.to_string());
  out.set_last_update_request_us(time_or_minus_one(r.last_update_request));
  out.set_last_attestation_us(time_or_minus_one(r.last_attestation));
  switch (r.last_attestation_verdict) {
    case cloud::attestation_verdict::none: out.set_last_attestation(api::NEVER_ATTESTED); break;
    case cloud::attestation_verdict::passed: out.set_last_attestation(api::PASSED); break;
    case cloud::attestation_verdict::failed: out.set_last_attestation(api::FAILED); break;
  }
  return out;
}

api::DeviceInfo to_api(const cloud::device_view& v) {
  api::DeviceInfo out = to_api(v.record);
  out.set_quarantined(v.quarantined);
  out.set_blocked(v.blocked);
  out.set_session_live(v.session_live);
  out.set_telemetry_events(v.telemetry.stored);
  return out;
}

api::DeploymentStatus to_api(cloud::deployment_id id, const cloud::rollout_status& s) {
  api::DeploymentStatus out;
  out.set_deployment(id);
  out.set_state(cloud::name_of(s.state));
  out.set_paused_by(cloud::name_of(s.paused_by));
  out.set_current_wave(s.current_wave);
  for (const cloud::wave_status& w : s.waves) {
    api::WaveStatus* ws = out.add_waves();
    ws->set_devices(w.devices);
    ws->set_done(w.done);
    for (std::size_t o = 0; o < cloud::device_outcome_count; ++o) {
      (*ws->mutable_outcomes())[cloud::name_of(static_cast<cloud::device_outcome>(o))] = w.outcomes.by_outcome[o];
    }
    ws->set_opened_at_us(time_or_minus_one(w.opened_at));
  }
  out.set_devices(s.devices);
  out.set_in_flight(s.in_flight);
  out.set_offers(s.attempts.offers);
  out.set_notified(s.attempts.notified);
  out.set_succeeded(s.attempts.succeeded);
  out.set_failed(s.attempts.failed);
  out.set_rejected(s.attempts.rejected);
  out.set_timed_out(s.attempts.timed_out);
  out.set_offers_per_minute(s.offers_per_minute.value_or(0));
  if (s.rollback) out.set_rollback_reason(cloud::name_of(s.rollback->why));
  for (std::size_t r = 0; r < cloud::offer_refusal_count; ++r) {
    if (s.refused[r] != 0) (*out.mutable_refused())[cloud::name_of(static_cast<cloud::offer_refusal>(r))] = s.refused[r];
  }
  return out;
}

api::ClaimResult to_api(cloud::claim_result r) {
  switch (r) {
    case cloud::claim_result::claimed: return api::CLAIMED;
    case cloud::claim_result::already_claimed: return api::ALREADY_CLAIMED;
    case cloud::claim_result::claimed_by_other: return api::CLAIMED_BY_OTHER;
    case cloud::claim_result::malformed_id: return api::MALFORMED_ID;
    default: return api::REGISTRY_FULL;
  }
}

std::optional<crypto::digest> parse_image_id(const std::string& hex_id) {
  crypto::digest id{};
  if (!crypto::from_hex(hex_id, id)) return std::nullopt;
  return id;
}

}  // namespace fleet::cloud_server
