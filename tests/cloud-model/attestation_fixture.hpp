#pragma once
// A device built by hand for the attestation and session tests: a device
// key from a seed, evidence as firmware-core's on_challenge builds it
// (fleet/testing/evidence.hpp), and session requests MACed as its
// send_request does. Plus a registry stand-in.

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "device.pb.h"
#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/cloud/session_table.hpp"
#include "fleet/testing/evidence.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::cloud::testing {

using namespace std::chrono_literals;

inline crypto::seed seed_of(std::uint8_t b) {
  crypto::seed s{};
  s.fill(b);
  return s;
}

inline crypto::digest manifest_digest_of(wire::Component c, const std::string& version,
                                         const std::string& product = "thermostat") {
  return crypto::sha256(product + "/" + std::to_string(c) + "/" + version);
}

using stage = fleet::testing::booted_stage;

struct test_device {
  explicit test_device(std::uint8_t key_seed, std::string product_name = "thermostat")
      : key(crypto::signing_key_from_seed(seed_of(key_seed))),
        id(crypto::derive_device_id(key.public_key_bytes)),
        product(std::move(product_name)) {
    for (auto c : {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP}) {
      boot.push_back({c, "1.0.0", manifest_digest_of(c, "1.0.0", product)});
    }
  }

  wire::Envelope challenge_request() {
    wire::Envelope env;
    env.set_device_id(crypto::to_string(id));
    env.set_sequence(++sequence);
    env.mutable_challenge_request();
    return env;
  }

  /// The evidence as the firmware builds it; `edit` changes it before signing.
  template <typename Edit>
  wire::Envelope evidence(const nonce& n, Edit edit, const crypto::secret_key* signer = nullptr) {
    exchange = crypto::exchange_key_from_secret(seed_of(static_cast<std::uint8_t>(sequence + 100)));
    fleet::testing::evidence_spec spec;
    spec.nonce = crypto::to_string(n);
    spec.device_key = key.public_key_bytes;
    spec.product = product;
    spec.boot = boot;
    spec.rollback_counters = {1, 2, 3, 4, 5};
    spec.session_key = exchange.public_key_bytes;
    wire::Evidence ev = fleet::testing::make_evidence(spec);
    edit(ev);
    return fleet::testing::signed_evidence_envelope(id, ++sequence, ev,
                                                    signer ? *signer : key.secret_key_bytes);
  }
  wire::Envelope evidence(const nonce& n) {
    return evidence(n, [](wire::Evidence&) {});
  }

  /// Takes the service's half of the exchange, as on_certificate does.
  void accept_session(const opened_session& s) {
    ASSERT_TRUE(crypto::derive_session_key(exchange.secret_key_bytes, exchange.public_key_bytes,
                                           s.service_public_key, /*own_is_device=*/true, s.id,
                                           session_key));
    session_id = s.id;
  }

  wire::Envelope session_request() {
    wire::Envelope env;
    env.set_device_id(crypto::to_string(id));
    env.set_sequence(++sequence);
    env.mutable_update_check()->set_product(product);
    env.set_session_id(session_id);
    env.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(env), session_key)));
    return env;
  }

  crypto::signing_key_pair key;
  crypto::device_id id;
  std::string product;
  std::vector<stage> boot;
  std::uint64_t sequence = 0;
  crypto::exchange_key_pair exchange{};
  crypto::seed session_key{};
  std::uint64_t session_id = 0;
};

/// The registry as the verifier sees it.
struct directory {
  void add(const test_device& d, device_index index, const std::string& product) {
    products.push_back(product);
    entries[crypto::to_string(d.id)] = {index, d.key.public_key_bytes, {}};
    product_of[crypto::to_string(d.id)] = product;
  }
  device_lookup lookup() {
    return [this](const crypto::device_id& id) -> std::optional<registered_device> {
      auto it = entries.find(crypto::to_string(id));
      if (it == entries.end()) return std::nullopt;
      registered_device r = it->second;
      r.product = product_of.at(it->first);
      return r;
    };
  }
  std::map<std::string, registered_device> entries;
  std::map<std::string, std::string> product_of;
  std::vector<std::string> products;
};

/// A device registered and known-good images published; verifier and sessions wired up.
struct attestation_world {
  explicit attestation_world(attestation_limits limits = {}, session_limits slimits = {})
      : sessions(slimits, dir.lookup()), verifier(limits, dir.lookup(), sessions) {
    register_device(alice, 0);
    register_device(bob, 1);
  }
  void register_device(test_device& d, device_index index) {
    dir.add(d, index, d.product);
    for (const auto& s : d.boot) publish(d.product, s);
  }
  void publish(const std::string& product, const stage& s) {
    verifier.known_good().add(product, s.manifest_digest, s.component, s.version);
  }
  nonce challenge(test_device& d, sim_time now) {
    auto result = verifier.challenge(now, d.challenge_request(), random);
    EXPECT_TRUE(result.ok()) << name_of(result.refusal);
    return result.value;
  }
  /// The honest flow: challenge, evidence, session.
  attestation_result attest(test_device& d, sim_time now, source_id source) {
    auto evidence = d.evidence(challenge(d, now));
    auto result = verifier.verify(now, evidence, source);
    if (result.ok()) {
      auto s = sessions.open(now, result.facts.device, source, result.facts.session_public_key,
                             now + 24h, evidence.sequence(), random);
      EXPECT_TRUE(s.ok());
      d.accept_session(s);
    }
    return result;
  }

  directory dir;
  session_table sessions;
  attestation_verifier verifier;
  crypto::random_stream random{42, 0, "cloud"};
  test_device alice{1};
  test_device bob{2};
};

}  // namespace fleet::cloud::testing
