// Stack traces for failed trials. Every C++ throw in the process (plugins included) records the
// thrower's stack in a thread-local buffer, by interposing __cxa_throw; a catch site then asks
// for the trace of the exception it just caught. Frames are symbolised with the dynamic symbol
// table and demangled, as far as the binary allows (executables link with ENABLE_EXPORTS).
#pragma once

#include <string>

namespace sweep {

// The stack of the most recent throw on this thread, one frame per line; "" if none was recorded.
std::string last_throw_stack_trace();

// The caller's stack, formatted alike.
std::string current_stack_trace();

}  // namespace sweep
