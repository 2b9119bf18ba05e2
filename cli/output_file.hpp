#pragma once
// Where `fleetsim run` writes its reports (--report, --html, --junit): each
// path checked before the run, none the scenario nor another output, and
// written so that a reader never sees half a file and nothing that is not a
// regular file is ever replaced.

#include <string>
#include <vector>

namespace fleet::cli {

/// How an output is written, decided from what its path names before the run.
enum class output_way {
  replace_file,   ///< a regular file or a new path: a temporary next to it, synced, renamed over it
  stream,         ///< a FIFO or a character device (a terminal, /dev/null): written through, never replaced
  standard_out,   ///< `-`, or a path naming this process's stdout (/dev/stdout): fd 1
  standard_err,   ///< a path naming this process's stderr (/dev/stderr): fd 2
};

/// An output as checked before the run.
struct output_target {
  std::string flag;  ///< "--report": names it in messages
  std::string path;  ///< as given on the command line
  output_way way = output_way::replace_file;
  /// What is written: for replace_file the path with its symlinks resolved
  /// (a link to a report keeps being a link: its target is replaced).
  std::string file;
};

/// The result of checking an output: `error` empty when it can be written.
struct output_check {
  output_target target;
  std::string error;
};

/// Checks `path` for `flag`: refused when it is a directory, a block device
/// or a socket, a symlink to nothing, or when its directory cannot take a
/// file (a temporary is created there and removed). "-" is stdout.
output_check check_output(const std::string& flag, const std::string& path);

/// Empty when no two of `outputs` and `scenario_file` are the same file
/// (compared by identity: device and inode for files that exist, the
/// resolved path for new ones, so symlinks, hard links and relative paths
/// are seen through; stdout by its own identity), else why not, naming the flags.
std::string check_distinct(const std::string& scenario_file, const std::vector<output_target>& outputs);

/// Writes `text` to `target` as its `way` says. Empty when it worked, else why not.
std::string write_output(const output_target& target, const std::string& text);

/// Writes `text` to a temporary next to `path` (`path`.tmp.XXXXXX, made
/// with mkstemp, so nothing there is clobbered), syncs it and renames it
/// over `path`: a reader sees the previous file or the whole new one, never
/// a part. Keeps the mode of a file it replaces. Empty when it worked, else
/// why not (and the temporary is removed).
std::string write_atomically(const std::string& path, const std::string& text);

}  // namespace fleet::cli
