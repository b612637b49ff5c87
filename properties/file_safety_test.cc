// Reading and writing at paths that a user or an attacker names (io/input_file.h,
// io/output_file.h): devices, FIFOs, oversized and sparse files, symbolic links, a run's
// own inputs. Each test reproduces a finding of a hostile trial run: /dev/zero read until
// std::bad_alloc, a FIFO that hung the reader, /dev/full replaced by a regular file, a
// symbolic link replaced by a file, a golden file overwritten by a run's own output.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "support/invalid_input_message.h"

namespace {

namespace fs = std::filesystem;
using ropecheck::InvalidInput;
using ropecheck::testing::message_of;
using namespace ropecheck::io;
using Bytes = std::vector<unsigned char>;

class ScratchDir {
 public:
  explicit ScratchDir(std::string_view name)
      : path_(fs::temp_directory_path() / ("ropecheck_file_safety_" + std::string(name) + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

void expect_message(const std::function<void()>& f, std::string_view part) {
  const std::string what = message_of(f);
  EXPECT_NE(what.find(part), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

std::string contents(const fs::path& p) {
  const Bytes bytes = read_input_file(p, "a test file", kMaxJsonFileBytes);
  return std::string(bytes.begin(), bytes.end());
}

constexpr std::uint64_t kSmallLimit = 1024;  // any limit: the tests put files on either side of it

}  // namespace

// ---- Inputs ----------------------------------------------------------------------------------

TEST(input_file, a_character_device_is_refused_before_a_byte_is_read) {
  expect_message([] { read_input_file("/dev/zero", "a golden file", kMaxTensorFileBytes); },
                 "/dev/zero: cannot read a golden file: it is a character device, not a regular file");
}

TEST(input_file, a_fifo_without_a_writer_is_refused_not_waited_for) {
  const ScratchDir dir("fifo_in");
  const fs::path fifo = dir.path() / "g.safetensors";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_message([&] { read_input_file(fifo, "a golden file", kMaxTensorFileBytes); }, "it is a FIFO, not a regular file");
}

TEST(input_file, directories_are_refused) {
  const ScratchDir dir("dir_in");
  expect_message([&] { read_input_file(dir.path(), "a golden file", kMaxTensorFileBytes); }, "it is a directory");
}

TEST(input_file, a_file_above_the_limit_is_refused_by_its_size) {
  const ScratchDir dir("big_in");
  const fs::path big = dir.path() / "big";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(kSmallLimit + 1, 'x');
  }
  expect_message([&] { read_input_file(big, "a catalogue", kSmallLimit); },
                 "1025 bytes, above the limit of 1024 bytes for a catalogue");
  fs::resize_file(big, kSmallLimit);
  EXPECT_EQ(read_input_file(big, "a catalogue", kSmallLimit).size(), kSmallLimit);
}

TEST(input_file, a_sparse_file_of_3_gib_costs_nothing) {
  const ScratchDir dir("sparse_in");
  const fs::path sparse = dir.path() / "sparse.safetensors";
  { std::ofstream(sparse, std::ios::binary).put('\0'); }
  constexpr std::uint64_t kThreeGiB = std::uint64_t{3} << 30;
  fs::resize_file(sparse, kThreeGiB);  // no blocks allocated: a hole
  expect_message([&] { read_input_file(sparse, "a golden file", kMaxTensorFileBytes); },
                 "3221225472 bytes, above the limit of 1073741824 bytes");
}

TEST(input_file, the_limits_leave_room_for_real_files) {
  // A golden of 4096 tokens × 64 heads × 256 dims (x bf16, expected F64, expected_rounded
  // bf16, cos/sin F64) must be readable.
  constexpr std::uint64_t kElements = std::uint64_t{4096} * 64 * 256;
  constexpr std::uint64_t kTables = std::uint64_t{4096} * 128 * 8 * 2;
  EXPECT_GT(kMaxTensorFileBytes, kElements * (2 + 8 + 2) + kTables);
}

// ---- Outputs ---------------------------------------------------------------------------------

TEST(output_file, a_character_device_is_written_in_place_and_its_errors_reported) {
  write_output_file("/dev/null", std::string_view("discarded"));
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  expect_message([] { write_output_file("/dev/full", std::string_view("{}")); },
                 "/dev/full: cannot write: write: No space left on device");
  ASSERT_EQ(::stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full was replaced";
}

TEST(output_file, a_symbolic_link_stays_a_link_and_its_target_is_replaced) {
  const ScratchDir dir("symlink_out");
  const fs::path target = dir.path() / "target.json";
  const fs::path link = dir.path() / "link.json";
  { std::ofstream(target) << "old"; }
  fs::create_symlink(target, link);
  write_output_file(link, std::string_view("new"));
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(contents(target), "new");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"link.json", "target.json"}));
}

TEST(output_file, a_dangling_symbolic_link_is_refused) {
  const ScratchDir dir("dangling_out");
  const fs::path link = dir.path() / "link.json";
  fs::create_symlink(dir.path() / "nowhere.json", link);
  expect_message([&] { write_output_file(link, std::string_view("x")); }, "a symbolic link to a file that does not exist");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"link.json"});
}

