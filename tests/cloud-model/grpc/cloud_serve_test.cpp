// `fleetsim cloud serve` hardened, on the real binary: one server per port,
// --listen checked with one clear message, the operator API behind a token,
// TLS a client can verify, no plaintext beyond loopback unless forced, junk
// that does not grow the state file, and a damaged record found at start.
// Each defence has its control: the same call with the token passes, the
// right CA verifies, an accepted change does grow the file, the undamaged
// file starts.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fleet.grpc.pb.h"
#include "journal.pb.h"
#include "server_process.hpp"
#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

struct exited {
  int code = -1;
  std::string output;  ///< stdout and stderr
};

/// Runs `fleetsim cloud serve ARGS` to its end; a server that starts instead
/// of refusing is stopped after 20 s and reported as exit 124.
exited run_serve(const std::string& args) {
  const std::string command = "timeout 20 " + std::string(FLEETSIM_BINARY) + " cloud serve " + args + " 2>&1";
  std::FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {};
  exited out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p) != nullptr) out.output += buffer;
  const int status = ::pclose(p);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::size_t lines_of(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::shared_ptr<grpc::Channel> plaintext(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
}

/// A client context with a deadline (a refused TLS handshake retries until it) and, if given, the token.
std::unique_ptr<grpc::ClientContext> context(const std::string& token = {}) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

grpc::StatusCode create_tenant(api::Operator::Stub& ops, const std::string& name, const std::string& token = {}) {
  api::CreateTenantRequest r;
  r.set_name(name);
  api::Tenant t;
  return ops.CreateTenant(context(token).get(), r, &t).error_code();
}

// ------------------------------------------------------------- one per port

TEST(cloud_serve, a_second_server_on_a_taken_port_exits_2_with_the_reason) {
  server_process first({});
  const exited second = run_serve("--listen 127.0.0.1:" + std::to_string(first.port()));
  EXPECT_EQ(second.code, 2) << second.output;
  EXPECT_NE(second.output.find("cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                               ": Address already in use"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(lines_of(second.output), 1u) << second.output;
  // The first server still answers alone.
  auto ops = api::Operator::NewStub(plaintext(first.port()));
  EXPECT_EQ(create_tenant(*ops, "contoso"), grpc::StatusCode::OK);
  EXPECT_EQ(first.stop(), 0);
}

TEST(cloud_serve, bad_listen_values_are_refused_with_one_clear_message) {
  const struct {
    const char* listen;
    const char* says;
  } cases[] = {
      {"127.0.0.1:99999", "must be HOST:PORT with a port from 0 to 65535, not 127.0.0.1:99999"},
      {"nowhere", "must be HOST:PORT with a port from 0 to 65535, not nowhere"},
      {"127.0.0.1:-1", "must be HOST:PORT"},
      {"no-such-host.invalid:50051", "cannot listen on no-such-host.invalid:50051: cannot resolve no-such-host.invalid"},
      // TEST-NET-1: a valid address, but not this machine's.
      {"192.0.2.1:50051", "cannot listen on 192.0.2.1:50051: Cannot assign requested address"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.listen);
    // --insecure: the address itself is what is refused, not the lack of TLS.
    const exited e = run_serve(std::string("--insecure --listen ") + c.listen);
    EXPECT_EQ(e.code, 2) << e.output;
    EXPECT_NE(e.output.find(c.says), std::string::npos) << e.output;
    // One line of fleetsim's (and CLI11's "Run with --help" after a flag's
    // check), no line of gRPC's own log.
    EXPECT_LE(lines_of(e.output), 2u) << e.output;
    EXPECT_EQ(e.output.rfind("fleetsim cloud serve: cannot listen", 0) == 0 || e.output.rfind("--listen: ", 0) == 0,
              true)
        << e.output;
    EXPECT_EQ(e.output.find("grpc"), std::string::npos) << e.output;
    EXPECT_EQ(e.output.find(".cc:"), std::string::npos) << e.output;
  }
}

// ------------------------------------------------------- beyond loopback

TEST(cloud_serve, beyond_loopback_without_tls_and_a_token_it_refuses_unless_forced) {
  const exited refused = run_serve("--listen 0.0.0.0:0");
  EXPECT_EQ(refused.code, 2) << refused.output;
  EXPECT_NE(refused.output.find("reaches beyond loopback without TLS (--tls-cert, --tls-key) and an operator token "
                                "(--operator-token-file)"),
            std::string::npos)
      << refused.output;
  // Control: forced, it starts, and says what it is doing.
  server_process forced({"--insecure"}, "0.0.0.0:0", /*with_stderr=*/true);
  EXPECT_NE(forced.said_before().find("warning: --insecure: serving beyond loopback without TLS"), std::string::npos)
      << forced.said_before();
  EXPECT_EQ(forced.stop(), 0);
  // Control: on loopback nothing is needed.
  server_process loopback({}, "127.0.0.1:0", /*with_stderr=*/true);
  EXPECT_EQ(loopback.said_before(), "");
  EXPECT_EQ(loopback.stop(), 0);
}

// --------------------------------------------------------- operator token

TEST(cloud_serve, operator_calls_without_the_token_are_unauthenticated_and_change_nothing) {
  testing::temp_dir dir;
  const std::string token = "s3cret-operator-token-0123456789";
  write_file(dir.file("token"), token + "\n");
  server_process server({"--operator-token-file", dir.file("token")});
  auto channel = plaintext(server.port());
  auto ops = api::Operator::NewStub(channel);

  EXPECT_EQ(create_tenant(*ops, "mallory"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(create_tenant(*ops, "mallory", "s3cret-operator-token-012345678X"), grpc::StatusCode::UNAUTHENTICATED);
  // The review's attack: rotations until signing_keys_max is spent.
  for (int i = 0; i < 15; ++i) {
    api::RotateImageSigningKeyRequest r;
    api::TrustAnchors anchors;
    EXPECT_EQ(ops->RotateImageSigningKey(context().get(), r, &anchors).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  api::TrustAnchors anchors;
  EXPECT_EQ(ops->GetTrustAnchors(context().get(), {}, &anchors).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // With the token: the calls pass, and no rotation happened.
  ASSERT_TRUE(ops->GetTrustAnchors(context(token).get(), {}, &anchors).ok());
  EXPECT_EQ(anchors.image_signing_keys_size(), 1);
  EXPECT_EQ(create_tenant(*ops, "contoso", token), grpc::StatusCode::OK);
  api::RotateImageSigningKeyRequest rotate;
  ASSERT_TRUE(ops->RotateImageSigningKey(context(token).get(), rotate, &anchors).ok());
  EXPECT_EQ(anchors.image_signing_keys_size(), 2);

  // The device API stays open: an update check from a made-up ID reaches the
  // service, which answers it (INVALID_ARGUMENT), not the token check.
  auto devices = api::Device::NewStub(channel);
  wire::Envelope check;
  check.set_device_id(std::string(32, 'd'));
  check.set_sequence(1);
  check.mutable_update_check();
  wire::Envelope reply;
  EXPECT_EQ(devices->Exchange(context().get(), check, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(server.stop(), 0);
}

TEST(cloud_serve, an_operator_token_too_short_to_be_secret_is_refused) {
  testing::temp_dir dir;
  write_file(dir.file("token"), "short\n");
  const exited e = run_serve("--operator-token-file " + dir.file("token"));
  EXPECT_EQ(e.code, 2) << e.output;
  EXPECT_NE(e.output.find("an operator token is 16 to 4096 characters"), std::string::npos) << e.output;
}

// -------------------------------------------------------------------- TLS

/// A throwaway CA and a server certificate for 127.0.0.1 and localhost, made
/// with the openssl command for this test only.
struct test_pki {
  explicit test_pki(const testing::temp_dir& dir, const std::string& name) {
    ca = dir.file(name + "-ca.pem");
    cert = dir.file(name + "-server.pem");
    key = dir.file(name + "-server.key");
    const std::string ca_key = dir.file(name + "-ca.key"), csr = dir.file(name + "-server.csr"),
                      ext = dir.file(name + "-ext.cnf");
    write_file(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n");
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string commands[] = {
        "openssl req -x509" + ec + " -keyout " + ca_key + " -out " + ca + " -days 2 -subj /CN=" + name + "-ca",
        "openssl req" + ec + " -keyout " + key + " -out " + csr + " -subj /CN=localhost",
        "openssl x509 -req -in " + csr + " -CA " + ca + " -CAkey " + ca_key + " -CAcreateserial -out " + cert +
            " -days 2 -extfile " + ext,
    };
    for (const std::string& c : commands) ok = ok && std::system((c + " >/dev/null 2>&1").c_str()) == 0;
  }
  std::string read(const std::string& path) const {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool ok = true;
  std::string ca, cert, key;
};

std::shared_ptr<grpc::Channel> tls_channel(int port, const std::string& root_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = root_pem;
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(options));
}

TEST(cloud_serve, tls_serves_both_apis_to_a_client_that_verifies_the_server_certificate) {
  testing::temp_dir dir;
  const test_pki pki(dir, "fleet"), other(dir, "other");
  ASSERT_TRUE(pki.ok && other.ok) << "openssl could not make the test certificates";
  const std::string token = "tls-test-operator-token-abcdef";
  write_file(dir.file("token"), token);
  server_process server({"--tls-cert", pki.cert, "--tls-key", pki.key, "--operator-token-file", dir.file("token")});

  auto ops = api::Operator::NewStub(tls_channel(server.port(), pki.read(pki.ca)));
  EXPECT_EQ(create_tenant(*ops, "contoso", token), grpc::StatusCode::OK);
  auto devices = api::Device::NewStub(tls_channel(server.port(), pki.read(pki.ca)));
  wire::Envelope check;
  check.set_device_id(std::string(32, 'd'));
  check.set_sequence(1);
  check.mutable_update_check();
  wire::Envelope reply;
  EXPECT_EQ(devices->Exchange(context().get(), check, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Controls: a client that trusts another CA refuses the server, and a
  // plaintext client gets nowhere.
  auto impostor_view = api::Operator::NewStub(tls_channel(server.port(), other.read(other.ca)));
  EXPECT_EQ(create_tenant(*impostor_view, "fabrikam", token), grpc::StatusCode::UNAVAILABLE);
  auto clear = api::Operator::NewStub(plaintext(server.port()));
  EXPECT_EQ(create_tenant(*clear, "fabrikam", token), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server.stop(), 0);
}

TEST(cloud_serve, a_tls_key_that_does_not_load_is_refused_at_start) {
  testing::temp_dir dir;
  write_file(dir.file("cert.pem"), "not a certificate\n");
  write_file(dir.file("key.pem"), "not a key\n");
  const exited e =
      run_serve("--listen 127.0.0.1:0 --tls-cert " + dir.file("cert.pem") + " --tls-key " + dir.file("key.pem"));
  EXPECT_EQ(e.code, 2) << e.output;
  EXPECT_NE(e.output.find("cannot listen on 127.0.0.1:0 with the TLS identity given: gRPC says: Invalid cert chain"),
            std::string::npos)
      << e.output;
  EXPECT_EQ(lines_of(e.output), 1u) << e.output;
  const exited alone = run_serve("--listen 127.0.0.1:0 --tls-cert " + dir.file("cert.pem"));
  EXPECT_EQ(alone.code, 2) << "--tls-cert needs --tls-key: " << alone.output;
}

// ------------------------------------------------------------ state file

using testing::state_bytes;

TEST(cloud_serve, refused_requests_do_not_grow_the_state_file) {
  testing::temp_dir dir;
  const std::string state = dir.file("state.db");
  server_process server({"--state", state, "--state-max-mib", "8"});
  auto channel = plaintext(server.port());
  grpc::ChannelArguments big;
  big.SetMaxSendMessageSize(-1);
  auto ops = api::Operator::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials(), big));
  ASSERT_EQ(create_tenant(*ops, "contoso"), grpc::StatusCode::OK);
  const std::uintmax_t before = state_bytes(state);

  // The review's attack: 1.5 MiB tenant names, refused (names are at most 64
  // bytes); 30 of them once filled an 8 MiB file.
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(create_tenant(*ops, std::string(1'500'000, static_cast<char>('a' + i % 26))),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(state_bytes(state), before);

  // Changes still go in, and the device API is not RESOURCE_EXHAUSTED.
  EXPECT_EQ(create_tenant(*ops, "fabrikam"), grpc::StatusCode::OK);
  EXPECT_GT(state_bytes(state), before) << "control: an accepted change is journaled";
  auto devices = api::Device::NewStub(channel);
  wire::Envelope challenge;
  challenge.set_device_id(std::string(64, 'd'));
  challenge.set_sequence(1);
  challenge.mutable_challenge_request();
  wire::Envelope reply;
  EXPECT_EQ(devices->Exchange(context().get(), challenge, &reply).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(server.stop(), 0);
}

/// The position of the record whose bytes hold `text`, and the number of records.
std::pair<std::int64_t, std::int64_t> find_record(sqlite3* db, const std::string& text) {
  sqlite3_stmt* select = nullptr;
  sqlite3_prepare_v2(db, "SELECT position, command FROM commands ORDER BY position", -1, &select, nullptr);
  std::pair<std::int64_t, std::int64_t> found{0, 0};
  while (sqlite3_step(select) == SQLITE_ROW) {
    ++found.second;
    const std::string bytes(static_cast<const char*>(sqlite3_column_blob(select, 1)),
                            static_cast<std::size_t>(sqlite3_column_bytes(select, 1)));
    if (bytes.find(text) != std::string::npos) found.first = sqlite3_column_int64(select, 0);
  }
  sqlite3_finalize(select);
  return found;
}

TEST(cloud_serve, a_damaged_record_is_refused_at_start_with_its_position) {
  testing::temp_dir dir;
  const std::string state = dir.file("state.db");
  const std::string claimed = std::string(127, 'a') + "b";
  {
    server_process server({"--state", state});
    auto ops = api::Operator::NewStub(plaintext(server.port()));
    api::CreateTenantRequest t;
    t.set_name("contoso");
    api::Tenant tenant;
    ASSERT_TRUE(ops->CreateTenant(context().get(), t, &tenant).ok());
    api::ClaimDevicesRequest claim;
    claim.set_tenant(tenant.id());
    claim.add_device_ids(claimed);
    api::ClaimDevicesReply reply;
    ASSERT_TRUE(ops->ClaimDevices(context().get(), claim, &reply).ok());
    server.kill_now();  // a clean stop would compact the records into a snapshot
  }
  {
    server_process control({"--state", state});  // undamaged, it starts
    control.kill_now();
  }
  // One hex digit of the claimed ID flipped: still a valid ClaimDevices, of another device.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(state.c_str(), &db), SQLITE_OK);
  const auto [position, records] = find_record(db, claimed);
  ASSERT_GT(position, 0);
  sqlite3_stmt* read = nullptr;
  sqlite3_prepare_v2(db, "SELECT command FROM commands WHERE position = ?1", -1, &read, nullptr);
  sqlite3_bind_int64(read, 1, position);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  std::string bytes(static_cast<const char*>(sqlite3_column_blob(read, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
  sqlite3_finalize(read);
  bytes[bytes.find(claimed) + 127] = 'c';
  state::Command changed;
  ASSERT_TRUE(changed.ParseFromString(bytes));
  EXPECT_EQ(changed.claim_devices().device_ids(0), std::string(127, 'a') + "c");
  sqlite3_stmt* write = nullptr;
  sqlite3_prepare_v2(db, "UPDATE commands SET command = ?2 WHERE position = ?1", -1, &write, nullptr);
  sqlite3_bind_int64(write, 1, position);
  sqlite3_bind_blob(write, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);

  const exited e = run_serve("--listen 127.0.0.1:0 --state " + state);
  EXPECT_EQ(e.code, 2) << e.output;
  EXPECT_NE(e.output.find(state + ": record " + std::to_string(position) + " of " + std::to_string(records) +
                          " is damaged: its checksum does not match"),
            std::string::npos)
      << e.output;
}

TEST(cloud_serve, a_damaged_snapshot_is_refused_at_start_naming_the_file_and_part) {
  testing::temp_dir dir;
  const std::string state = dir.file("state.db");
  {
    server_process server({"--state", state});
    auto ops = api::Operator::NewStub(plaintext(server.port()));
    ASSERT_EQ(create_tenant(*ops, "contoso"), grpc::StatusCode::OK);
    ASSERT_EQ(server.stop(), 0);  // a clean stop compacts: the tenant is in the snapshot
  }
  {
    server_process control({"--state", state});  // undamaged, it starts with the tenant
    auto ops = api::Operator::NewStub(plaintext(control.port()));
    EXPECT_EQ(create_tenant(*ops, "contoso"), grpc::StatusCode::FAILED_PRECONDITION);  // a duplicate name
    EXPECT_EQ(control.stop(), 0);
  }
  // One byte of the registry's part (part 3: served state, service core, registry) changed.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(state.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  sqlite3_prepare_v2(db, "SELECT bytes FROM snapshot WHERE part = 3", -1, &read, nullptr);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  std::string bytes(static_cast<const char*>(sqlite3_column_blob(read, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
  sqlite3_finalize(read);
  ASSERT_NE(bytes.find("contoso"), std::string::npos);
  bytes[bytes.find("contoso") + 6] = 'a';  // still a valid registry, of tenant "contosa"
  sqlite3_stmt* write = nullptr;
  sqlite3_prepare_v2(db, "UPDATE snapshot SET bytes = ?1 WHERE part = 3", -1, &write, nullptr);
  sqlite3_bind_blob(write, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);

  const exited e = run_serve("--listen 127.0.0.1:0 --state " + state);
  EXPECT_EQ(e.code, 2) << e.output;
  EXPECT_NE(e.output.find(state + ": snapshot part 3 of "), std::string::npos) << e.output;
  EXPECT_NE(e.output.find("is damaged: its checksum does not match"), std::string::npos) << e.output;
}

}  // namespace
}  // namespace fleet::cloud_server
