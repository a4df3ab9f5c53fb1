#include "ui/run/refresh_pacer.h"

#include <QCoreApplication>
#include <QPointer>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace alig::ui {

RefreshPacer& RefreshPacer::instance() {
    // Parented to the application, so it goes with it (and a test's new application gets a
    // new one).
    static QPointer<RefreshPacer> pacer;
    if (!pacer) pacer = new RefreshPacer();
    return *pacer;
}

RefreshPacer::RefreshPacer()
    : QObject(QCoreApplication::instance()) {
    m_wall.start();
    m_lastWallNs = m_wall.nsecsElapsed();
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &RefreshPacer::measure);
    m_timer.start();
}

qint64 RefreshPacer::threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<qint64>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

int RefreshPacer::interval(int baseMs) const {
    const double ms = std::round(baseMs * m_scale);
    return static_cast<int>(std::clamp(ms, static_cast<double>(baseMs),
                                       static_cast<double>(std::max(baseMs, kMaxIntervalMs))));
}

double RefreshPacer::nextScale(double scale, double busyShare, double budget) {
    if (!(busyShare >= 0.0) || !(budget > 0.0)) return scale;
    double next = scale;
    if (busyShare > budget)
        next = scale * std::min(2.0, busyShare / budget);
    else if (busyShare < 0.5 * budget)
        next = scale * 0.8;
    return std::clamp(next, 1.0, kMaxScale);
}

void RefreshPacer::measure() {
    const qint64 wall = m_wall.nsecsElapsed();
    const qint64 dWall = wall - m_lastWallNs;
    if (dWall < 100000000) return; // under 0.1 s: too short to tell
    m_busyShare = static_cast<double>(m_costNs) / static_cast<double>(dWall);
    m_costNs = 0;
    m_lastWallNs = wall;
    setScale(nextScale(m_scale, m_busyShare, m_budget));
}

namespace {
// The GUI thread's open cost scopes and when the outermost began.
int g_costDepth = 0;
qint64 g_costStartNs = 0;
} // namespace

void RefreshPacer::beginCost() {
    if (g_costDepth++ == 0) g_costStartNs = threadCpuNs();
}

void RefreshPacer::endCost() {
    if (g_costDepth == 0) return;
    if (--g_costDepth == 0) instance().addCost(threadCpuNs() - g_costStartNs);
}

RefreshPacer::Cost::Cost() {
    beginCost();
}

RefreshPacer::Cost::~Cost() {
    endCost();
}

void RefreshPacer::setScale(double scale) {
    scale = std::clamp(scale, 1.0, kMaxScale);
    if (scale == m_scale) return;
    m_scale = scale;
    Q_EMIT scaleChanged(m_scale);
}

} // namespace alig::ui
