// Names of POSIX signals for messages: "SIGSEGV", "Segmentation fault".
#pragma once

#include <string>

namespace sweep {

// "SIGSEGV" for SIGSEGV; "signal 42" for a number without a name here.
std::string signal_name(int sig);
// The C library's description ("Segmentation fault"); "Unknown signal 42" when it has none.
std::string signal_description(int sig);

}  // namespace sweep
