#include "sweep/optimize/tpe.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace sweep {
namespace {

uint64_t mix(uint64_t z) {  // splitmix64's finaliser, as in seeded_permutation.cpp
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64: the stream of one suggestion round. Part of the persisted behaviour (a resumed job
// must suggest the same trials): never change the keying.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t trial, uint64_t round)
      : state_(mix(mix(seed ^ 0x5450455f53454544ull) ^ trial) + round * kGolden) {}
  uint64_t next() { return mix(state_ += kGolden); }
  // Uniform in [0, n): the high half of a 64x64-bit product (exact integer arithmetic).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1), exact
  double symmetric() { return 2 * unit() - 1; }                            // [-1, 1)
  // Epanechnikov-distributed on [-1, 1] (Devroye 1986, II.3.3: the median-like choice among
  // three uniforms).
  double epanechnikov() {
    const double u1 = symmetric(), u2 = symmetric(), u3 = symmetric();
    const double a1 = std::abs(u1), a2 = std::abs(u2), a3 = std::abs(u3);
    return (a3 >= a2 && a3 >= a1) ? u2 : u3;
  }

 private:
  uint64_t state_;
};

// The Epanechnikov kernel's CDF, 0 below -1 and 1 above 1: a polynomial, so exact everywhere.
double kernel_cdf(double u) {
  if (u <= -1) return 0;
  if (u >= 1) return 1;
  return (2 + 3 * u - u * u * u) / 4;
}

// A Parzen estimator of one axis from the value indices of a set of trials, as a probability
// mass over the axis's values 0 .. size-1, mixed with a uniform prior of weight kPriorWeight.
//   ordinal (ranges): one Epanechnikov kernel per trial on the continuous line, value v owning
//     [v - 0.5, v + 0.5), each kernel truncated to [-0.5, size - 0.5) and renormalised; its
//     half-width is the larger gap to its neighbours (the support's ends count as neighbours),
//     clipped to [size / min(100, m + 1), size] for m trials.
//   categorical (lists): the count of each value.
class AxisEstimator {
 public:
  AxisEstimator(bool ordinal, uint64_t size, std::vector<uint64_t> digits)
      : ordinal_(ordinal), size_(size), digits_(std::move(digits)) {
    const double m = static_cast<double>(digits_.size());
    denom_ = m + TpeSuggester::kPriorWeight;
    prior_mass_ = TpeSuggester::kPriorWeight / static_cast<double>(size_);
    if (!ordinal_) {
      counts_.assign(size_, 0);
      for (uint64_t d : digits_) counts_[d] += 1;
      return;
    }
    std::sort(digits_.begin(), digits_.end());
    const double lo = -0.5, hi = static_cast<double>(size_) - 0.5, range = hi - lo;
    const double min_width = range / std::min(100.0, m + 1);
    half_.resize(digits_.size());
    norm_.resize(digits_.size());
    for (size_t k = 0; k < digits_.size(); ++k) {
      const double mu = static_cast<double>(digits_[k]);
      const double left = mu - (k == 0 ? lo : static_cast<double>(digits_[k - 1]));
      const double right =
          (k + 1 == digits_.size() ? hi : static_cast<double>(digits_[k + 1])) - mu;
      const double a = std::clamp(std::max(left, right), min_width, range);
      half_[k] = a;
      norm_[k] = kernel_cdf((hi - mu) / a) - kernel_cdf((lo - mu) / a);
    }
  }

  double mass(uint64_t v) const {
    if (!ordinal_) return (counts_[v] + prior_mass_) / denom_;
    const double x = static_cast<double>(v);
    double sum = 0;
    for (size_t k = 0; k < digits_.size(); ++k) {
      const double mu = static_cast<double>(digits_[k]), a = half_[k];
      if (x + 0.5 <= mu - a || x - 0.5 >= mu + a) continue;  // outside the kernel: adds 0
      sum += (kernel_cdf((x + 0.5 - mu) / a) - kernel_cdf((x - 0.5 - mu) / a)) / norm_[k];
    }
    return (sum + prior_mass_) / denom_;
  }

  uint64_t sample(Rng& rng) const {
    const uint64_t j = rng.below(digits_.size() + 1);  // every trial weighs as much as the prior
    if (j == digits_.size()) return rng.below(size_);
    if (!ordinal_) return digits_[j];
    const double mu = static_cast<double>(digits_[j]), hi = static_cast<double>(size_) - 0.5;
    double x = mu;
    for (int attempt = 0; attempt < 16; ++attempt) {  // truncation by rejection
      const double y = mu + half_[j] * rng.epanechnikov();
      if (y >= -0.5 && y < hi) {
        x = y;
        break;
      }
    }
    const double v = std::floor(x + 0.5);
    return static_cast<uint64_t>(std::clamp(v, 0.0, static_cast<double>(size_ - 1)));
  }

 private:
  bool ordinal_;
  uint64_t size_;
  std::vector<uint64_t> digits_;
  std::vector<double> half_, norm_;
  std::vector<double> counts_;
  double denom_ = 1, prior_mass_ = 1;
};

struct Candidate {
  uint64_t grid_index;
  double score;  // product over axes of l(x) / g(x)
};

}  // namespace

Result<TpeSuggester> TpeSuggester::create(TrialPlan plan, Objective objective) {
  const auto* m = std::get_if<TpeSearch>(&plan.method());
  if (!m) return Status::BadRequest("method: the plan is not a tpe search");
  const TpeSearch method = *m;
  return TpeSuggester(std::move(plan), objective, method);
}

uint64_t TpeSuggester::generation_begin(uint64_t g) const {
  const uint64_t startup = std::min(method_.startup, total());
  if (g == 0) return 0;
  const uint64_t later = (g - 1) > (total() - startup) / method_.batch
                             ? total() - startup
                             : std::min(total() - startup, (g - 1) * method_.batch);
  return startup + later;
}

uint64_t TpeSuggester::generation_of(uint64_t index) const {
  const uint64_t startup = std::min(method_.startup, total());
  if (index < startup) return 0;
  return 1 + (index - startup) / method_.batch;
}

Result<std::vector<Trial>> TpeSuggester::next_generation(
    std::span<const TpeObservation> history) const {
  const uint64_t begin = history.size();
  const uint64_t g = generation_of(begin);
  if (begin >= total() || generation_begin(g) != begin)
    return Status::BadRequest("tpe: " + std::to_string(begin) +
                              " trials of history is not the start of a generation");
  const uint64_t end = generation_begin(g + 1);
  std::vector<Trial> out;
  if (g == 0) {
    TrialCursor c = plan_.cursor();
    while (out.size() < end) out.push_back(*c.next());
    return out;
  }

  const ParamSpace& space = plan_.space();
  const auto& axes = space.axes();
  // Good trials: the best ceil(10%) of the history (at most kMaxGood) by the objective's strict
  // order (failed and undefined last, ties to the lower index); bad: the rest.
  std::vector<uint64_t> order(history.size());
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    return objective_.better(history[a].value, a, history[b].value, b);
  });
  const uint64_t n_good = std::min<uint64_t>(kMaxGood, (history.size() + 9) / 10);
  std::vector<std::vector<uint64_t>> good(axes.size()), bad(axes.size());
  std::vector<uint64_t> digits;
  for (uint64_t r = 0; r < order.size(); ++r) {
    space.decode(history[order[r]].grid_index, digits);
    for (size_t i = 0; i < axes.size(); ++i) (r < n_good ? good : bad)[i].push_back(digits[i]);
  }
  std::vector<size_t> varying;
  std::vector<AxisEstimator> l, gx;
  for (size_t i = 0; i < axes.size(); ++i) {
    const Axis& axis = axes[i].second;
    if (axis.size() < 2) continue;
    varying.push_back(i);
    l.emplace_back(axis.is_range(), axis.size(), std::move(good[i]));
    gx.emplace_back(axis.is_range(), axis.size(), std::move(bad[i]));
  }
  std::vector<uint64_t> radix(axes.size(), 1);  // last axis fastest (ParamSpace)
  for (size_t i = axes.size(); i-- > 1;) radix[i - 1] = radix[i] * axes[i].second.size();

  std::unordered_set<uint64_t> tried;
  tried.reserve(history.size() + (end - begin));
  for (const TpeObservation& o : history) tried.insert(o.grid_index);
  TrialCursor fallback = plan_.cursor();
  std::vector<Candidate> cands;
  for (uint64_t index = begin; index < end; ++index) {
    std::optional<uint64_t> pick;
    for (int round = 0; round < kRounds && !pick; ++round) {
      Rng rng(method_.seed, index, static_cast<uint64_t>(round));
      cands.clear();
      for (int c = 0; c < kCandidates; ++c) {
        uint64_t grid = 0;
        double score = 1;
        for (size_t k = 0; k < varying.size(); ++k) {
          const uint64_t d = l[k].sample(rng);
          grid += d * radix[varying[k]];
          score *= l[k].mass(d) / gx[k].mass(d);
        }
        cands.push_back({grid, score});
      }
      std::stable_sort(cands.begin(), cands.end(),
                       [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
      for (const Candidate& c : cands)
        if (!tried.contains(c.grid_index) && plan_.admits(c.grid_index)) {
          pick = c.grid_index;
          break;
        }
    }
    while (!pick) {  // memoisation fallback: the next untried point of the random draw order
      std::optional<Trial> t = fallback.next();
      if (!t) break;  // cannot happen while index < total(): total() counts admissible points
      if (!tried.contains(t->grid_index)) pick = t->grid_index;
    }
    if (!pick) break;
    tried.insert(*pick);
    out.push_back(Trial{index, *pick, space.at(*pick)});
  }
  return out;
}

}  // namespace sweep
