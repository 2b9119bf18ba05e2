#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

namespace fleet::cli {
namespace {

namespace fs = std::filesystem;

std::string error_text(int error_number) { return std::strerror(error_number); }

/// Writes all of `text` to `fd`, across short writes.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // no progress and no error: do not spin
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string temporary_pattern(const std::string& path) { return path + ".tmp.XXXXXX"; }

/// A temporary next to `path`, open for writing, or -1 with errno set.
int make_temporary(const std::string& path, std::string& name) {
  name = temporary_pattern(path);
  return ::mkstemp(name.data());
}

bool same_inode(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

/// The file a descriptor is open on, if it is open.
std::optional<struct stat> stat_of_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  return st;
}

/// What two paths are compared by: an existing file's device and inode, or
/// a new path resolved as far as it exists.
struct identity {
  bool exists = false;
  struct stat st {};
  std::string resolved;

  bool operator==(const identity& other) const {
    if (exists != other.exists) return false;
    return exists ? same_inode(st, other.st) : resolved == other.resolved;
  }
};

identity identity_of(const output_target& target) {
  identity id;
  if (target.way == output_way::standard_out || target.way == output_way::standard_err) {
    const std::optional<struct stat> st = stat_of_fd(target.way == output_way::standard_out ? STDOUT_FILENO
                                                                                             : STDERR_FILENO);
    id.exists = st.has_value();
    if (st) id.st = *st;
    id.resolved = target.way == output_way::standard_out ? "-" : "/dev/stderr";
    return id;
  }
  id.exists = ::stat(target.path.c_str(), &id.st) == 0;
  std::error_code ec;
  id.resolved = fs::weakly_canonical(target.path, ec).string();
  if (ec) id.resolved = target.path;
  return id;
}

/// Empty when a file can be created in `path`'s directory (a temporary is
/// made and removed), else why not.
std::string probe_directory(const std::string& path) {
  std::string name;
  const int fd = make_temporary(path, name);
  if (fd < 0) return "cannot create " + temporary_pattern(path) + ": " + error_text(errno);
  ::close(fd);
  ::unlink(name.c_str());
  return {};
}

mode_t new_file_mode() {
  // umask can only be read by setting it; the run's threads have ended and
  // none of them creates files.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0644 & ~mask;
}

}  // namespace

output_check check_output(const std::string& flag, const std::string& path) {
  output_check c;
  c.target.flag = flag;
  c.target.path = path;
  c.target.file = path;
  if (path == "-") {
    if (!stat_of_fd(STDOUT_FILENO)) c.error = "- is stdout, and stdout is closed";
    c.target.way = output_way::standard_out;
    return c;
  }
  if (path.empty()) {
    c.error = "an empty path";
    return c;
  }
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno != ENOENT) {
      c.error = "cannot use " + path + ": " + error_text(errno);
      return c;
    }
    c.error = probe_directory(path);  // a new file
    return c;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    c.error = errno == ENOENT ? path + " is a symlink to a file that does not exist (not replaced)"
                              : "cannot use " + path + ": " + error_text(errno);
    return c;
  }
  // /dev/stdout, /proc/self/fd/1, or the very file stdout was redirected to:
  // written to the descriptor, so that it lands where the shell sent it.
  for (const auto& [fd, way] : {std::pair{STDOUT_FILENO, output_way::standard_out},
                                std::pair{STDERR_FILENO, output_way::standard_err}}) {
    const std::optional<struct stat> standard = stat_of_fd(fd);
    if (standard && same_inode(*standard, st)) {
      c.target.way = way;
      return c;
    }
  }
  if (S_ISDIR(st.st_mode)) {
    c.error = path + " is a directory";
  } else if (S_ISREG(st.st_mode)) {
    std::error_code ec;
    const fs::path resolved = fs::canonical(path, ec);  // a symlink's target is replaced, the link kept
    if (ec) {
      c.error = "cannot resolve " + path + ": " + ec.message();
      return c;
    }
    c.target.file = resolved.string();
    c.error = probe_directory(c.target.file);
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    c.target.way = output_way::stream;
    if (::access(path.c_str(), W_OK) != 0) c.error = "cannot write " + path + ": " + error_text(errno);
  } else if (S_ISBLK(st.st_mode)) {
    c.error = path + " is a block device (a report would overwrite it)";
  } else {
    c.error = path + " is neither a file, a FIFO nor a character device";
  }
  return c;
}

std::string check_distinct(const std::string& scenario_file, const std::vector<output_target>& outputs) {
  output_target scenario;
  scenario.path = scenario_file;
  const identity scenario_id = identity_of(scenario);
  std::vector<identity> ids;
  for (const output_target& o : outputs) ids.push_back(identity_of(o));
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (ids[i] == scenario_id) {
      return outputs[i].flag + " " + outputs[i].path + " is the scenario file " + scenario_file +
             " (it would be overwritten)";
    }
    for (std::size_t j = 0; j < i; ++j) {
      // Two writes through to /dev/null or a terminal harm nothing; to stdout they make one unreadable stream.
      const bool both_streams = outputs[i].way == output_way::stream && outputs[j].way == output_way::stream;
      if (ids[i] == ids[j] && !both_streams) {
        return outputs[j].flag + " " + outputs[j].path + " and " + outputs[i].flag + " " + outputs[i].path +
               " are the same file (one would overwrite the other)";
      }
    }
  }
  return {};
}

std::string write_output(const output_target& target, const std::string& text) {
  switch (target.way) {
    case output_way::replace_file:
      return write_atomically(target.file, text);
    case output_way::standard_out:
    case output_way::standard_err: {
      // What stdio holds goes first, so that the report is not cut into it.
      std::fflush(target.way == output_way::standard_out ? stdout : stderr);
      const int fd = target.way == output_way::standard_out ? STDOUT_FILENO : STDERR_FILENO;
      if (!write_all(fd, text)) return "cannot write " + target.path + ": " + error_text(errno);
      return {};
    }
    case output_way::stream: {
      // No O_CREAT: if it was replaced since the check, nothing is created in its place.
      const int fd = ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return "cannot open " + target.path + ": " + error_text(errno);
      std::string error;
      if (!write_all(fd, text)) error = "cannot write " + target.path + ": " + error_text(errno);
      if (::close(fd) != 0 && error.empty()) error = "cannot close " + target.path + ": " + error_text(errno);
      return error;
    }
  }
  return "unknown output";
}

std::string write_atomically(const std::string& path, const std::string& text) {
  std::string temporary;
  const int fd = make_temporary(path, temporary);
  if (fd < 0) return "cannot create " + temporary_pattern(path) + ": " + error_text(errno);
  struct stat previous {};
  const mode_t mode = ::stat(path.c_str(), &previous) == 0 && S_ISREG(previous.st_mode) ? previous.st_mode & 07777
                                                                                         : new_file_mode();
  std::string error;
  if (::fchmod(fd, mode) != 0) {
    error = "cannot set the mode of " + temporary + ": " + error_text(errno);
  } else if (!write_all(fd, text)) {
    error = "cannot write " + temporary + ": " + error_text(errno);
  } else if (::fsync(fd) != 0) {
    error = "cannot sync " + temporary + ": " + error_text(errno);
  }
  if (::close(fd) != 0 && error.empty()) error = "cannot close " + temporary + ": " + error_text(errno);
  if (error.empty() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + temporary + " to " + path + ": " + error_text(errno);
  }
  if (!error.empty()) ::unlink(temporary.c_str());
  return error;
}

}  // namespace fleet::cli
