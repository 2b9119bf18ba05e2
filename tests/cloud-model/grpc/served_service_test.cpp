// The service as a server runs it: its clock, what happens when the state
// file cannot take a change, which commands are journaled (refused ones
// are not) and that replaying only those rebuilds the same state, and the
// operator rates.
#include "fleet/cloud_server/served_service.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <vector>

#include "fleet/testing/images.hpp"
#include "grpc_fixture.hpp"
#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

state::Command create_tenant(const std::string& name) {
  state::Command c;
  c.mutable_create_tenant()->set_name(name);
  return c;
}

TEST(served_service, simulated_time_never_runs_back_when_the_wall_clock_does) {
  std::int64_t utc = 1'800'000'000'000'000;
  served_settings settings;
  settings.utc_now_us = [&] { return utc; };
  served_service s(settings);
  const auto now = [&] { return s.read([](const cloud::security_service&, cloud::sim_time t) { return t; }); };
  EXPECT_EQ(now(), cloud::sim_time{0});
  utc += 5'000'000;
  EXPECT_EQ(now(), cloud::sim_time{5'000'000});
  utc -= 3'600'000'000;  // the clock is set back an hour
  EXPECT_EQ(now(), cloud::sim_time{5'000'000});
  utc += 3'600'000'000 + 1'000'000;
  EXPECT_EQ(now(), cloud::sim_time{6'000'000});
}

