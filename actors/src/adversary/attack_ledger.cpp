#include "adversary/attack_ledger.hpp"

namespace fleet::actors {

attack_ledger::attack_ledger(const std::vector<input::attack>& attacks) {
  for (const input::attack& a : attacks) {
    attack_outcome o;
    o.name = a.name;
    o.kind = input::kind_name(a.kind);
    o.at = a.at;
    o.length = a.length;
    outcomes_.push_back(std::move(o));
  }
}

void attack_ledger::judge_on_device(std::size_t index, const fw::reject_reason* check) {
  attack_outcome& o = outcomes_[index];
  ++o.tried;
  if (check == nullptr) {
    ++o.got_through;
    return;
  }
  ++o.stopped;
  ++o.stopped_by[fw::name_of(*check)];
}

bool grants_nothing(std::optional<wire::Envelope::BodyCase> answer) {
  return !answer || *answer == wire::Envelope::kError || *answer == wire::Envelope::kChallenge;
}

void attack_ledger::judge_at_cloud(std::size_t index, bool refused, const std::string& check) {
  attack_outcome& o = outcomes_[index];
  ++o.tried;
  ++(refused ? o.stopped : o.got_through);
  if (refused && !check.empty()) ++o.stopped_by[check];
}

void attack_ledger::add(const std::vector<attack_outcome>& other) {
  for (std::size_t a = 0; a < outcomes_.size() && a < other.size(); ++a) {
    attack_outcome& into = outcomes_[a];
    const attack_outcome& from = other[a];
    into.tried += from.tried;
    into.stopped += from.stopped;
    into.got_through += from.got_through;
    into.certificates += from.certificates;
    into.restricted_sessions += from.restricted_sessions;
    for (const auto& [check, n] : from.stopped_by) into.stopped_by[check] += n;
  }
}

}  // namespace fleet::actors
