#include "adversary/attack_host.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <variant>

#include "adversary/presented_certificate.hpp"
#include "device.pb.h"
#include "fleet/cloud/security_service.hpp"
#include "fleet/device/sim_secure_element.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

enum trace_tag : std::uint64_t { sent_tag = 1, reply_tag, lost_tag, timeout_tag };

constexpr fw::duration answer_timeout = 60s;    ///< then the attempt is retried
constexpr std::uint32_t tries_max = 3;          ///< unanswered tries, then it gives up
constexpr fw::duration capture_wait = 1h;       ///< between looks for a victim's evidence
constexpr std::uint32_t capture_waits_max = 72;  ///< three days of waiting, then it gives up
constexpr fw::duration attempt_spacing = 100ms;  ///< between the starts of one attack's attempts
constexpr fw::duration flood_tick_every = 100ms;  ///< a flood sends its requests in batches this far apart
constexpr fw::duration past_expiry = 1min;        ///< how long after expiry a certificate is presented

/// The cloud's answer: a certificate, an error, or something else (a challenge).
wire::Envelope parse(const std::string& bytes) {
  wire::Envelope env;
  if (!env.ParseFromString(bytes)) env.Clear();
  return env;
}

}  // namespace

attack_host::attack_host(const std::vector<input::attack>& attacks, std::uint64_t run_seed,
                         const partition_plan& plan, const network_model& net, attack_ledger& ledger)
    : run_seed_(run_seed), devices_(plan.fleet_devices), net_(net), ledger_(ledger) {
  for (std::size_t a = 0; a < attacks.size(); ++a) {
    const input::attack& spec = attacks[a];
    // Those on the link and in the mirror are counted where they act (link_tamper, distribution_mirror).
    if (std::holds_alternative<input::man_in_the_middle>(spec.kind) || input::in_the_mirror(spec.kind)) continue;
    const auto* flood = std::get_if<input::request_flood>(&spec.kind);
    const auto* lockout = std::get_if<input::victim_lockout>(&spec.kind);
    const entity_id id = devices_ + 1 + entities_.size();
    entity e{a, entity::spoof, {run_seed, id, "attacker-link"}, {run_seed, id, "attacker"}, {}, {}, 0, {}};
    if (std::holds_alternative<input::cloned_identity>(spec.kind)) e.kind = entity::clone;
    if (std::holds_alternative<input::replayed_evidence>(spec.kind)) e.kind = entity::replay;
    if (std::holds_alternative<input::forged_certificate>(spec.kind)) e.kind = entity::forged_certificate;
    if (std::holds_alternative<input::expired_certificate>(spec.kind)) e.kind = entity::expired_certificate;
    if (std::holds_alternative<input::stolen_certificate>(spec.kind)) e.kind = entity::stolen_certificate;
    if (std::holds_alternative<input::nonce_burning>(spec.kind)) e.kind = entity::nonce_burning;
    if (flood != nullptr || lockout != nullptr) {
      e.kind = flood != nullptr ? entity::flood : entity::lockout;
      const double rate = flood != nullptr ? flood->requests_per_second : lockout->requests_per_second;
      e.per_tick = rate * std::chrono::duration<double>(flood_tick_every).count();
      e.from = spec.at;
      e.until = spec.at + spec.length;
    }
    e.own_key = crypto::signing_key_from_seed(e.own.next_seed());
    // Distinct victims, drawn from the attacker's own stream.
    crypto::random_stream pick(run_seed, id, "victims");
    const std::uint64_t count = std::min<std::uint64_t>(spec.count, devices_);
    std::set<std::uint64_t> victims;
    while (victims.size() < count) victims.insert(pick.below(devices_));
    fw::sim_time start = spec.at;
    for (const std::uint64_t v : victims) {
      // Each attempt keeps its time in the attack's whole schedule.
      const fw::sim_time at = start;
      if (!e.sends_at_a_rate()) start += attempt_spacing;
      if (!plan.holds(v)) continue;
      attempt t;
      t.entity = entities_.size();
      t.victim = v;
      t.victim_id = crypto::derive_device_id(device::device_signing_key(run_seed_, v).public_key_bytes);
      t.next = at;
      e.by_victim[t.victim_id] = attempts_.size();
      // Spoofers, burners, clones and replays wait for the victim's last
      // evidence: what they send must look like the real thing, or a check
      // before the one under test (its shape) refuses it. After a revocation
      // a spoofer copies the revoked image the victim reported, asking for a
      // restricted session.
      if (e.kind == entity::clone || e.kind == entity::replay || e.kind == entity::spoof ||
          e.kind == entity::nonce_burning) {
        watched_[device_entity(v)].evidence = true;
      }
      if (e.presents_certificate()) watched_[device_entity(v)].certificate = true;
      if (e.kind == entity::nonce_burning) watched_[device_entity(v)].burner = attempts_.size();
      if (e.kind == entity::lockout) watched_[device_entity(v)].lockouts.push_back(attempts_.size());
      attempts_.push_back(t);
      schedule(attempts_.size() - 1);
    }
    entities_.push_back(std::move(e));
  }
}

