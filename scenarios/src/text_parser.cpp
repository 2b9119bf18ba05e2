#include "text_parser.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {
namespace {

class collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit collector(context& ctx) : ctx_(ctx) {}
  // Protobuf counts lines and columns from 0.
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    ctx_.error(location{line + 1, column + 1}, message);
    failed_ = true;
  }
  // Nothing the parser warns about is harmless in a scenario: it fails too.
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    AddError(line, column, message);
  }
  bool failed() const { return failed_; }

 private:
  context& ctx_;
  bool failed_ = false;
};

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

bool parse_text(std::string_view text, Scenario& out, source_map::tree& fields, context& ctx) {
  if (text.size() > file_bytes_max) {
    ctx.error({}, "too large: more than " + std::to_string(file_bytes_max) + " bytes (file_bytes_max)");
    return false;
  }
  collector errors(ctx);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&fields);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  const bool parsed = parser.Parse(&input, &out);
  return parsed && !errors.failed();
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  errno = 0;
  std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  // One byte more than the limit tells a file at the limit from one past it
  // (parse_text refuses that one).
  out.resize(file_bytes_max + 1);
  const std::size_t n = std::fread(out.data(), 1, out.size(), f.get());
  if (std::ferror(f.get()) != 0) {
    error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  out.resize(n);
  return true;
}

}  // namespace fleet::scenario
