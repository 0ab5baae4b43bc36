#include "sweep/base/stack_trace.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>

#include <cstdlib>
#include <cstring>
#include <typeinfo>

namespace sweep {
namespace {

constexpr int kMaxFrames = 64;

struct ThrowTrace {
  void* frames[kMaxFrames];
  int depth = 0;
};
thread_local ThrowTrace g_last_throw;

// "binary(mangled+0x1f) [0x...]" -> "binary: demangled+0x1f"
std::string format_frame(void* addr) {
  Dl_info info{};
  std::string out;
  if (dladdr(addr, &info) && info.dli_fname) {
    const char* base = std::strrchr(info.dli_fname, '/');
    out = base ? base + 1 : info.dli_fname;
    if (info.dli_sname) {
      int status = 0;
      char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
      out += ": ";
      out += status == 0 && demangled ? demangled : info.dli_sname;
      std::free(demangled);
      const auto offset = static_cast<const char*>(addr) - static_cast<const char*>(info.dli_saddr);
      out += "+0x" + [&] {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%tx", offset);
        return std::string(buf);
      }();
    } else {
      char buf[48];
      std::snprintf(buf, sizeof buf, " [+0x%tx]",
                    static_cast<const char*>(addr) - static_cast<const char*>(info.dli_fbase));
      out += buf;
    }
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "[%p]", addr);
    out = buf;
  }
  return out;
}

std::string format_frames(void* const* frames, int depth, int skip) {
  std::string out;
  for (int i = skip; i < depth; ++i) {
    out += "#" + std::to_string(i - skip) + " " + format_frame(frames[i]) + "\n";
  }
  return out;
}

}  // namespace

std::string last_throw_stack_trace() {
  // Frame 0 is the interposed __cxa_throw itself.
  return format_frames(g_last_throw.frames, g_last_throw.depth, 1);
}

std::string current_stack_trace() {
  void* frames[kMaxFrames];
  const int depth = backtrace(frames, kMaxFrames);
  return format_frames(frames, depth, 1);
}

}  // namespace sweep

// Interposes the C++ runtime's throw: record the stack, then throw as usual. (GNU noreturn, not
// [[noreturn]]: clang requires the latter on the first declaration, which is <cxxabi.h>'s.)
extern "C" __attribute__((noreturn)) void __cxa_throw(void* object, std::type_info* type,
                                                      void (*destructor)(void*)) {
  sweep::g_last_throw.depth = backtrace(sweep::g_last_throw.frames, sweep::kMaxFrames);
  using ThrowFn = void (*)(void*, std::type_info*, void (*)(void*));
  static const auto real = reinterpret_cast<ThrowFn>(dlsym(RTLD_NEXT, "__cxa_throw"));
  real(object, type, destructor);
  std::abort();  // the real __cxa_throw does not return
}
