#pragma once
// A config choice that is text in the JSON and an enum in the engine: its table lists each
// value's JSON name once, and it is parsed once where a config enters the engine (validation,
// the trainer's constructor, the model and dataset factories), so that no step compares text.

#include "core/util/error.h"

#include <string>
#include <utility>
#include <vector>

namespace alig::core {

template <class E> class ChoiceTable {
public:
    ChoiceTable(std::string field, std::vector<std::pair<std::string, E>> entries)
        : m_field(std::move(field))
        , m_entries(std::move(entries)) {
        for (const auto& entry : m_entries)
            m_names.push_back(entry.first);
    }

    // The value named `text`; throws Error "<field>: must be one of a, b, c, got "x"".
    E parse(const std::string& text) const {
        for (const auto& [name, value] : m_entries)
            if (name == text) return value;
        throw Error(m_field + ": must be one of " + known() + ", got \"" + text + "\"");
    }
    bool contains(const std::string& text) const {
        for (const auto& entry : m_entries)
            if (entry.first == text) return true;
        return false;
    }
    // The JSON name of `value`.
    const std::string& name(E value) const {
        for (const auto& entry : m_entries)
            if (entry.second == value) return entry.first;
        return m_field; // unreachable for a value of the table
    }
    // Every name, in the table's order (menus, help texts).
    const std::vector<std::string>& names() const { return m_names; }
    // "a, b, c"
    std::string known() const {
        std::string text;
        for (const std::string& n : m_names)
            text += (text.empty() ? "" : ", ") + n;
        return text;
    }
    const std::string& field() const { return m_field; }

private:
    std::string m_field;
    std::vector<std::pair<std::string, E>> m_entries;
    std::vector<std::string> m_names;
};

} // namespace alig::core
