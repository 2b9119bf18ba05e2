#include "fleet/cloud/attestation_verifier.hpp"

#include <utility>

#include "fleet/check.hpp"
#include "fleet/wire/limits.hpp"
#include "measured_boot.hpp"

namespace fleet::cloud {
namespace {

constexpr std::size_t signature_bytes = std::tuple_size<crypto::signature>::value;

challenge_refusal from(nonce_refusal r) {
  switch (r) {
    case nonce_refusal::none: return challenge_refusal::none;
    case nonce_refusal::outstanding_max: return challenge_refusal::outstanding_max;
    case nonce_refusal::tracked_max: return challenge_refusal::tracked_max;
  }
  return challenge_refusal::tracked_max;
}

attestation_outcome from(nonce_status s) {
  switch (s) {
    case nonce_status::valid: return attestation_outcome::ok;
    case nonce_status::unknown: return attestation_outcome::nonce_unknown;
    case nonce_status::wrong_device: return attestation_outcome::nonce_wrong_device;
    case nonce_status::reused: return attestation_outcome::nonce_reused;
    case nonce_status::expired: return attestation_outcome::nonce_expired;
    case nonce_status::superseded: return attestation_outcome::nonce_superseded;
  }
  return attestation_outcome::nonce_unknown;
}

/// Sizes and limits of every field, before anything is looked up or hashed.
bool well_formed(const wire::SignedEvidence& signed_evidence, const wire::Evidence& ev) {
  if (signed_evidence.signature().size() != signature_bytes ||
      ev.nonce().size() != wire::nonce_bytes || ev.measurement_register().size() != 32 ||
      ev.boot_size() > static_cast<int>(boot_stages_max) ||
      ev.rollback_counters_size() > static_cast<int>(rollback_counters_max) ||
      ev.product().size() > wire::name_bytes_max ||
      ev.hardware_revision().size() > wire::name_bytes_max) {
    return false;
  }
  for (const auto& stage : ev.boot()) {
    if (stage.manifest_digest().size() != 32 || stage.version().size() > wire::name_bytes_max) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* name_of(challenge_refusal r) {
  switch (r) {
    case challenge_refusal::none: return "none";
    case challenge_refusal::malformed: return "malformed";
    case challenge_refusal::unknown_device: return "unknown_device";
    case challenge_refusal::outstanding_max: return "outstanding_max";
    case challenge_refusal::tracked_max: return "tracked_max";
  }
  return "?";
}

const char* name_of(attestation_outcome o) {
  switch (o) {
    case attestation_outcome::ok: return "ok";
    case attestation_outcome::malformed: return "malformed";
    case attestation_outcome::device_id_mismatch: return "device_id_mismatch";
    case attestation_outcome::unknown_device: return "unknown_device";
    case attestation_outcome::key_mismatch: return "key_mismatch";
    case attestation_outcome::nonce_unknown: return "nonce_unknown";
    case attestation_outcome::nonce_wrong_device: return "nonce_wrong_device";
    case attestation_outcome::nonce_reused: return "nonce_reused";
    case attestation_outcome::nonce_expired: return "nonce_expired";
    case attestation_outcome::nonce_superseded: return "nonce_superseded";
    case attestation_outcome::bad_signature: return "bad_signature";
    case attestation_outcome::cloned_identity: return "cloned_identity";
    case attestation_outcome::register_mismatch: return "register_mismatch";
    case attestation_outcome::boot_chain_invalid: return "boot_chain_invalid";
    case attestation_outcome::wrong_product: return "wrong_product";
    case attestation_outcome::unknown_measurement: return "unknown_measurement";
    case attestation_outcome::measurement_mismatch: return "measurement_mismatch";
    case attestation_outcome::sequence_mismatch: return "sequence_mismatch";
    case attestation_outcome::revoked_measurement: return "revoked_measurement";
  }
  return "?";
}

bool quarantines(attestation_outcome o) {
  switch (o) {
    case attestation_outcome::register_mismatch:
    case attestation_outcome::boot_chain_invalid:
    case attestation_outcome::wrong_product:
    case attestation_outcome::unknown_measurement:
    case attestation_outcome::measurement_mismatch:
    case attestation_outcome::revoked_measurement: return true;
    default: return false;
  }
}

attestation_verifier::attestation_verifier(const attestation_limits& limits, device_lookup lookup,
                                           session_table& sessions)
    : limits_(limits), lookup_(std::move(lookup)), sessions_(sessions), nonces_(limits.nonces) {
  FLEET_CHECK(static_cast<bool>(lookup_), "verifier needs a device lookup");
  FLEET_CHECK(limits_.nonces.devices_max >= limits_.devices_max, "nonce table smaller than fleet");
}

challenge_result attestation_verifier::challenge(sim_time now, const wire::Envelope& request,
                                                 crypto::random_stream& random, source_id source) {
  auto refuse = [&](challenge_refusal r) {
    ++counters_.challenges_refused[static_cast<std::size_t>(r)];
    return challenge_result{r, {}};
  };
  crypto::device_id id{};
  if (!crypto::to_array(request.device_id(), id)) return refuse(challenge_refusal::malformed);
  const auto device = lookup_(id);
  if (!device) return refuse(challenge_refusal::unknown_device);
  FLEET_CHECK(device->index < limits_.devices_max, "registry index past devices_max");
  // Asked from where its live session is: strangers cannot supersede it (nonce_table.hpp).
  const auto home = sessions_.live_source(now, device->index);
  const issued_nonce issued = nonces_.issue(now, device->index, random, home && *home == source);
  if (!issued.ok()) return refuse(from(issued.refusal));
  ++counters_.challenges_issued;
  return {challenge_refusal::none, issued.value};
}

attestation_result attestation_verifier::verify(sim_time now, const wire::Envelope& request,
                                                source_id source) {
  attestation_result result;
  result.outcome = check(now, request, source, result.facts);
  ++counters_.outcomes[static_cast<std::size_t>(result.outcome)];
  if (quarantines(result.outcome)) {
    // It signed for software it must not run: the session it holds was
    // opened for other software, so it ends too.
    set_quarantine(result.facts.device, true, result.facts.revoked_components);
    sessions_.end(result.facts.device);
  } else if (result.ok()) {
    set_quarantine(result.facts.device, false);
  }
  return result;
}

attestation_outcome attestation_verifier::check(sim_time now, const wire::Envelope& request,
                                                source_id source, attestation_facts& facts) {
  if (request.body_case() != wire::Envelope::kEvidence) return attestation_outcome::malformed;
  const wire::SignedEvidence& signed_evidence = request.evidence();
  wire::Evidence ev;
  crypto::device_id id{};
  nonce presented{};
  if (!ev.ParseFromString(signed_evidence.evidence()) || !well_formed(signed_evidence, ev) ||
      !crypto::to_array(request.device_id(), id) ||
      !crypto::to_array(ev.device_public_key(), facts.device_key) ||
      !crypto::to_array(ev.session_public_key(), facts.session_public_key) ||
      !crypto::to_array(ev.nonce(), presented)) {
    return attestation_outcome::malformed;
  }

  // Who claims to speak?
  if (crypto::derive_device_id(facts.device_key) != id) return attestation_outcome::device_id_mismatch;
  const auto registered = lookup_(id);
  if (!registered) return attestation_outcome::unknown_device;
  if (registered->key != facts.device_key) return attestation_outcome::key_mismatch;
  FLEET_CHECK(registered->index < limits_.devices_max, "registry index past devices_max");
  facts.device = registered->index;

  // Is it fresh? Looked at before the signature, the expensive part, so a
  // flood of replayed evidence costs a hash lookup each ...
  const attestation_outcome fresh = from(nonces_.check(now, facts.device, presented));
  if (fresh != attestation_outcome::ok) return fresh;

  // Did the device key say so, for this very request?
  if (!crypto::verify(signed_evidence.evidence(), signed_evidence.signature(), facts.device_key)) {
    return attestation_outcome::bad_signature;
  }
  // ... and spent only now: junk evidence for a nonce seen on the wire
  // cannot cancel it. Only the key holder spends it, whatever comes next.
  nonces_.consume(now, facts.device, presented);
  if (ev.request_sequence() != request.sequence()) return attestation_outcome::sequence_mismatch;

  // The key holder speaks from here on. If its session is live elsewhere,
  // two devices hold the key: flag it, end that session too.
  if (const auto live = sessions_.live_source(now, facts.device); live && *live != source) {
    sessions_.flag_clone({now, facts.device, id, *live, source, clone_signal::attested_elsewhere});
    sessions_.end(facts.device);
    return attestation_outcome::cloned_identity;
  }

  // Did it boot known-good software of its product?
  // Revoked software is the one fault that still yields complete facts:
  // the service answers it with a restricted session (repair traffic only).
  const attestation_outcome software = check_software(ev, registered->product, facts);
  if (software != attestation_outcome::ok && software != attestation_outcome::revoked_measurement) return software;

  for (int i = 0; i < ev.rollback_counters_size(); ++i) {
    facts.rollback_counters[static_cast<std::size_t>(i)] = ev.rollback_counters(i);
  }
  facts.hardware_revision = ev.hardware_revision();
  facts.evidence_digest = crypto::sha256(signed_evidence.evidence());
  return software;
}

attestation_outcome attestation_verifier::check_software(const wire::Evidence& ev,
                                                         std::string_view product,
                                                         attestation_facts& facts) const {
  std::array<crypto::digest, boot_stages_max> digests{};
  const auto stages = static_cast<std::size_t>(ev.boot_size());
  for (std::size_t i = 0; i < stages; ++i) {
    crypto::to_array(ev.boot(static_cast<int>(i)).manifest_digest(), digests[i]);
  }
  // The register is what the secure element extended at each stage: the
  // reported list must be exactly what was measured.
  if (crypto::as_view(measurement_chain(digests.data(), stages)) != ev.measurement_register()) {
    return attestation_outcome::register_mismatch;
  }
  if (!boot_chain_well_formed(ev.boot())) return attestation_outcome::boot_chain_invalid;
  if (ev.product() != product) return attestation_outcome::wrong_product;

  const known_good_set::images* good = known_good_.of(product);
  if (good == nullptr) return attestation_outcome::unknown_measurement;
  facts.boot.reserve(stages);
  for (std::size_t i = 0; i < stages; ++i) {
    const wire::MeasuredComponent& stage = ev.boot(static_cast<int>(i));
    const auto it = good->find(digests[i]);
    if (it == good->end()) return attestation_outcome::unknown_measurement;
    if (it->second.component != stage.component() || it->second.version != stage.version()) {
      return attestation_outcome::measurement_mismatch;
    }
    // Judged after every stage: an unknown or mismatched one anywhere is the
    // worse fault, and gets no restricted session.
    if (it->second.revoked) facts.revoked_components |= component_bit(stage.component());
    facts.boot.push_back({stage.component(), stage.version(), digests[i]});
  }
  return facts.revoked_components != 0 ? attestation_outcome::revoked_measurement : attestation_outcome::ok;
}

void attestation_verifier::set_quarantine(device_index device, bool on, std::uint8_t revoked) {
  if (quarantined_.size() <= device) {
    if (!on) return;
    quarantined_.resize(std::size_t{device} + 1, 0);
  }
  const bool was = quarantined_[device] != 0;
  quarantined_[device] = on ? static_cast<std::uint8_t>(1u | (static_cast<unsigned>(revoked) << 1)) : 0;
  if (was == on) return;
  if (on) {
    ++counters_.quarantined_now;
  } else {
    --counters_.quarantined_now;
  }
}

bool attestation_verifier::quarantined(device_index device) const {
  return device < quarantined_.size() && quarantined_[device] != 0;
}

std::uint8_t attestation_verifier::revoked_components(device_index device) const {
  return device < quarantined_.size() ? static_cast<std::uint8_t>(quarantined_[device] >> 1) : 0;
}

}  // namespace fleet::cloud