TEST(output_file, a_replaced_file_keeps_its_permissions) {
  const ScratchDir dir("mode_out");
  const fs::path file = dir.path() / "report.json";
  { std::ofstream(file) << "old"; }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  write_output_file(file, std::string_view("new"));
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(output_file, missing_parent_directories_are_created) {
  const ScratchDir dir("parents_out");
  write_output_file(dir.path() / "a" / "b.json", std::string_view("{}"));
  EXPECT_EQ(contents(dir.path() / "a" / "b.json"), "{}");
}

TEST(output_file, a_fifo_is_written_in_place_and_refused_without_a_reader) {
  const ScratchDir dir("fifo_out");
  const fs::path fifo = dir.path() / "out.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_message([&] { write_output_file(fifo, std::string_view("x")); }, "it is a FIFO that nothing reads");
  std::string got;
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  write_output_file(fifo, std::string_view("through the pipe"));
  char buffer[64] = {};
  const ssize_t n = ::read(reader, buffer, sizeof(buffer));
  ::close(reader);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "through the pipe");
  EXPECT_FALSE(fs::is_regular_file(fifo));
}

TEST(output_file, a_run_never_overwrites_its_own_inputs) {
  const ScratchDir dir("inputs_out");
  const fs::path golden = dir.path() / "case.safetensors";
  const fs::path sibling = dir.path() / "other.safetensors";
  { std::ofstream(golden) << "golden"; }
  { std::ofstream(sibling) << "sibling"; }
  {
    const InputScope run;
    read_input_file(golden, "a golden file", kMaxTensorFileBytes);
    expect_message([&] { write_output_file(golden, std::string_view("candidate")); },
                   "it is one of this run's inputs, which are never overwritten");
    expect_message([&] { check_output_path(golden); }, "one of this run's inputs");
    // Through a symbolic link too: identity is the inode, not the name.
    fs::create_symlink(golden, dir.path() / "alias");
    expect_message([&] { write_output_file(dir.path() / "alias", std::string_view("x")); }, "one of this run's inputs");
    // A named input directory covers the files in it before any is read.
    register_input_path(dir.path());
    expect_message([&] { check_output_path(sibling); }, "one of this run's inputs");
  }
  EXPECT_EQ(contents(golden), "golden");
  EXPECT_EQ(contents(sibling), "sibling");
  // Outside a run (a library caller rewriting its own file) nothing is refused.
  write_output_file(sibling, std::string_view("rewritten"));
  EXPECT_EQ(contents(sibling), "rewritten");
}

TEST(output_file, an_output_directory_that_is_a_file_is_refused_before_any_work) {
  const ScratchDir dir("outdir");
  const fs::path file = dir.path() / "report";
  { std::ofstream(file) << "x"; }
  expect_message([&] { check_output_directory(file); }, "it is a regular file, not a directory");
  expect_message([&] { check_output_directory(file / "sub"); }, "is a regular file, not a directory");
  check_output_directory(dir.path() / "new" / "dir");  // creatable: no error, nothing created
  EXPECT_FALSE(fs::exists(dir.path() / "new"));
}