void attack_host::schedule(std::size_t attempt_index) {
  wakes_.emplace_back(attempts_[attempt_index].next, attempt_index);
  std::push_heap(wakes_.begin(), wakes_.end(), std::greater<>{});
}

fw::sim_time attack_host::next_time() const {
  // Stale entries (the attempt finished or moved its next step) are dropped here.
  while (!wakes_.empty()) {
    const auto [t, i] = wakes_.front();
    if (attempts_[i].at_stage != stage::done && attempts_[i].next == t) break;
    std::pop_heap(wakes_.begin(), wakes_.end(), std::greater<>{});
    wakes_.pop_back();
  }
  fw::sim_time next = inbox_.empty() ? fw::never : inbox_.front().arrival;
  if (!wakes_.empty()) next = std::min(next, wakes_.front().first);
  if (!outbox_.empty()) next = std::min(next, outbox_at_);
  return next;
}

void attack_host::observe(fw::sim_time now, entity_id device, const std::string& bytes, bool from_device) {
  const auto it = watched_.find(device);
  if (it == watched_.end()) return;
  const watch& w = it->second;
  wire::Envelope env;
  if (!env.ParseFromString(bytes)) return;
  if (w.evidence && env.has_evidence()) captured_[device_index_of(device)] = {now, bytes};
  if (w.certificate && env.has_certificate_issued()) {
    certificates_seen& seen = certificates_[device_index_of(device)];
    const certificate_capture issued{now, env.certificate_issued().certificate()};
    if (seen.first.certificate.certificate().empty()) seen.first = issued;
    seen.latest = issued;
  }
  if (w.burner) watch_burn(now, attempts_[*w.burner], env, from_device);
  if (!from_device && !w.lockouts.empty() && env.has_error()) watch_lockout(now, w, env);
}

void attack_host::deliver(fw::sim_time sent_at, entity_id attacker, std::string bytes) {
  entity& e = entities_[attacker - devices_ - 1];
  const auto delay = net_.delay(e.link, bytes.size(), false);
  if (!delay) {
    e.trace.fold(sent_at.count(), lost_tag, bytes.size());
    return;
  }
  inbox_.push_back({sent_at + *delay, attacker - devices_ - 1, ++delivered_, std::move(bytes)});
  std::push_heap(inbox_.begin(), inbox_.end(), std::greater<>{});
}

void attack_host::send(fw::sim_time now, attempt& a, wire::Envelope::BodyCase body, std::string bytes,
                       std::vector<sim_message>& to_cloud) {
  entity& e = entities_[a.entity];
  const entity_id id = devices_ + 1 + a.entity;
  e.trace.fold(now.count(), sent_tag, bytes.size());
  a.next = now + answer_timeout;
  schedule(static_cast<std::size_t>(&a - attempts_.data()));
  const auto delay = net_.delay(e.link, bytes.size(), false);
  ++e.sent;
  if (!delay) return;  // lost: the timeout retries
  to_cloud.push_back({(now + *delay).count(), id, e.sent, cloud_entity, std::move(bytes), 0, static_cast<std::uint8_t>(body)});
}

std::optional<std::size_t> attack_host::flood_at(fw::sim_time now) const {
  for (const entity& e : entities_) {
    if (e.kind == entity::flood && now >= e.from && now < e.until) return e.attack;
  }
  return std::nullopt;
}

