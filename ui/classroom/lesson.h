#pragma once
// Guided lessons for the Playground: a JSON file (docs/lessons.md) names an experiment (a
// preset and fields over it), a training speed, and numbered steps. Each step says what to
// do, asks a question to think about, and may say what unlocks the next one: the step counter
// reaching a number, the epoch counter, or a setting of the experiment reaching a value or
// changing. The files live in resources/lessons (installed to the share folder) and in the
// user's own lessons folder, so a teacher can write their own.

#include <nlohmann/json.hpp>

#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace alig::ui {

// What unlocks the next step. Kind::None: the learner presses Next when ready.
struct LessonCondition {
    enum class Kind { None, Steps, Epochs, Setting };
    Kind kind = Kind::None;
    int64_t count = 0;   // Steps, Epochs: the counter reaches it
    std::string setting; // Setting: a field of the experiment, "optimizer.max_lr"
    std::optional<double> atLeast, atMost;
    std::optional<nlohmann::json> equals;
    bool changed = false; // Setting: any value other than the one the step started with
};

struct LessonStep {
    QString text;     // what to do, one or two sentences
    QString question; // something to think about while doing it ("" for none)
    LessonCondition until;
};

struct Lesson {
    std::string name; // the file name without .json
    std::string path;
    QString title, summary;
    nlohmann::json experiment; // the full experiment JSON the lesson starts from
    int speed = -1;            // Playground steps per second (0: full speed; -1: leave it)
    std::vector<LessonStep> steps;
};

// Where the learner is, for checking a condition.
struct LessonState {
    int64_t steps = 0, epochs = 0;
    nlohmann::json experiment; // the experiment's JSON as the controls describe it
};

// Parses a lesson document; `where` names it in messages. Throws alig::core::Error naming
// the file and the field for unknown keys, missing text, bad conditions and unknown presets.
Lesson parseLesson(const nlohmann::json& document, const std::string& where);
Lesson loadLesson(const std::string& path);
// Whether `c` holds now; `atStart` is the state when its step began (for "changed").
bool conditionMet(const LessonCondition& c, const LessonState& now, const LessonState& atStart);
// A short description of a condition, for the panel: "unlocks at step 5".
QString describeCondition(const LessonCondition& c);

// Folders searched for lessons, first match of a name wins: $ALIG_LESSON_DIR, the user's
// data folder's lessons (userDataDir()/lessons), the source tree's resources/lessons for a
// build run in place, then the installed share folder.
std::vector<std::string> lessonDirs();
struct LessonInfo {
    std::string name, path;
    QString title;
    QString problem; // why the file cannot be used ("" when it can)
};
// Every lesson found, sorted by name; a file that does not parse is listed with its problem.
std::vector<LessonInfo> listLessons();

} // namespace alig::ui
