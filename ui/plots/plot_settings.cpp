#include "ui/plots/plot_settings.h"

#include <QSettings>

#include <algorithm>
#include <cmath>

namespace alig::ui {

QString xAxisModeKey(XAxisMode mode) {
    switch (mode) {
    case XAxisMode::Step:
        return QStringLiteral("step");
    case XAxisMode::Epoch:
        return QStringLiteral("epoch");
    case XAxisMode::WallTime:
        return QStringLiteral("wall_time");
    }
    return QStringLiteral("step");
}

XAxisMode xAxisModeFromKey(const QString& key, bool* ok) {
    for (XAxisMode mode : {XAxisMode::Step, XAxisMode::Epoch, XAxisMode::WallTime}) {
        if (key == xAxisModeKey(mode)) {
            if (ok) *ok = true;
            return mode;
        }
    }
    if (ok) *ok = false;
    return XAxisMode::Step;
}

void PlotSettings::save(QSettings& settings) const {
    settings.beginGroup(QStringLiteral("plots"));
    settings.setValue(QStringLiteral("x_axis"), xAxisModeKey(xAxis));
    settings.setValue(QStringLiteral("smoothing"), smoothing);
    settings.setValue(QStringLiteral("log_loss"), logLoss);
    settings.setValue(QStringLiteral("log_step_size"), logStepSize);
    settings.setValue(QStringLiteral("log_grad_norm"), logGradNorm);
    settings.setValue(QStringLiteral("show_raw_loss"), showRawLoss);
    settings.setValue(QStringLiteral("show_effective_step"), showEffectiveStep);
    settings.setValue(QStringLiteral("log_x"), logX);
    settings.setValue(QStringLiteral("seed_groups"), static_cast<int>(seedGroups));
    settings.setValue(QStringLiteral("quantities"), shownQuantities);
    settings.endGroup();
}

void PlotSettings::load(QSettings& settings) {
    settings.beginGroup(QStringLiteral("plots"));
    bool ok = false;
    const XAxisMode mode =
        xAxisModeFromKey(settings.value(QStringLiteral("x_axis")).toString(), &ok);
    if (ok) xAxis = mode;
    const double s = settings.value(QStringLiteral("smoothing"), smoothing).toDouble(&ok);
    if (ok && std::isfinite(s)) smoothing = std::clamp(s, 0.0, kMaxSmoothing);
    const auto readBool = [&settings](const char* key, bool& value) {
        value = settings.value(QLatin1String(key), value).toBool();
    };
    readBool("log_loss", logLoss);
    readBool("log_step_size", logStepSize);
    readBool("log_grad_norm", logGradNorm);
    readBool("show_raw_loss", showRawLoss);
    readBool("show_effective_step", showEffectiveStep);
    readBool("log_x", logX);
    const int groups = settings.value(QStringLiteral("seed_groups"), 0).toInt(&ok);
    if (ok && groups >= 0 && groups <= static_cast<int>(SeedGroups::MinMax))
        seedGroups = static_cast<SeedGroups>(groups);
    shownQuantities = settings.value(QStringLiteral("quantities"), shownQuantities).toStringList();
    settings.endGroup();
}

bool PlotSettings::operator==(const PlotSettings& o) const {
    return xAxis == o.xAxis && smoothing == o.smoothing && logLoss == o.logLoss &&
           logStepSize == o.logStepSize && logGradNorm == o.logGradNorm && follow == o.follow &&
           showRawLoss == o.showRawLoss && showEffectiveStep == o.showEffectiveStep &&
           logX == o.logX && seedGroups == o.seedGroups && shownQuantities == o.shownQuantities;
}

} // namespace alig::ui