void attack_host::refused_during_flood(std::size_t attack, entity_id device) {
  for (entity& e : entities_) {
    if (e.attack != attack) continue;
    const crypto::device_id id =
        crypto::derive_device_id(device::device_signing_key(run_seed_, device_index_of(device)).public_key_bytes);
    if (e.by_victim.count(id) == 0) ++ledger_.of(e.attack).got_through;  // the flood's own identities are not collateral
  }
}

// One batch of a flood or a lockout for one identity: its share of the
// rate, no waiting for answers (that is the point).
void attack_host::flood_tick(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud) {
  entity& e = entities_[a.entity];
  if (now >= e.until) return finish(a, false, false);
  a.owed += e.per_tick;
  ++a.tries;
  for (; a.owed >= 1; a.owed -= 1) {
    wire::Envelope env;
    env.set_device_id(crypto::to_string(a.victim_id));
    env.set_sequence(++a.sequence);
    // A lockout takes turns with the two requests anyone can make in a device's name.
    if (e.kind == entity::lockout && a.sequence % 2 == 0) {
      env.mutable_update_check();
    } else {
      env.mutable_challenge_request();
    }
    ++ledger_.of(e.attack).tried;
    const std::string bytes = wire::serialize(env);
    e.trace.fold(now.count(), sent_tag, bytes.size());
    const auto delay = net_.delay(e.link, bytes.size(), false);
    ++e.sent;
    if (delay) {
      to_cloud.push_back({(now + *delay).count(), devices_ + 1 + a.entity, e.sent, cloud_entity, bytes, 0,
                          static_cast<std::uint8_t>(env.body_case())});
    }
  }
  a.at_stage = stage::challenge_sent;
  a.next = now + flood_tick_every;
}

void attack_host::start(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud) {
  entity& e = entities_[a.entity];
  if (e.sends_at_a_rate()) return flood_tick(now, a, to_cloud);
  if (e.presents_certificate()) return present_certificate(now, a, to_cloud);
  if (e.kind == entity::nonce_burning) return burner_wake(now, a);
  // Every one of them needs a victim's evidence from the wire first.
  if (captured_.count(a.victim) == 0) {
    if (++a.waits > capture_waits_max) return finish(a, false, false);
    a.next = now + capture_wait;
    return;
  }
  count_tried(a);
  if (++a.tries > tries_max) return finish(a, false, false);
  wire::Envelope env;
  env.set_device_id(crypto::to_string(a.victim_id));
  env.set_sequence(++a.sequence);
  env.mutable_challenge_request();
  a.at_stage = stage::challenge_sent;
  send(now, a, env.body_case(), wire::serialize(env), to_cloud);
}

// A certificate in place of a session: forged from the victim's captured
// certificate, or that certificate itself once it has expired.
void attack_host::present_certificate(fw::sim_time now, attempt& a, std::vector<sim_message>& to_cloud) {
  entity& e = entities_[a.entity];
  const auto seen = certificates_.find(a.victim);
  if (seen == certificates_.end()) {
    if (++a.waits > capture_waits_max) return finish(a, false, false);
    a.next = now + capture_wait;
    return;
  }
  // The expired one is the first the victim was issued; the others take the newest.
  const certificate_capture& genuine = e.kind == entity::expired_certificate ? seen->second.first : seen->second.latest;
  const fw::sim_time expiry = genuine.at + lifetime_of(genuine.certificate);
  if (e.kind == entity::expired_certificate && now < expiry + past_expiry) {
    a.next = expiry + past_expiry;
    return;
  }
  if (e.kind == entity::stolen_certificate && now + answer_timeout >= expiry) {
    // Worth stealing only while valid: wait for the victim's next one.
    if (++a.waits > capture_waits_max) return finish(a, false, false);
    a.next = now + capture_wait;
    return;
  }
  count_tried(a);
  if (++a.tries > tries_max) return finish(a, false, false);
  const wire::SignedCertificate presented =
      e.kind == entity::forged_certificate ? forged_from(genuine.certificate, e.own_key) : genuine.certificate;
  a.at_stage = stage::certificate_sent;
  // The proof of possession is signed with the only key the attacker has.
  send(now, a, wire::Envelope::kUpdateCheck,
       certificate_request(a.victim_id, ++a.sequence, presented, e.own_key.secret_key_bytes), to_cloud);
}

