// Reading a file that a user or an attacker named: bounded, never blocking, never a
// device. Every file a run reads goes through here.
//
// Contract:
//  - read_input_file(path, what, max_bytes) opens `path` without blocking (O_NONBLOCK, so a
//    FIFO with no writer cannot hang the open) and fstat()s the open descriptor before
//    reading anything: anything but a regular file (a FIFO, a character or block device
//    such as /dev/zero, a socket, a directory) is InvalidInput naming what it is. A file
//    larger than max_bytes is InvalidInput before a byte is allocated, so /dev/zero or a
//    sparse 3 GiB file costs nothing. Exactly st_size bytes are read; a file that shrinks
//    meanwhile is InvalidInput. Messages are one line: "<path>: cannot read <what>: <why>".
//  - While an InputScope is alive (the CLI opens one per command: one run), every file read
//    is recorded by its identity (device, inode); the output writer (output_file.h)
//    refuses to replace any of them. register_input_path() records named inputs before the
//    run starts reading (a directory: itself and the regular files directly in it). With
//    no scope nothing is recorded: a library caller that rewrites a file it read earlier
//    (a test regenerating a golden set) is not a run's input clobbering.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ropecheck::io {

// Size limits by kind of input. A golden or candidate file of T tokens × H heads × D dims
// holds about 12·T·H·D bytes (x, expected F64, expected_rounded); 1 GiB covers 4096 tokens
// × 64 heads × 256 dims with room, and a run reads two such files at a time.
inline constexpr std::uint64_t kMaxTensorFileBytes = std::uint64_t{1} << 30;
// A case catalogue, a report.json or a spec: text. The largest report.json written here
// (265 positions × 30 cases × 3 implementations) is about 4 MB.
inline constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t{256} << 20;
// SHA256SUMS: 67 bytes + a name per file.
inline constexpr std::uint64_t kMaxSumsFileBytes = std::uint64_t{16} << 20;

std::vector<unsigned char> read_input_file(const std::filesystem::path& path, std::string_view what,
                                           std::uint64_t max_bytes);

// A file read piece by piece, for inputs larger than memory: opened and checked as
// read_input_file opens and checks (a regular file, recorded as an input of the run),
// with no size limit, then read at any offset with pread. Nothing is mapped, so a file
// truncated meanwhile is a short read (InvalidInput "the file shrank"), never a SIGBUS.
class InputFile {
 public:
  static InputFile open(const std::filesystem::path& path, std::string_view what);

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }  // at open
  // Fills `out` from byte `offset`; a range past the size at open, or a file that no
  // longer holds it, is InvalidInput "<path>: cannot read <what>: …".
  void read_at(std::uint64_t offset, std::span<unsigned char> out) const;

 private:
  InputFile(std::filesystem::path path, std::string what, std::shared_ptr<const int> fd, std::uint64_t size)
      : path_(std::move(path)), what_(std::move(what)), fd_(std::move(fd)), size_(size) {}
  std::filesystem::path path_;
  std::string what_;
  std::shared_ptr<const int> fd_;  // closed with the last copy
  std::uint64_t size_ = 0;
};

// What a stat() mode is, in words: "a FIFO", "a character device", "a directory", ...
std::string_view file_kind(mode_t mode);

struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  auto operator<=>(const FileIdentity&) const = default;
};

// The inputs of one run. Scopes nest; the innermost one records.
class InputScope {
 public:
  InputScope();
  ~InputScope();
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;

 private:
  InputScope* outer_;
};

// Records `path` (and, for a directory, the regular files directly in it) as an input of
// this run. A path that does not exist records nothing: the reader reports it.
void register_input_path(const std::filesystem::path& path);
bool is_registered_input(FileIdentity id);

}  // namespace ropecheck::io
