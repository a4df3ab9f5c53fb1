#include "ui/classroom/lesson.h"

#include "core/data/dataset_config.h"
#include "core/experiment/experiment_config.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <QObject>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

namespace alig::ui {

namespace fs = std::filesystem;
using core::Error;
using nlohmann::json;

namespace {

void onlyKeys(const json& object, std::initializer_list<const char*> keys,
              const std::string& where) {
    for (const auto& [key, value] : object.items())
        if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
            std::string known;
            for (const char* k : keys)
                known += (known.empty() ? "" : ", ") + std::string(k);
            throw Error(where + ": unknown key \"" + key + "\" (known: " + known + ")");
        }
}

QString textOf(const json& object, const char* key, const std::string& where, bool required) {
    if (!object.contains(key)) {
        if (required) throw Error(where + ": \"" + key + "\" is missing");
        return {};
    }
    const json& v = object[key];
    if (!v.is_string()) throw Error(where + "." + key + ": must be text");
    if (required && v.get<std::string>().empty()) throw Error(where + "." + key + ": is empty");
    return QString::fromStdString(v.get<std::string>());
}

int64_t countOf(const json& v, const std::string& where) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw Error(where + ": must be a whole number >= 1, got " + v.dump());
    return v.get<int64_t>();
}

// The value at a dotted path of the experiment's JSON ("optimizer.max_lr"), or null.
const json* at(const json& document, const std::string& path) {
    const json* node = &document;
    size_t start = 0;
    while (true) {
        const size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
        if (!node->is_object() || !node->contains(key)) return nullptr;
        node = &(*node)[key];
        if (dot == std::string::npos) return node;
        start = dot + 1;
    }
}

LessonCondition parseCondition(const json& u, const std::string& where, const json& experiment) {
    LessonCondition c;
    if (!u.is_object()) throw Error(where + ": must be an object");
    onlyKeys(u, {"steps", "epochs", "setting", "at_least", "at_most", "equals", "changed"}, where);
    const int kinds = static_cast<int>(u.contains("steps")) +
                      static_cast<int>(u.contains("epochs")) +
                      static_cast<int>(u.contains("setting"));
    if (kinds != 1)
        throw Error(where + ": needs exactly one of \"steps\", \"epochs\" or \"setting\"");
    if (u.contains("steps")) {
        c.kind = LessonCondition::Kind::Steps;
        c.count = countOf(u["steps"], where + ".steps");
    } else if (u.contains("epochs")) {
        c.kind = LessonCondition::Kind::Epochs;
        c.count = countOf(u["epochs"], where + ".epochs");
    } else {
        c.kind = LessonCondition::Kind::Setting;
        if (!u["setting"].is_string()) throw Error(where + ".setting: must be text");
        c.setting = u["setting"].get<std::string>();
        if (!at(experiment, c.setting))
            throw Error(where + ".setting: the experiment has no field \"" + c.setting +
                        "\" (write it as in an experiment file, e.g. \"optimizer.max_lr\")");
        for (const char* bound : {"at_least", "at_most"})
            if (u.contains(bound)) {
                if (!u[bound].is_number()) throw Error(where + "." + bound + ": must be a number");
                (std::string(bound) == "at_least" ? c.atLeast : c.atMost) = u[bound].get<double>();
            }
        if (u.contains("equals")) c.equals = u["equals"];
        if (u.contains("changed")) {
            if (!u["changed"].is_boolean()) throw Error(where + ".changed: must be true or false");
            c.changed = u["changed"].get<bool>();
        }
        if (!c.atLeast && !c.atMost && !c.equals && !c.changed)
            throw Error(where + ": a setting needs \"at_least\", \"at_most\", \"equals\" or "
                                "\"changed\": true");
    }
    for (const char* k : {"at_least", "at_most", "equals", "changed"})
        if (c.kind != LessonCondition::Kind::Setting && u.contains(k))
            throw Error(where + "." + k + ": only with \"setting\"");
    return c;
}

} // namespace