// Refused before it cost the victim anything: charged to the attacker's own
// source, or refused as unauthenticated. A refusal for the victim's own
// budget is what the lockout is after: judged where the victim is refused.
void attack_host::on_lockout_reply(attempt& a, const wire::Envelope& reply) {
  attack_outcome& t = ledger_.of(entities_[a.entity].attack);
  std::string by = "source_budget";  // a challenge served: its nonce spent the attacker's source budget
  if (reply.has_error()) {
    const wire::Error& error = reply.error();
    if (error.code() == wire::ERROR_RATE_LIMITED) {
      if (error.detail() == "rate limited: device") return;
      if (error.detail() == "rate limited: global") by = "global_budget";
    } else if (error.code() == wire::ERROR_UNAUTHENTICATED) {
      by = "unauthenticated";
    } else {
      by = "refused";
    }
  }
  ++t.stopped;
  ++t.stopped_by[by];
}

void attack_host::watch_lockout(fw::sim_time now, const watch& w, const wire::Envelope& reply) {
  const wire::Error& error = reply.error();
  const bool locked_out = (error.code() == wire::ERROR_RATE_LIMITED && error.detail() == "rate limited: device") ||
                          (error.code() == wire::ERROR_ATTESTATION_FAILED && error.detail() == "nonce_superseded");
  if (!locked_out) return;
  for (const std::size_t i : w.lockouts) {
    entity& e = entities_[attempts_[i].entity];
    if (now >= e.from && now < e.until) ++ledger_.of(e.attack).got_through;
  }
}

// A burner waits, from the attack's start, for the cloud to challenge its
// victim (watch_burn); a wake means it waited too long, for a challenge or
// for the verdicts on one.
void attack_host::burner_wake(fw::sim_time now, attempt& a) {
  if (a.waits == 0) {
    a.waits = 1;
    a.next = now + capture_wait * capture_waits_max;
    return;
  }
  if (a.nonce.empty() || a.tries >= tries_max) return finish(a, false, false);
  rearm_burner(now, a);
}

void attack_host::rearm_burner(fw::sim_time now, attempt& a) {
  a.nonce.clear();
  a.junk_answer.clear();
  a.junk = verdict::unknown;
  a.victim_answer = verdict::unknown;
  a.victim_sequence = 0;
  a.at_stage = stage::waiting;
  a.next = now + capture_wait * capture_waits_max;
}

void attack_host::watch_burn(fw::sim_time now, attempt& a, const wire::Envelope& env, bool from_device) {
  if (a.at_stage == stage::done || a.waits == 0) return;  // not started yet, or over
  if (!from_device && env.has_challenge() && a.nonce.empty()) {
    // Without the victim's evidence to copy, junk would be refused on its shape alone.
    if (a.tries >= tries_max || captured_.count(a.victim) == 0) return;
    a.nonce = env.challenge().nonce();
    count_tried(a);
    ++a.tries;
    auto junk = evidence_for(now, a, a.nonce);
    if (!junk) return;
    a.at_stage = stage::junk_sent;
    outbox_at_ = now;
    send(now, a, wire::Envelope::kEvidence, std::move(*junk), outbox_);
    return;
  }
  if (a.nonce.empty()) return;
  if (from_device && env.has_evidence()) {
    wire::Evidence ev;
    if (ev.ParseFromString(env.evidence().evidence()) && ev.nonce() == a.nonce) a.victim_sequence = env.sequence();
    return;
  }
  if (!from_device && a.victim_sequence != 0 && env.sequence() == a.victim_sequence) {
    if (env.has_certificate_issued()) {
      a.victim_answer = verdict::attested;
    } else if (env.has_error() && env.error().detail() == "nonce_reused") {
      a.victim_answer = verdict::nonce_reused;
    } else {
      a.victim_answer = verdict::other;
    }
    judge_burn(now, a);
  }
}

void attack_host::on_junk_reply(fw::sim_time now, attempt& a, const wire::Envelope& reply) {
  const std::string detail = reply.has_error() ? reply.error().detail() : "served";
  // Answered for a nonce already spent (the victim was first), or held back
  // for its place's rate: either way the nonce was never at stake.
  const bool at_stake = detail.compare(0, 6, "nonce_") != 0 &&
                        !(reply.has_error() && reply.error().code() == wire::ERROR_RATE_LIMITED);
  a.junk = at_stake ? verdict::refused_first : verdict::too_late;
  a.junk_answer = detail;
  judge_burn(now, a);
}

