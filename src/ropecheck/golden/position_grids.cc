#include "ropecheck/golden/position_grids.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/position_axes.h"

namespace ropecheck::golden {
namespace {

using Position3 = std::array<std::int64_t, 3>;

// One sequence numbered as get_rope_index does: `next` is max + 1 of what came before.
class MropeSequence {
 public:
  explicit MropeSequence(std::int64_t start) : next_(start) {}

  void text(int tokens) {
    const std::int64_t start = next_;  // add() moves next_ past each token
    for (int k = 0; k < tokens; ++k) add({start + k, start + k, start + k});
  }
  void vision(int frames, int height, int width, std::int64_t step) {
    const std::int64_t base = next_;
    for (int tau = 0; tau < frames; ++tau) {
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) add({base + tau * step, base + y, base + x});
      }
    }
  }
  void append_to(std::vector<std::int64_t>& out) const {
    for (const Position3& p : tokens_) out.insert(out.end(), p.begin(), p.end());
  }

 private:
  void add(const Position3& p) {
    tokens_.push_back(p);
    next_ = std::max(next_, *std::max_element(p.begin(), p.end()) + 1);
  }
  std::int64_t next_;
  std::vector<Position3> tokens_;
};

}  // namespace

std::int64_t mrope_grid_context(std::int64_t context) {
  return std::min(context, kPositionLimit / 3);  // the long sequence reaches ≈ 2.5·context
}

std::vector<std::int64_t> multi_axis_positions(const RopeSpec& spec, std::int64_t context) {
  if (context < 8) throw InvalidInput(fmt::format("golden: a multi-axis grid needs a context of at least 8, got {}", context));
  std::vector<std::int64_t> out;
  if (position_axes(spec) == 3) {
    context = mrope_grid_context(context);
    MropeSequence short_one(0);
    short_one.text(4);
    short_one.vision(1, 3, 4, 0);
    short_one.text(3);
    short_one.vision(3, 2, 2, 2);
    short_one.text(2);
    short_one.append_to(out);
    MropeSequence long_one(context - 6);
    long_one.text(2);
    long_one.vision(4, 2, 2, context / 2);
    long_one.text(15);  // both sequences 33 tokens: a batch of two rows
    long_one.append_to(out);
    return out;
  }
  if (position_axes(spec) == 2) {
    const std::int64_t side = std::min(context, kPositionLimit);
    for (std::int64_t row = 0; row < 4; ++row) {
      for (std::int64_t column = 0; column < 4; ++column) out.insert(out.end(), {row, column});
    }
    const std::int64_t last = side - 1;
    for (const auto& [row, column] : std::array<std::array<std::int64_t, 2>, 6>{
             {{last, 0}, {0, last}, {last, last}, {last - 1, last}, {last, 1}, {side / 2, side / 3}}}) {
      out.insert(out.end(), {row, column});
    }
    return out;
  }
  throw InvalidInput("golden: a multi-axis grid needs a multi-axis spec (mrope_section or vision_2d)");
}

}  // namespace ropecheck::golden
