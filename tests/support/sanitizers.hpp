// Which sanitizer this build runs under, and how much slower that makes it. Timing-bound tests
// (latency bounds, deadlines that a loaded 2-core machine must meet, heartbeat liveness) scale
// by kSlowdown: the plain build keeps its tight figures, and a sanitized build, whose processes
// run several times slower, checks the same behaviour with bounds it can meet.
#pragma once

namespace sweep::testing {

#if defined(__has_feature)  // clang
#if __has_feature(thread_sanitizer)
#define SWEEP_TEST_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define SWEEP_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)  // gcc
#define SWEEP_TEST_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SWEEP_TEST_ASAN 1
#endif

// Measured here (Load.TenThousandJobsLeaveTheBrokerMemoryFlat): 630-740 one-trial jobs a second
// in the plain build, 320 under ASan + UBSan, 149 under TSan; with 2 cores shared by the test,
// the broker and the workers, the slowest moments are worse than the averages.
#if defined(SWEEP_TEST_TSAN)
inline constexpr int kSlowdown = 5;
#elif defined(SWEEP_TEST_ASAN)
inline constexpr int kSlowdown = 3;
#else
inline constexpr int kSlowdown = 1;
#endif
inline constexpr bool kSanitized = kSlowdown > 1;

}  // namespace sweep::testing