void attack_host::judge_burn(fw::sim_time now, attempt& a) {
  if (a.junk == verdict::unknown || a.victim_answer == verdict::unknown) return;
  entity& e = entities_[a.entity];
  if (a.junk == verdict::refused_first && a.victim_answer == verdict::attested) {
    ++ledger_.of(e.attack).stopped_by[a.junk_answer];
    return finish(a, true, false);
  }
  if (a.junk == verdict::refused_first && a.victim_answer == verdict::nonce_reused) {
    ++ledger_.of(e.attack).got_through;
    return finish(a, false, false);
  }
  if (a.tries >= tries_max) return finish(a, false, false);
  rearm_burner(now, a);
  schedule(static_cast<std::size_t>(&a - attempts_.data()));
}

// Refused as unauthenticated: a check on the certificate stopped it, named by
// the cloud's answer ("certificate bad_signature"). Served: it got through.
// Other refusals say nothing of the certificate: held back for rate, it is
// tried again once a token is back; anything else, at its timeout.
void attack_host::on_certificate_reply(fw::sim_time now, attempt& a, const wire::Envelope& reply) {
  if (!reply.has_error()) {
    finish(a, false, false);
    ++ledger_.of(entities_[a.entity].attack).got_through;
    return;
  }
  if (reply.error().code() == wire::ERROR_RATE_LIMITED) return hold_back(now, a, reply.error());
  if (reply.error().code() != wire::ERROR_UNAUTHENTICATED) return;
  ++ledger_.of(entities_[a.entity].attack).stopped_by[cloud::check_named(reply.error().code(), reply.error().detail())];
  finish(a, true, false);
}

// The evidence each attacker sends for a fresh nonce.
std::optional<std::string> attack_host::evidence_for(fw::sim_time now, attempt& a, const std::string& nonce) {
  entity& e = entities_[a.entity];
  const capture* seen = captured_.count(a.victim) ? &captured_.at(a.victim) : nullptr;
  wire::Envelope env;
  if (e.kind == entity::replay) {
    // The captured request as it was, under this conversation's sequence.
    if (!seen || !env.ParseFromString(seen->envelope)) return std::nullopt;
    env.set_sequence(++a.sequence);
    return wire::serialize(env);
  }
  // Every attacker here waited for the victim's evidence: its own is a copy of it.
  wire::Evidence ev;
  wire::Envelope old;
  if (!seen || !old.ParseFromString(seen->envelope)) return std::nullopt;
  ev.ParseFromString(old.evidence().evidence());
  ev.set_device_time_us(ev.device_time_us() + (now - seen->at).count());
  ev.set_nonce(nonce);
  ev.set_session_public_key(crypto::to_string(crypto::exchange_key_from_secret(e.own.next_seed()).public_key_bytes));
  // The spoofer signs with its own key, the clone with the victim's, extracted.
  const crypto::secret_key& signer = e.kind == entity::clone
                                         ? device::device_signing_key(run_seed_, a.victim).secret_key_bytes
                                         : e.own_key.secret_key_bytes;
  env.set_device_id(crypto::to_string(a.victim_id));
  env.set_sequence(++a.sequence);
  ev.set_request_sequence(a.sequence);
  auto* signed_evidence = env.mutable_evidence();
  signed_evidence->set_evidence(wire::serialize(ev));
  signed_evidence->set_signature(crypto::to_string(crypto::sign(signed_evidence->evidence(), signer)));
  return wire::serialize(env);
}

