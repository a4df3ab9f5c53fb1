#pragma once
// The one exception type the engine throws for bad input (files, configs, options).
// Front ends catch it at the boundary: the CLI prints what() and exits non-zero, the
// window shows it. Messages name the file or field and what is wrong.

#include <stdexcept>
#include <string>

namespace alig::core {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace alig::core
