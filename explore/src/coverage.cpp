// Which checks stopped which attacks over an exploration, and what the
// faults did: the catalogue of defences is docs/scenarios.md's attack tables.
#include <algorithm>
#include <set>

#include "fleet/explore/explore.hpp"

namespace fleet::explore {

const std::vector<std::string>& defences_of(const std::string& kind) {
  static const std::map<std::string, std::vector<std::string>> catalogue{
      {"spoofed_identity", {"bad_signature"}},
      {"cloned_identity", {"cloned_identity"}},
      {"replayed_evidence", {"nonce_reused", "nonce_unknown"}},
      {"man_in_the_middle", {"bad_mac", "bad_signature"}},
      {"request_flood", {}},  // refused for their rate: counted stopped, by no named check
      {"forged_certificate", {"bad_signature"}},
      {"expired_certificate", {"expired"}},
      {"stolen_certificate", {"proof_invalid"}},
      // Not global_budget: a lockout sends from one source, whose own budget
      // (4 a second) refuses it long before the fleet's pool (15,000 a
      // second) could; the pool refuses it only when the fleet's own
      // traffic has drained it, and then it refuses the victims too.
      {"victim_lockout", {"source_budget", "unauthenticated"}},
      {"nonce_burning", {"bad_signature"}},
      {"rogue_image", {"unknown_signing_key", "bad_signature"}},
      {"tampered_image", {"chunk_digest_mismatch"}},
      {"endless_data", {"chunk_too_large"}},
      {"leaked_signing_key", {"revoked_signing_key"}},
      {"rollback_image", {"rollback", "not_newer"}},
      {"mix_and_match", {"wrong_product", "incompatible_hardware"}},
      {"freeze", {"manifest_expired", "rollback"}},
  };
  static const std::vector<std::string> none;
  const auto it = catalogue.find(kind);
  return it == catalogue.end() ? none : it->second;
}

coverage coverage_of(const std::vector<run_record>& runs, const std::vector<std::string>& attack_kinds,
                     const std::vector<std::string>& fault_kinds) {
  std::map<std::string, attack_reach> attacks;
  std::map<std::string, fault_reach> faults;
  std::map<std::string, std::map<std::string, check_reach>> checks;  // kind -> check -> reach
  for (const std::string& k : attack_kinds) {
    attacks[k].kind = k;
    for (const std::string& c : defences_of(k)) checks[k][c].check = c;
  }
  for (const std::string& k : fault_kinds) faults[k].kind = k;

  for (const run_record& run : runs) {
    std::set<std::string> kinds_in_run;
    std::set<std::pair<std::string, std::string>> checks_in_run;
    for (const actors::attack_outcome& a : run.result.attacks) {
      attack_reach& r = attacks[a.kind];
      r.kind = a.kind;
      if (kinds_in_run.insert(a.kind).second) ++r.runs;
      r.tried += a.tried;
      r.stopped += a.stopped;
      r.got_through += a.got_through;
      for (const auto& [check, n] : a.stopped_by) {
        check_reach& c = checks[a.kind][check];
        c.check = check;
        c.stopped += n;
        if (n > 0 && checks_in_run.insert({a.kind, check}).second) ++c.runs;
      }
    }
    std::set<std::string> faults_in_run;
    // A drawn power loss's schedule says which write it aimed at; its outcome, by name, whether it tore.
    std::map<std::string, std::uint32_t> write_of;
    for (const event& e : run.schedule) {
      if (!e.is_attack && e.fault.has_power_loss() && e.fault.power_loss().has_write()) {
        write_of[e.fault.name()] = e.fault.power_loss().write();
      }
    }
    for (const actors::fault_outcome& f : run.result.faults) {
      fault_reach& r = faults[f.kind];
      r.kind = f.kind;
      if (faults_in_run.insert(f.kind).second) ++r.runs;
      r.devices_hit += f.devices_hit;
      r.armed += f.armed;
      r.writes_torn += f.writes_torn;
      for (const auto& [kind, n] : f.torn_by_write) r.torn_by_write_kind[kind] += n;
      for (const auto& [state, n] : f.device_states) r.device_states[state] += n;
      for (const auto& [step, n] : f.update_steps) r.update_steps[step] += n;
      if (const auto w = write_of.find(f.name); w != write_of.end() && f.armed > 0) {
        r.torn_by_write[w->second] += f.writes_torn;
      }
    }
  }

  coverage out;
  for (auto& [kind, reach] : attacks) {
    std::map<std::string, check_reach>& seen = checks[kind];
    for (const std::string& c : defences_of(kind)) {
      reach.checks.push_back(seen[c]);
      if (seen[c].stopped == 0) out.unreached.push_back(kind + ": " + c);
      seen.erase(c);
    }
    for (auto& [name, c] : seen) {
      c.catalogued = false;
      reach.checks.push_back(c);
    }
    out.attacks.push_back(std::move(reach));
  }
  for (auto& [kind, reach] : faults) {
    if (kind == "power_loss") {
      // Which step of an update, or the metadata, a tear reached: each kind of write the flash takes.
      for (const char* write : {"erase", "header", "chunk", "metadata"}) {
        if (reach.torn_by_write_kind[write] == 0) out.unreached.push_back(std::string("power_loss: ") + write + " write");
      }
    }
    // Every kind of fault meets devices (a device fault when it acts, a
    // link fault or an outage a request each): a live state it never met.
    for (const char* state : {"running", "attested", "trial"}) {
      if (reach.device_states[state] == 0) out.unreached.push_back(kind + " in " + state);
    }
    // The steps of an update (fw::update_step but none): a fault in each takes its own firmware path.
    for (const char* step : {"downloading", "staged", "trial"}) {
      if (reach.update_steps[step] == 0) out.unreached.push_back(kind + " at " + step);
    }
    out.faults.push_back(std::move(reach));
  }
  return out;
}

}  // namespace fleet::explore
