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

// ThreadSanitizer: 5-15x slower and every thread serialised on its shadow memory; measured here,
// the hostile-client storm answered a third of its plain-build requests and a status poll under
// it took over 2 s. AddressSanitizer + UBSan: ~2-3x.
#if defined(SWEEP_TEST_TSAN)
inline constexpr int kSlowdown = 5;
#elif defined(SWEEP_TEST_ASAN)
inline constexpr int kSlowdown = 3;
#else
inline constexpr int kSlowdown = 1;
#endif
inline constexpr bool kSanitized = kSlowdown > 1;

}  // namespace sweep::testing
