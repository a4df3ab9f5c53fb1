#pragma once
// Numbers as validation messages show them: "-1", "0.5", "1e-05", "nan".

#include <sstream>
#include <string>

namespace alig::core {

inline std::string formatNumber(double value) {
    std::ostringstream s;
    s << value;
    return s.str();
}

} // namespace alig::core
