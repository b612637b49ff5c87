#include "ropecheck/io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"

namespace ropecheck::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const fs::path& path, std::string_view why) {
  throw InvalidInput(fmt::format("{}: cannot write: {}", path.string(), why));
}

[[noreturn]] void fail(const fs::path& path, std::string_view step, int error) {
  throw InvalidInput(fmt::format("{}: cannot write: {}: {}", path.string(), step, std::strerror(error)));
}

enum class TargetKind { absent, regular, in_place, standard_stream };

struct Target {
  TargetKind kind = TargetKind::absent;
  fs::path file;      // the final file (symbolic links followed) for regular and in_place
  mode_t mode = 0;    // the replaced file's permissions, kept by the new one
  int stream_fd = -1; // for standard_stream
};

// An absent path's nearest existing ancestor must be a directory, or nothing can be
// created under it.
void check_creatable(const fs::path& path) {
  for (fs::path dir = path.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) refuse(path, fmt::format("{} is {}, not a directory", dir.string(), file_kind(st.st_mode)));
      return;
    }
    if (errno != ENOENT && errno != ENOTDIR) fail(path, fmt::format("stat {}", dir.string()), errno);
    if (dir == dir.parent_path()) return;
  }
}

bool same_file(const struct stat& a, int fd) {
  struct stat b {};
  return ::fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Target resolve(const fs::path& path) {
  if (path.empty() || !path.has_filename()) refuse(path, "the path names no file");
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    // ENOTDIR: a parent is not a directory; check_creatable says which.
    if (errno != ENOENT && errno != ENOTDIR) fail(path, "stat", errno);
    check_creatable(path);
    return Target{TargetKind::absent, path, 0, -1};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (S_ISLNK(link.st_mode) && errno == ENOENT) refuse(path, "it is a symbolic link to a file that does not exist");
    fail(path, "stat", errno);
  }
  if (is_registered_input(FileIdentity{st.st_dev, st.st_ino})) {
    refuse(path, "it is one of this run's inputs, which are never overwritten");
  }
  if (S_ISDIR(st.st_mode)) refuse(path, "it is a directory");
  if (S_ISSOCK(st.st_mode)) refuse(path, "it is a socket");
  for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    if (same_file(st, fd)) return Target{TargetKind::standard_stream, path, 0, fd};
  }
  std::error_code ec;
  const fs::path file = S_ISLNK(link.st_mode) ? fs::canonical(path, ec) : path;
  if (ec) fail(path, "resolve the symbolic link", ec.value());
  if (S_ISREG(st.st_mode)) return Target{TargetKind::regular, file, static_cast<mode_t>(st.st_mode & 07777), -1};
  return Target{TargetKind::in_place, file, 0, -1};
}

void write_all(const fs::path& path, int fd, std::span<const unsigned char> bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t r = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(path, "write", errno);
    }
    written += static_cast<std::size_t>(r);
  }
}

// A device, FIFO or terminal: written where it is. O_NONBLOCK on open makes a FIFO without
// a reader an error (ENXIO) instead of a hang; the writes themselves then block normally.
void write_in_place(const fs::path& path, const fs::path& file, std::span<const unsigned char> bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO) refuse(path, "it is a FIFO that nothing reads");
    fail(path, "open", errno);
  }
  if (const int flags = ::fcntl(fd, F_GETFL); flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  try {
    write_all(path, fd, bytes);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(path, "close", errno);
}

// Our own standard output or error: whatever was printed before stays before this.
void write_to_stream(const fs::path& path, int fd, std::span<const unsigned char> bytes) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  write_all(path, fd, bytes);
}

void replace_atomically(const fs::path& path, const fs::path& file, mode_t mode, std::span<const unsigned char> bytes) {
  // A hidden name next to the target: rename() is atomic only within one file system, and
  // pid + counter keep concurrent writers (threads, shards) from sharing a temporary.
  static std::atomic<unsigned> counter{0};
  fs::path temp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    temp = file;
    temp.replace_filename(fmt::format(".{}.tmp-{}-{}", file.filename().string(), ::getpid(), counter++));
    // 0666 lets the umask decide a new file's mode; a replaced file keeps its own.
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt >= 100)) fail(path, "create a temporary file", errno);
  }
  const auto abandon = [&](std::string_view step, int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    fail(path, step, error);
  };
  if (mode != 0 && ::fchmod(fd, mode) != 0) abandon("keep the file's permissions", errno);
  try {
    write_all(path, fd, bytes);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  // Data on disk before the rename makes it visible: a crash leaves the old file or the
  // whole new one.
  if (::fsync(fd) != 0) abandon("fsync", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "close", error);
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "rename", error);
  }
  // Persist the directory entry too; best effort, the file itself is already complete.
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

void check_output_path(const fs::path& path) { resolve(path); }

void check_output_directory(const fs::path& dir) {
  if (dir.empty()) refuse(dir, "the path names no directory");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) refuse(dir, fmt::format("it is {}, not a directory", file_kind(st.st_mode)));
    return;
  }
  if (errno != ENOENT && errno != ENOTDIR) fail(dir, "stat", errno);
  struct stat link {};
  if (::lstat(dir.c_str(), &link) == 0) refuse(dir, "it is a symbolic link to a directory that does not exist");
  check_creatable(dir);
}

void write_output_file(const fs::path& path, std::span<const unsigned char> bytes) {
  const Target target = resolve(path);
  switch (target.kind) {
    case TargetKind::absent: {
      if (path.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) fail(path, fmt::format("create {}", path.parent_path().string()), ec.value());
      }
      replace_atomically(path, path, 0, bytes);
      return;
    }
    case TargetKind::regular: replace_atomically(path, target.file, target.mode, bytes); return;
    case TargetKind::in_place: write_in_place(path, target.file, bytes); return;
    case TargetKind::standard_stream: write_to_stream(path, target.stream_fd, bytes); return;
  }
}

void write_output_file(const fs::path& path, std::string_view text) {
  write_output_file(path, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

}  // namespace ropecheck::io
