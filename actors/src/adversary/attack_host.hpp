#pragma once
// The attackers that talk to the cloud. Each attack is an entity of its own
// (after the devices in entity order) with its own link stream and trace;
// each victim is one attempt.
// - On attestation: a spoofed identity (a victim's ID without its key), a
//   cloned identity (a victim's extracted key, used from elsewhere while the
//   victim is online), replayed evidence (a victim's evidence captured on
//   the wire). An attempt is challenge, evidence, and the cloud's answer: a
//   certificate (it got through) or an error (it was stopped).
// - Certificates presented in place of a session, each with a proof of
//   possession signed by the only key the attacker has, its own: forged
//   from a victim's certificate captured on the wire, that certificate
//   itself once it expired, or stolen while still valid. Stopped when the
//   cloud refuses it as unauthenticated (stopped_by the check it names),
//   through when the cloud serves it.
// - A request flood from compromised identities: its requests are
//   attempts; refused ones are stopped, and legitimate devices refused for
//   their rate while it runs are what got through.
// - A victim lockout: requests naming each victim, at a rate, from the
//   attacker's own place. Its requests are attempts, stopped when charged
//   to its source or refused unauthenticated; what gets through is the
//   victim's own requests refused for its rate, or its evidence for a
//   superseded nonce, while it lasts.
// - Nonce burning by an on-path observer: junk evidence, in the victim's
//   name, for the nonce the cloud has just sent it. Judged by the victim's
//   own evidence for that nonce: attested (stopped) or nonce_reused (through).
//
// It lives with the cloud host, on its thread: attackers only talk to the
// cloud, and every message between them still crosses the simulated
// network, so nothing here depends on threads.

#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include "adversary/attack_ledger.hpp"
#include "device.pb.h"
#include "engine/entity_trace.hpp"
#include "engine/partition_plan.hpp"
#include "engine/sim_message.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/actors/run_input.hpp"
#include "network/network_model.hpp"

namespace fleet::actors {

class attack_host {
 public:
  /// The attempts on the victims of partition `plan`: each attack draws
  /// its victims from the whole fleet, and each partition runs the attempts
  /// on its own (an attack whose victims span partitions comes from one
  /// place per partition, docs/engine.md). Every attack is an entity here,
  /// with or without attempts, so entity order does not depend on P.
  attack_host(const std::vector<input::attack>& attacks, std::uint64_t run_seed, const partition_plan& plan,
              const network_model& net, attack_ledger& ledger);

  bool is_attacker(entity_id e) const { return e > devices_ && e <= devices_ + entities_.size(); }
  /// The earliest step due; fw::never when none.
  fw::sim_time next_time() const;
  /// Runs every step due at `now`; requests to the cloud go to `to_cloud`.
  void run(fw::sim_time now, std::vector<sim_message>& to_cloud);
  /// A reply of the cloud on its way to an attacker; `sent_at` is when it left.
  void deliver(fw::sim_time sent_at, entity_id attacker, std::string bytes);
  /// A request from a device as the cloud received it (`from_device`), or
  /// the cloud's reply to it as it left: attackers that wait for a victim's
  /// evidence keep the last one, those that present certificates the
  /// certificates issued, nonce burners the challenges; a lockout's victims
  /// are watched for refusals.
  void observe(fw::sim_time now, entity_id device, const std::string& bytes, bool from_device);
  bool watching() const { return !watched_.empty(); }
  /// The attack index of a request flood running at `now`, if any.
  std::optional<std::size_t> flood_at(fw::sim_time now) const;
  /// A device's request refused for its rate while `attack` (a flood) ran.
  /// Unless the device is one of the identities the flood uses, that is
  /// what the flood is after, so it counts as getting through.
  void refused_during_flood(std::size_t attack, entity_id device);

  /// The device indices an attack named as victims that keep their keys
  /// (none for a clone, a flood, and those counted elsewhere).
  std::vector<std::uint64_t> victims_of(std::size_t attack) const;
  /// Trace digests of the attacker entities, in entity order.
  std::vector<std::uint64_t> trace_digests() const;