Lesson parseLesson(const json& d, const std::string& where) {
    if (!d.is_object()) throw Error(where + ": a lesson must be a JSON object");
    onlyKeys(d, {"title", "summary", "preset", "experiment", "speed", "steps"}, where);
    Lesson l;
    l.title = textOf(d, "title", where, true);
    l.summary = textOf(d, "summary", where, false);
    json experiment = json::object();
    if (d.contains("preset")) {
        if (!d["preset"].is_string()) throw Error(where + ".preset: must be text");
        try {
            experiment = core::loadPreset(d["preset"].get<std::string>());
        } catch (const Error& e) {
            throw Error(where + ".preset: " + e.what());
        }
    }
    if (d.contains("experiment")) {
        if (!d["experiment"].is_object()) throw Error(where + ".experiment: must be an object");
        experiment.merge_patch(d["experiment"]);
    }
    core::ExperimentConfig config;
    try {
        config = core::ExperimentConfig::fromJson(experiment);
    } catch (const Error& e) {
        throw Error(where + ": its experiment: " + e.what());
    }
    const std::string kind = config.dataset.kind;
    if (!core::isSyntheticKind(kind) && kind != "csv")
        throw Error(where +
                    ": the Playground draws 2-D sets (spirals, circles, moons, xor, "
                    "blobs or a CSV file), not dataset.kind \"" +
                    kind + "\"");
    if (config.model.type != "mlp" && config.model.type != "linear")
        throw Error(where + ": the Playground trains an MLP or a linear model, not model.type \"" +
                    config.model.type + "\"");
    l.experiment = config.toJson();
    if (d.contains("speed")) {
        const json& s = d["speed"];
        if (!s.is_number_integer() || s.get<int>() < 0)
            throw Error(where + ".speed: must be steps per second (0: full speed), got " +
                        s.dump());
        l.speed = s.get<int>();
    }
    if (!d.contains("steps") || !d["steps"].is_array() || d["steps"].empty())
        throw Error(where + ".steps: must be a list of at least one step");
    for (size_t i = 0; i < d["steps"].size(); ++i) {
        const std::string here = where + ".steps[" + std::to_string(i) + "]";
        const json& s = d["steps"][i];
        if (!s.is_object()) throw Error(here + ": must be an object");
        onlyKeys(s, {"do", "question", "until"}, here);
        LessonStep step;
        step.text = textOf(s, "do", here, true);
        step.question = textOf(s, "question", here, false);
        if (s.contains("until"))
            step.until = parseCondition(s["until"], here + ".until", l.experiment);
        l.steps.push_back(std::move(step));
    }
    return l;
}

Lesson loadLesson(const std::string& path) {
    Lesson l = parseLesson(core::readJsonObjectFile(path), path);
    l.path = path;
    l.name = fs::path(path).stem().string();
    return l;
}

bool conditionMet(const LessonCondition& c, const LessonState& now, const LessonState& atStart) {
    switch (c.kind) {
    case LessonCondition::Kind::None:
        return true;
    case LessonCondition::Kind::Steps:
        return now.steps >= c.count;
    case LessonCondition::Kind::Epochs:
        return now.epochs >= c.count;
    case LessonCondition::Kind::Setting: {
        const json* v = at(now.experiment, c.setting);
        if (!v) return false;
        if (c.changed) {
            const json* before = at(atStart.experiment, c.setting);
            if (before && *before == *v) return false;
        }
        if ((c.atLeast || c.atMost) && !v->is_number()) return false;
        if (c.atLeast && v->get<double>() < *c.atLeast * (1.0 - 1e-9)) return false;
        if (c.atMost && v->get<double>() > *c.atMost * (1.0 + 1e-9)) return false;
        if (c.equals && *v != *c.equals) return false;
        return true;
    }
    }
    return false;
}

QString describeCondition(const LessonCondition& c) {
    const QString field = QString::fromStdString(c.setting);
    switch (c.kind) {
    case LessonCondition::Kind::None:
        return QObject::tr("press Next when ready");
    case LessonCondition::Kind::Steps:
        return QObject::tr("Next unlocks at step %1").arg(c.count);
    case LessonCondition::Kind::Epochs:
        return QObject::tr("Next unlocks at epoch %1").arg(c.count);
    case LessonCondition::Kind::Setting: {
        QStringList parts;
        if (c.changed) parts << QObject::tr("%1 changed").arg(field);
        if (c.atLeast) parts << QObject::tr("%1 ≥ %2").arg(field).arg(*c.atLeast);
        if (c.atMost) parts << QObject::tr("%1 ≤ %2").arg(field).arg(*c.atMost);
        if (c.equals)
            parts << QObject::tr("%1 = %2").arg(
                field, QString::fromStdString(c.equals->is_string() ? c.equals->get<std::string>()
                                                                    : c.equals->dump()));
        return QObject::tr("Next unlocks when %1").arg(parts.join(QObject::tr(" and ")));
    }
    }
    return {};
}

std::vector<std::string> lessonDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("ALIG_LESSON_DIR"); env && *env) dirs.emplace_back(env);
    dirs.push_back((fs::path(core::userDataDir()) / "lessons").string());
    dirs.emplace_back(ALIG_LESSON_DIR_BUILD);
    dirs.emplace_back(ALIG_LESSON_DIR_INSTALL);
    return dirs;
}

std::vector<LessonInfo> listLessons() {
    std::vector<LessonInfo> out;
    std::set<std::string> seen;
    for (const std::string& dir : lessonDirs()) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".json") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            const std::string name = file.stem().string();
            if (!seen.insert(name).second) continue;
            try {
                const Lesson l = loadLesson(file.string());
                out.push_back({name, file.string(), l.title, {}});
            } catch (const Error& e) {
                out.push_back({name, file.string(), QString::fromStdString(name),
                               QString::fromStdString(e.what())});
            }
        }
    }
    std::sort(out.begin(), out.end(),
              [](const LessonInfo& a, const LessonInfo& b) { return a.name < b.name; });
    return out;
}

} // namespace alig::ui
