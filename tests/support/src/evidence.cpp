#include "fleet/testing/evidence.hpp"

#include "fleet/wire/envelope.hpp"

namespace fleet::testing {

crypto::digest extend_measurement(const crypto::digest& register_value, const crypto::digest& manifest_digest) {
  std::string input = crypto::to_string(register_value);
  input += crypto::as_view(manifest_digest);
  return crypto::sha256(input);
}

crypto::digest measurement_chain(const std::vector<crypto::digest>& manifest_digests) {
  crypto::digest reg{};
  for (const auto& d : manifest_digests) reg = extend_measurement(reg, d);
  return reg;
}

std::vector<booted_stage> stages_of(const std::vector<wire::built_image>& images) {
  std::vector<booted_stage> out;
  out.reserve(images.size());
  for (const auto& image : images) {
    out.push_back({image.manifest.component(), image.manifest.version(), image.manifest_digest});
  }
  return out;
}

wire::Evidence make_evidence(const evidence_spec& spec) {
  wire::Evidence ev;
  ev.set_nonce(spec.nonce);
  ev.set_device_public_key(crypto::to_string(spec.device_key));
  ev.set_product(spec.product);
  ev.set_hardware_revision(spec.hardware_revision);
  std::vector<crypto::digest> digests;
  digests.reserve(spec.boot.size());
  for (const auto& stage : spec.boot) {
    auto* m = ev.add_boot();
    m->set_component(stage.component);
    m->set_version(stage.version);
    m->set_manifest_digest(crypto::to_string(stage.manifest_digest));
    digests.push_back(stage.manifest_digest);
  }
  ev.set_measurement_register(crypto::to_string(measurement_chain(digests)));
  for (const std::uint32_t counter : spec.rollback_counters) ev.add_rollback_counters(counter);
  ev.set_session_public_key(crypto::to_string(spec.session_key));
  ev.set_device_time_us(spec.device_time_us);
  return ev;
}

wire::Envelope signed_evidence_envelope(const crypto::device_id& id, std::uint64_t sequence,
                                        const wire::Evidence& evidence, const crypto::secret_key& signer) {
  wire::Envelope env;
  env.set_device_id(crypto::to_string(id));
  env.set_sequence(sequence);
  wire::Evidence bound = evidence;
  bound.set_request_sequence(sequence);
  auto* signed_evidence = env.mutable_evidence();
  signed_evidence->set_evidence(wire::serialize(bound));
  signed_evidence->set_signature(crypto::to_string(crypto::sign(signed_evidence->evidence(), signer)));
  return env;
}

}  // namespace fleet::testing