 private:
  enum class stage : std::uint8_t { waiting, challenge_sent, evidence_sent, certificate_sent, junk_sent, done };
  /// Nonce burning: what became of the junk and of the victim's own evidence.
  enum class verdict : std::uint8_t { unknown, refused_first, too_late, attested, nonce_reused, other };
  struct capture {
    fw::sim_time at{0};
    std::string envelope;  ///< the signed evidence request as it crossed the wire
  };
  struct certificate_capture {
    fw::sim_time at{0};
    wire::SignedCertificate certificate;  ///< as the cloud issued it
  };
  struct certificates_seen {
    certificate_capture first;   ///< the first the cloud issued the victim in the run
    certificate_capture latest;
  };
  struct watch {
    bool evidence = false;
    bool certificate = false;
    std::optional<std::size_t> burner;   ///< the nonce-burning attempt on this victim
    std::vector<std::size_t> lockouts;   ///< the lockout attempts on this victim
  };
  struct attempt {
    std::size_t entity = 0;  ///< index into entities_
    std::uint64_t victim = 0;
    crypto::device_id victim_id{};
    stage at_stage = stage::waiting;
    fw::sim_time next{0};  ///< start, retry or timeout
    std::uint32_t tries = 0;
    std::uint32_t waits = 0;  ///< for a capture of the victim's evidence, or held back for rate
    bool counted = false;     ///< counted as tried
    std::uint64_t sequence = 0;
    double owed = 0;  ///< flood, lockout: requests due but not yet sent (fractions carry over)
    std::string nonce;               ///< nonce burning: the victim's nonce the junk is for
    std::string junk_answer;         ///< nonce burning: the cloud's answer to the junk
    verdict junk = verdict::unknown;
    verdict victim_answer = verdict::unknown;
    std::uint64_t victim_sequence = 0;  ///< of the victim's evidence for `nonce`
  };
  struct entity {
    std::size_t attack = 0;
    enum {
      spoof,
      clone,
      replay,
      flood,
      forged_certificate,
      expired_certificate,
      stolen_certificate,
      lockout,
      nonce_burning
    } kind = spoof;
    bool presents_certificate() const {
      return kind == forged_certificate || kind == expired_certificate || kind == stolen_certificate;
    }
    /// Sends at a rate for a while, without waiting for answers.
    bool sends_at_a_rate() const { return kind == flood || kind == lockout; }
    crypto::random_stream link;
    crypto::random_stream own;  ///< the attacker's own keys and shares
    crypto::signing_key_pair own_key;
    entity_trace trace;
    std::uint64_t sent = 0;
    std::map<crypto::device_id, std::size_t> by_victim;  ///< attempt index
    double per_tick = 0;    ///< flood, lockout: requests per identity per tick
    fw::sim_time from{0};   ///< flood, lockout: when it starts
    fw::sim_time until{0};  ///< flood, lockout: when it stops
  };
  struct in_flight {
    fw::sim_time arrival{0};
    std::size_t entity = 0;
    std::uint64_t order = 0;
    std::string bytes;
    bool operator>(const in_flight& o) const { return std::tie(arrival, entity, order) > std::tie(o.arrival, o.entity, o.order); }
  };

  void start(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud);
  void on_reply(fw::sim_time now, attempt& a, const std::string& bytes, std::vector<sim_message>& to_cloud);
  /// A request to the cloud, addressed (sim_message::request) to what `body` asks of the service.
  void send(fw::sim_time now, attempt& a, wire::Envelope::BodyCase body, std::string bytes,
            std::vector<sim_message>& to_cloud);
  std::optional<std::string> evidence_for(fw::sim_time now, attempt& a, const std::string& nonce);
  void finish(attempt& a, bool stopped, bool got_certificate);
  /// Counts the attempt as tried, once.
  void count_tried(attempt& a);
  /// A refusal for rate: the try is made again later, uncounted.
  void hold_back(fw::sim_time now, attempt& a, const wire::Error& error);
  void flood_tick(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud);
  void present_certificate(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud);
  void on_certificate_reply(fw::sim_time now, attempt& a, const wire::Envelope& reply);
  void on_lockout_reply(attempt& a, const wire::Envelope& reply);
  void send_junk_evidence(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud);
  void on_junk_reply(fw::sim_time now, attempt& a, const wire::Envelope& reply);
  void burner_wake(fw::sim_time now, attempt& a);
  /// Back to waiting for the victim's next challenge.
  void rearm_burner(fw::sim_time now, attempt& a);
  /// What the cloud told a nonce burner's victim: its challenge, or the answer to its evidence.
  void watch_burn(fw::sim_time now, attempt& a, const wire::Envelope& env, bool from_device);
  /// A lockout's victim refused for its rate or a superseded nonce while the lockout runs.
  void watch_lockout(fw::sim_time now, const watch& w, const wire::Envelope& reply);
  /// Concludes a nonce-burning attempt once both verdicts are in; otherwise waits for the next challenge.
  void judge_burn(fw::sim_time now, attempt& a);

  std::uint64_t run_seed_;
  std::uint64_t devices_;
  const network_model& net_;
  attack_ledger& ledger_;  ///< what the attempts came to, by attack
  std::vector<entity> entities_;
  std::vector<attempt> attempts_;
  std::map<std::uint64_t, capture> captured_;  ///< by victim device index
  std::map<std::uint64_t, certificates_seen> certificates_;  ///< by victim device index
  std::map<entity_id, watch> watched_;         ///< victims whose evidence or certificate is captured
  std::vector<in_flight> inbox_;               ///< a min-heap on (arrival, entity, order)
  std::vector<sim_message> outbox_;            ///< sent while observing (junk evidence): out at the next run()
  fw::sim_time outbox_at_{0};
  std::uint64_t delivered_ = 0;
  using wake = std::pair<fw::sim_time, std::size_t>;  ///< (time, attempt)
  /// Attempts' next steps; an entry is stale when its attempt moved on.
  mutable std::vector<wake> wakes_;  ///< a min-heap
  void schedule(std::size_t attempt_index);
};

}  // namespace fleet::actors
