#include "fleet/actors/service_snapshot.hpp"

namespace fleet::actors {
namespace {

/// Requests by how the cloud answered: each request gets at most one error
/// (blocked identities are among the unauthenticated).
cloud_request_counts requests_of(const cloud::service_counters& c, std::uint64_t dropped) {
  cloud_request_counts r;
  r.ignored = c.ignored;
  r.invalid = c.invalid;
  r.rate_limited = c.rate_limited;
  r.unauthenticated = c.unauthenticated;
  r.attestation_failed = c.attestation_failed;
  r.not_found = c.not_found;
  const std::uint64_t refused =
      r.ignored + r.invalid + r.rate_limited + r.unauthenticated + r.attestation_failed + r.not_found;
  r.served = c.requests > refused ? c.requests - refused : 0;
  r.dropped_by_outage = dropped;
  return r;
}

}  // namespace

deployment_snapshot deployment_snapshot_of(const cloud::rollout_status& st, const std::vector<cloud::transition>& history,
                                           std::string name) {
  deployment_snapshot ds;
  ds.name = std::move(name);
  ds.state = cloud::name_of(st.state);
  ds.wave = st.state == cloud::rollout_state::scheduled ? 0 : st.current_wave + 1;
  ds.devices = st.devices;
  static_assert(std::tuple_size<decltype(ds.by_outcome)>::value == cloud::device_outcome_count,
                "one count per outcome");
  for (const cloud::wave_status& w : st.waves) {
    for (std::size_t o = 0; o < ds.by_outcome.size(); ++o) ds.by_outcome[o] += w.outcomes.by_outcome[o];
  }
  ds.notified = st.attempts.notified;
  ds.offered = st.attempts.offers;
  ds.succeeded = st.attempts.succeeded;
  ds.failed = st.attempts.failed;
  ds.rejected = st.attempts.rejected;
  ds.timed_out = st.attempts.timed_out;
  for (const cloud::transition& t : history) {
    ds.transitions.push_back({t.at, cloud::name_of(t.to), t.wave + 1, cloud::name_of(t.why)});
  }
  const cloud::rollback_progress& back = st.rolled_back;
  ds.rollback.took = back.took;
  ds.rollback.offered = back.offered;
  ds.rollback.committed = back.committed;
  ds.rollback.failed = back.failed;
  ds.rollback.rejected = back.rejected;
  if (st.rollback) ds.rollback.requested_at = st.rollback->at;
  if (back.last_committed_at != cloud::never) ds.rollback.last_committed_at = back.last_committed_at;
  ds.refused_in_flight_full = st.refused[static_cast<std::size_t>(cloud::offer_refusal::in_flight_full)];
  return ds;
}

void add_requests(const cloud::security_service& service, std::uint64_t dropped_by_outage, live_snapshot& out) {
  add_requests(service.counters(), dropped_by_outage, out);
}

void add_requests(const cloud::service_counters& c, std::uint64_t dropped_by_outage, live_snapshot& out) {
  const cloud_request_counts r = requests_of(c, dropped_by_outage);
  out.requests.served += r.served;
  out.requests.rate_limited += r.rate_limited;
  out.requests.unauthenticated += r.unauthenticated;
  out.requests.attestation_failed += r.attestation_failed;
  out.requests.invalid += r.invalid;
  out.requests.not_found += r.not_found;
  out.requests.ignored += r.ignored;
  out.requests.dropped_by_outage += r.dropped_by_outage;
  out.counters.certificates_issued += c.certificates_issued;
  out.certificates_refused += c.certificate_checks_refused;
  out.certificates_revoked += c.revocations;
  out.clones_flagged += c.clones_flagged;
}

void add_service(const cloud::security_service& service, const std::vector<std::string>& deployment_names,
                 std::uint64_t dropped_by_outage, live_snapshot& out) {
  add_requests(service, dropped_by_outage, out);
  for (std::size_t d = 0; d < service.deployments(); ++d) {
    std::string name = d < deployment_names.size() ? deployment_names[d] : std::to_string(d + 1);
    const auto id = static_cast<cloud::deployment_id>(d + 1);
    out.deployments.push_back(
        deployment_snapshot_of(service.deployment_status(id).value, service.deployment_history(id).value, std::move(name)));
  }
}

}  // namespace fleet::actors
