#include "adversary/presented_certificate.hpp"

#include "fleet/wire/envelope.hpp"

namespace fleet::actors {

using namespace std::chrono_literals;

wire::SignedCertificate forged_from(const wire::SignedCertificate& genuine, const crypto::signing_key_pair& own) {
  wire::Certificate body;
  body.ParseFromString(genuine.certificate());  // a certificate that does not parse is forged all the same
  body.set_device_public_key(crypto::to_string(own.public_key_bytes));
  body.set_not_after_us(body.not_after_us() + std::chrono::microseconds(365 * 24h).count());
  wire::SignedCertificate forged;
  forged.set_certificate(wire::serialize(body));
  forged.set_signature(crypto::to_string(crypto::sign(forged.certificate(), own.secret_key_bytes)));
  return forged;
}

fw::duration lifetime_of(const wire::SignedCertificate& certificate) {
  wire::Certificate body;
  if (!body.ParseFromString(certificate.certificate())) return fw::duration{0};
  return fw::duration{body.not_after_us() - body.not_before_us()};
}

std::string certificate_request(const crypto::device_id& victim, std::uint64_t sequence,
                                const wire::SignedCertificate& presented, const crypto::secret_key& signer) {
  wire::Envelope env;
  env.set_device_id(crypto::to_string(victim));
  env.set_sequence(sequence);
  *env.mutable_certificate() = presented;
  env.mutable_update_check();  // no product: nothing would be offered, being served is what counts
  wire::prove_possession(env, signer);
  return wire::serialize(env);
}

}  // namespace fleet::actors
