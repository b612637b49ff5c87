#include "ropecheck/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <mutex>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::io {

std::string_view file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

namespace {

std::mutex registry_mutex;
InputScope* current_scope = nullptr;  // guarded by registry_mutex
std::set<FileIdentity>& registry() {
  static std::set<FileIdentity> identities;
  return identities;
}

void record(const struct stat& st) {
  const std::lock_guard lock(registry_mutex);
  if (current_scope) registry().insert(FileIdentity{st.st_dev, st.st_ino});
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail_reading(const std::filesystem::path& path, std::string_view what, const std::string& why) {
  throw InvalidInput(fmt::format("{}: cannot read {}: {}", path.string(), what, why));
}

// Opens `path` for reading as an input: without blocking, a regular file only, at most
// max_bytes; records it. Returns the descriptor (owned by the caller) and the size.
std::pair<int, std::uint64_t> open_input(const std::filesystem::path& path, std::string_view what,
                                         std::uint64_t max_bytes) {
  const auto fail = [&](const std::string& why) { fail_reading(path, what, why); };
  Descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(fmt::format("it is {}, not a regular file", file_kind(st.st_mode)));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) fail(fmt::format("{} bytes, above the limit of {} bytes for {}", size, max_bytes, what));
  record(st);
  // A regular file never blocks; clearing O_NONBLOCK only keeps the reads ordinary.
  if (const int flags = ::fcntl(fd.get(), F_GETFL); flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return {fd.release(), size};
}

}  // namespace

InputFile InputFile::open(const std::filesystem::path& path, std::string_view what) {
  const auto [fd, size] = open_input(path, what, std::numeric_limits<std::uint64_t>::max());
  auto shared = std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
  return InputFile(path, std::string(what), std::move(shared), size);
}

void InputFile::read_at(std::uint64_t offset, std::span<unsigned char> out) const {
  if (offset > size_ || out.size() > size_ - offset) {
    fail_reading(path_, what_, fmt::format("bytes [{}, {}) lie past its end ({} bytes)", offset,
                                           offset + out.size(), size_));
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(*fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_reading(path_, what_, std::strerror(errno));
    }
    if (got == 0) {
      fail_reading(path_, what_, fmt::format("the file shrank below byte {} of {} while it was read", offset + done, size_));
    }
    done += static_cast<std::size_t>(got);
  }
}

std::vector<unsigned char> read_input_file(const std::filesystem::path& path, std::string_view what,
                                           std::uint64_t max_bytes) {
  const auto fail = [&](const std::string& why) { fail_reading(path, what, why); };
  const auto [raw_fd, size] = open_input(path, what, max_bytes);
  const Descriptor fd(raw_fd);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(std::strerror(errno));
    }
    if (got == 0) fail(fmt::format("the file shrank to {} of {} bytes while it was read", done, size));
    done += static_cast<std::size_t>(got);
  }
  return bytes;
}

InputScope::InputScope() {
  const std::lock_guard lock(registry_mutex);
  outer_ = current_scope;
  current_scope = this;
}

InputScope::~InputScope() {
  const std::lock_guard lock(registry_mutex);
  current_scope = outer_;
  if (!current_scope) registry().clear();
}

void register_input_path(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  record(st);
  if (!S_ISDIR(st.st_mode)) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    struct stat inner {};
    if (::stat(entry.path().c_str(), &inner) == 0 && S_ISREG(inner.st_mode)) record(inner);
  }
}

bool is_registered_input(FileIdentity id) {
  const std::lock_guard lock(registry_mutex);
  return current_scope && registry().count(id) != 0;
}

}  // namespace ropecheck::io