TEST(served_service, a_full_state_file_refuses_the_change_and_nothing_runs) {
  fleet::testing::temp_dir dir;
  served_settings settings;
  settings.state_path = dir.file("state.db");
  settings.state_bytes_max = 64 * 1024;
  settings.utc_now_us = [] { return std::int64_t{1'800'000'000'000'000}; };
  served_service s(settings);
  grpc::Status status;
  int created = 0;
  for (; created < 100'000; ++created) {
    state::Outcome out;
    status = s.submit(create_tenant(std::string(60, 't') + std::to_string(created)), out);
    if (!status.ok()) break;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("nothing changed"), std::string::npos) << status.error_message();
  // The refused tenant was not created: the next id is still free.
  s.read([&](const cloud::security_service& service, cloud::sim_time) {
    EXPECT_NE(service.devices().tenant(static_cast<cloud::tenant_id>(created)), nullptr);
    EXPECT_EQ(service.devices().tenant(static_cast<cloud::tenant_id>(created + 1)), nullptr);
    return 0;
  });
}

using namespace std::chrono_literals;

constexpr std::int64_t t0_us = 1'800'000'000'000'000;

/// One call: a command and what it answered.
struct answer {
  grpc::StatusCode code;
  std::string outcome;
  bool operator==(const answer& o) const { return code == o.code && outcome == o.outcome; }
};

answer submit(served_service& s, state::Command c) {
  state::Outcome out;
  const grpc::Status status = s.submit(std::move(c), out);
  return {status.error_code(), out.SerializeAsString()};
}

state::Command rotate() {
  state::Command c;
  c.mutable_rotate_image_signing_key();
  return c;
}

state::Command claim(std::uint32_t tenant, const std::string& id) {
  state::Command c;
  c.mutable_claim_devices()->set_tenant(tenant);
  c.mutable_claim_devices()->add_device_ids(id);
  return c;
}

state::Command create_product(std::uint32_t tenant, const std::string& name) {
  state::Command c;
  c.mutable_create_product()->set_tenant(tenant);
  c.mutable_create_product()->set_name(name);
  return c;
}

/// Accepted and refused operator calls mixed, with time passing: what a
/// server sees from an operator and from junk.
std::vector<answer> history(served_service& s, std::int64_t& utc) {
  std::vector<answer> out;
  out.push_back(submit(s, create_tenant("contoso")));
  out.push_back(submit(s, create_tenant(std::string(100'000, 'j'))));  // refused: name too long
  out.push_back(submit(s, create_product(1, "thermostat")));
  out.push_back(submit(s, create_product(99, "nowhere")));              // refused: no such tenant
  out.push_back(submit(s, create_product(1, "thermostat")));            // refused: duplicate
  out.push_back(submit(s, claim(1, std::string(128, 'a'))));
  out.push_back(submit(s, claim(42, std::string(128, 'b'))));            // refused: no such tenant
  utc += 5'000'000;
  for (int i = 0; i < 4; ++i) out.push_back(submit(s, rotate()));        // the 4th refused by the rate
  utc += 1'000'000;
  state::Command move;
  move.mutable_move_device()->set_device_id(std::string(128, 'c'));      // refused: no such device
  out.push_back(submit(s, move));
  state::Command halt;
  halt.mutable_halt_deployment()->set_deployment(7);                     // refused: no such deployment
  out.push_back(submit(s, halt));
  return out;
}

/// What comes next, asked the same way of two services.
std::vector<answer> next_calls(served_service& s, std::int64_t& utc) {
  std::vector<answer> out;
  out.push_back(submit(s, rotate()));  // still refused: the rate's bucket came back
  utc += 3'600'000'000;
  out.push_back(submit(s, rotate()));
  out.push_back(submit(s, create_tenant("fabrikam")));
  out.push_back(submit(s, create_product(1, "thermostat")));
  out.push_back(submit(s, claim(2, std::string(128, 'a'))));
  out.push_back(submit(s, claim(1, std::string(128, 'd'))));
  return out;
}

TEST(served_service, refused_operator_calls_are_not_journaled_and_accepted_ones_are) {
  fleet::testing::temp_dir dir;
  std::int64_t utc = t0_us;
  served_settings settings;
  settings.state_path = dir.file("state.db");
  settings.utc_now_us = [&] { return utc; };
  served_service s(settings);
  const std::vector<answer> answers = history(s, utc);
  std::uint64_t accepted = 0;
  for (const answer& a : answers) accepted += a.code == grpc::StatusCode::OK;
  EXPECT_EQ(accepted, 6u);  // tenant, product, claim, three rotations
  EXPECT_EQ(s.journaled(), accepted);
  EXPECT_EQ(submit(s, create_tenant(std::string(1'000'000, 'x'))).code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.journaled(), accepted);
  EXPECT_EQ(submit(s, create_tenant("fabrikam")).code, grpc::StatusCode::OK);  // control
  EXPECT_EQ(s.journaled(), accepted + 1);
}

TEST(served_service, replaying_only_the_accepted_commands_rebuilds_the_same_state) {
  fleet::testing::temp_dir dir;
  // A: journaled, restarted; C: in memory, never restarted. Both saw the
  // same calls; their next answers must be the same.
  std::int64_t utc_a = t0_us, utc_c = t0_us;
  served_settings durable;
  durable.state_path = dir.file("state.db");
  durable.utc_now_us = [&] { return utc_a; };
  served_settings in_memory;
  in_memory.utc_now_us = [&] { return utc_c; };
  served_service c(in_memory);
  std::vector<answer> before_a;
  {
    served_service a(durable);
    before_a = history(a, utc_a);
  }
  const std::vector<answer> before_c = history(c, utc_c);
  EXPECT_TRUE(before_a == before_c);
  served_service restarted(durable);
  EXPECT_EQ(restarted.restored_through(), 6u);  // compacted at shutdown: restored, not replayed
  EXPECT_EQ(restarted.replayed(), 0u);
  const std::vector<answer> after_a = next_calls(restarted, utc_a);
  const std::vector<answer> after_c = next_calls(c, utc_c);
  ASSERT_EQ(after_a.size(), after_c.size());
  for (std::size_t i = 0; i < after_a.size(); ++i) {
    EXPECT_EQ(after_a[i].code, after_c[i].code) << "call " << i;
    EXPECT_EQ(after_a[i].outcome, after_c[i].outcome) << "call " << i;
  }
  EXPECT_EQ(after_a[0].code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(after_a[1].code, grpc::StatusCode::OK);
}

TEST(served_service, an_operator_rate_refuses_with_the_wait_and_nothing_runs) {
  std::int64_t utc = t0_us;
  served_settings settings;
  settings.utc_now_us = [&] { return utc; };
  settings.operator_rates.rotations = {2, std::chrono::minutes(10)};
  served_service s(settings);
  const auto keys = [&] {
    return s.read([](const cloud::security_service& service, cloud::sim_time) {
      return service.trusted_image_keys().size();
    });
  };
  EXPECT_EQ(submit(s, rotate()).code, grpc::StatusCode::OK);
  EXPECT_EQ(submit(s, rotate()).code, grpc::StatusCode::OK);
  state::Outcome out;
  const grpc::Status refused = s.submit(rotate(), out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("image-signing key rotations run at most 2 at once, then one per 600 s"),
            std::string::npos)
      << refused.error_message();
  EXPECT_EQ(out.retry_after_ms(), 600'000u);
  EXPECT_EQ(keys(), 3u);  // the first key and two rotations
  utc += 600'000'000;  // control: once the wait is over it runs
  EXPECT_EQ(submit(s, rotate()).code, grpc::StatusCode::OK);
  EXPECT_EQ(keys(), 4u);
}

TEST(served_service, a_change_that_ran_but_could_not_be_written_stops_all_changes_until_a_restart) {
  fleet::testing::temp_dir dir;
  served_settings settings;
  settings.state_path = dir.file("state.db");
  settings.utc_now_us = [] { return t0_us; };
  { served_service created(settings); }
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The OS refuses writes past 256 KiB (EFBIG), far below the size limit:
    // check_room lets the command run, the append then fails.
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{256 * 1024, 256 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    served_service s(settings);
    int accepted = 0;
    grpc::Status first;
    for (; accepted < 9'000; ++accepted) {
      state::Outcome out;
      first = s.submit(create_tenant(std::string(60, 't') + std::to_string(accepted)), out);
      if (!first.ok()) break;
    }
    state::Outcome out;
    const grpc::Status next = s.submit(create_tenant("after"), out);
    const std::string said = std::to_string(accepted) + "|" + std::to_string(first.error_code()) + "|" +
                             std::to_string(next.error_code()) + "|" + next.error_message();
    (void)!write(pipe_fds[1], said.data(), said.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string said;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) said.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  const int accepted = std::stoi(said.substr(0, said.find('|')));
  const std::string unavailable = std::to_string(grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(said.substr(said.find('|') + 1, unavailable.size() * 2 + 1), unavailable + "|" + unavailable) << said;
  EXPECT_NE(said.find("takes no more changes until it is restarted"), std::string::npos) << said;
  ASSERT_GT(accepted, 0);
  ASSERT_LT(accepted, 9'000);
  // Restarted: what was acknowledged is there, the change that ran but was
  // not written is not (its tenant ID is free), and changes go in again.
  served_service restarted(settings);
  EXPECT_EQ(restarted.replayed(), static_cast<std::uint64_t>(accepted));
  restarted.read([&](const cloud::security_service& service, cloud::sim_time) {
    EXPECT_NE(service.devices().tenant(static_cast<cloud::tenant_id>(accepted)), nullptr);
    EXPECT_EQ(service.devices().tenant(static_cast<cloud::tenant_id>(accepted + 1)), nullptr);
    return 0;
  });
  EXPECT_EQ(submit(restarted, create_tenant("after")).code, grpc::StatusCode::OK);
}

TEST(served_service, a_refused_call_after_due_timers_journals_a_tick_at_its_time) {
  fleet::testing::temp_dir dir;
  std::int64_t utc = t0_us;
  served_settings settings;
  settings.state_path = dir.file("state.db");
  settings.utc_now_us = [&] { return utc; };
  settings.compaction.at_shutdown = false;  // the commands are read back below
  std::uint64_t before = 0;
  cloud::sim_time due{0};
  {
    served_service s(settings);
    // A deployment that starts in an hour: its start is a timer of the service.
    ASSERT_EQ(submit(s, create_tenant("contoso")).code, grpc::StatusCode::OK);
    state::Outcome product;
    ASSERT_TRUE(s.submit(create_product(1, fleet::testing::default_product), product).ok());
    const fleet::testing::test_keys keys{1};
    const wire::built_image image = fleet::testing::make_image(keys, wire::APP, "1.1.0", 2);
    state::Command upload;
    *upload.mutable_upload_image()->mutable_spec() = fleet::cloud_server::testing::spec_of(image.manifest);
    upload.mutable_upload_image()->set_content(fleet::testing::image_content(image));
    state::Outcome uploaded;
    ASSERT_TRUE(s.submit(upload, uploaded).ok());
    state::Command deploy;
    deploy.mutable_create_deployment()->set_group(product.product().groups(2).id());
    deploy.mutable_create_deployment()->add_image_ids(uploaded.image().image_id());
    deploy.mutable_create_deployment()->mutable_policy()->set_start_at_us(3'600'000'000);
    ASSERT_EQ(submit(s, deploy).code, grpc::StatusCode::OK);
    due = s.read([](const cloud::security_service& service, cloud::sim_time) { return service.next_deadline(); });
    ASSERT_NE(due, cloud::never);
    utc = t0_us + due.count() + 1;
    before = s.journaled();
    EXPECT_EQ(submit(s, create_tenant(std::string(100, 'j'))).code, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.journaled(), before + 1);  // the timers that ran, not the refused call
    EXPECT_EQ(submit(s, create_tenant(std::string(100, 'k'))).code, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.journaled(), before + 1);  // control: nothing due this time, nothing written
  }
  journal j(*settings.state_path);
  std::vector<state::Command> commands;
  j.replay([&](const state::Command& c, std::uint64_t) { commands.push_back(c); });
  ASSERT_EQ(commands.size(), before + 1);
  EXPECT_TRUE(commands.back().has_tick());
  EXPECT_EQ(commands.back().now_us(), due.count() + 1);
}

}  // namespace
}  // namespace fleet::cloud_server