void attack_host::on_reply(fw::sim_time now, attempt& a, const std::string& bytes, std::vector<sim_message>& to_cloud) {
  const wire::Envelope reply = parse(bytes);
  const entity& e = entities_[a.entity];
  if (e.kind == entity::flood) {
    if (reply.has_error()) ++ledger_.of(entities_[a.entity].attack).stopped;  // refused: the rate limits hold it back
    return;
  }
  if (e.kind == entity::lockout) return on_lockout_reply(a, reply);
  if (e.kind == entity::nonce_burning) return on_junk_reply(now, a, reply);
  if (e.presents_certificate()) return on_certificate_reply(now, a, reply);
  if (reply.has_certificate_issued()) return finish(a, false, true);
  if (reply.has_restricted_session()) {
    ++ledger_.of(entities_[a.entity].attack).restricted_sessions;
    ++ledger_.of(entities_[a.entity].attack).got_through;
    return finish(a, false, false);
  }
  if (reply.has_error() && reply.error().code() == wire::ERROR_RATE_LIMITED) return hold_back(now, a, reply.error());
  if (reply.has_error()) {
    // The cloud's answer names the check that refused it.
    ++ledger_.of(entities_[a.entity].attack).stopped_by[reply.error().detail()];
    return finish(a, true, false);
  }
  if (reply.has_challenge() && a.at_stage == stage::challenge_sent) {
    auto evidence = evidence_for(now, a, reply.challenge().nonce());
    if (!evidence) return finish(a, false, false);
    a.at_stage = stage::evidence_sent;
    send(now, a, wire::Envelope::kEvidence, std::move(*evidence), to_cloud);
  }
}

void attack_host::count_tried(attempt& a) {
  if (a.counted) return;
  a.counted = true;
  ++ledger_.of(entities_[a.entity].attack).tried;
}

// Held back for its place's rate: that says nothing of the check under
// test, so the try does not count and is made again once a token is back.
void attack_host::hold_back(fw::sim_time now, attempt& a, const wire::Error& error) {
  if (++a.waits > capture_waits_max) return finish(a, false, false);
  if (a.tries > 0) --a.tries;
  a.at_stage = stage::waiting;
  a.next = now + std::max<fw::duration>(fw::duration{error.retry_after_us()}, 1s);
  schedule(static_cast<std::size_t>(&a - attempts_.data()));
}

void attack_host::finish(attempt& a, bool stopped, bool got_certificate) {
  entity& e = entities_[a.entity];
  a.at_stage = stage::done;
  if (stopped) ++ledger_.of(e.attack).stopped;
  if (got_certificate) {
    ++ledger_.of(e.attack).got_through;
    ++ledger_.of(e.attack).certificates;
  }
}

void attack_host::run(fw::sim_time now, std::vector<sim_message>& to_cloud) {
  while (!inbox_.empty() && inbox_.front().arrival <= now) {
    std::pop_heap(inbox_.begin(), inbox_.end(), std::greater<>{});
    in_flight m = std::move(inbox_.back());
    inbox_.pop_back();
    entity& e = entities_[m.entity];
    e.trace.fold(now.count(), reply_tag, m.bytes.size());
    crypto::device_id named{};
    const wire::Envelope env = parse(m.bytes);
    if (!crypto::to_array(env.device_id(), named)) continue;
    const auto it = e.by_victim.find(named);
    if (it == e.by_victim.end()) continue;
    attempt& a = attempts_[it->second];
    if (!e.sends_at_a_rate() && (a.at_stage == stage::done || env.sequence() != a.sequence)) continue;  // late
    on_reply(now, a, m.bytes, to_cloud);
  }
  for (sim_message& q : outbox_) to_cloud.push_back(std::move(q));
  outbox_.clear();
  while (next_time() <= now && !wakes_.empty() && wakes_.front().first <= now) {
    std::pop_heap(wakes_.begin(), wakes_.end(), std::greater<>{});
    const std::size_t i = wakes_.back().second;
    wakes_.pop_back();
    attempt& a = attempts_[i];
    if (a.at_stage != stage::waiting && !entities_[a.entity].sends_at_a_rate()) {
      entities_[a.entity].trace.fold(now.count(), timeout_tag, a.victim);
      a.at_stage = stage::waiting;
    }
    start(now, a, to_cloud);
    if (a.at_stage != stage::done) schedule(i);
  }
}

std::vector<std::uint64_t> attack_host::victims_of(std::size_t attack) const {
  std::vector<std::uint64_t> out;
  for (const attempt& a : attempts_) {
    const entity& e = entities_[a.entity];
    // A clone's victim is blocked by design, a flood's identities are its own.
    if (e.attack == attack && e.kind != entity::clone && e.kind != entity::flood) out.push_back(a.victim);
  }
  return out;
}

std::vector<std::uint64_t> attack_host::trace_digests() const {
  std::vector<std::uint64_t> out;
  for (const entity& e : entities_) out.push_back(e.trace.digest());
  return out;
}

}  // namespace fleet::actors
