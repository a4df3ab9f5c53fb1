#pragma once
// The Loss-surface tab: a 2-D problem (core/landscape Surface) drawn as banded heat map,
// a start point chosen by a click, and several of our optimizers (core/landscape
// Trajectory, i.e. makeOptimizer on a 2-element parameter) run from it, their paths drawn in
// the run colours, animated step by step or run to the end, with a table of each path's
// steps (position, loss, step size, clipped, the sample drawn on stochastic problems),
// exportable as CSV. The surface shows as colour bands, contour lines or both; a path that
// lies exactly on another is drawn dashed over it, with a note that says so.

#include "core/landscape/surface.h"
#include "core/landscape/trajectory.h"
#include "ui/plots/qcustomplot_include.h"

#include <QTimer>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace alig::ui {

class NumberSpinBox;

class SurfaceView : public QWidget {
    Q_OBJECT

public:
    explicit SurfaceView(QWidget* parent = nullptr);
    ~SurfaceView() override;

    // Selects a surface by key (core::surfaceNames()); resets the paths to its default start.
    void setSurface(const QString& name);
    QString surfaceName() const;
    const core::Surface& surface() const { return *m_surface; }

    void setStart(double x, double y); // resets the paths
    QPointF start() const { return m_start; }
    // Paths of the ticked optimizers: one step each (animation), all steps, or back to 0.
    void stepAll();
    void runToEnd();
    void resetPaths();
    void setAnimating(bool on);
    bool isAnimating() const { return m_timer.isActive(); }
    void setStepCount(int steps);

    // The optimizers offered, in order: "alig", "alig-momentum", "sgd", "sgd-momentum", "adam",
    // and "other", whose method is any of the catalogue's (otherMethodCombo()).
    QStringList optimizerKeys() const;
    void setOptimizerEnabled(const QString& key, bool on);
    void setOptimizerRate(const QString& key, double rate);
    // The path of an optimizer (nullptr when it is not ticked).
    const core::Trajectory* trajectory(const QString& key) const;
    QCPCurve* curve(const QString& key) const;
    QTableWidget* table() const { return m_table; }
    QComboBox* otherMethodCombo() const { return m_otherMethod; }
    QCustomPlot* plot() const { return m_plot; }
    // Shows the steps of this optimizer's path in the table.
    void setTableOptimizer(const QString& key);
    // Writes every step of an optimizer's path as CSV; returns "" or what went wrong.
    QString exportPathCsv(const QString& key, const QString& path) const;

    // How the surface is drawn: "colours", "contours" or "both".
    void setSurfaceStyle(const QString& style);
    QString surfaceStyle() const;
    QCPCurve* contourCurve() const { return m_contours; }
    // The notes for paths that lie on others ("ALI-G's path is under SGD's: ..."), and whether
    // a path is drawn dashed for it.
    QStringList overlapNotes() const { return m_overlapNotes; }
    bool isDashed(const QString& key) const;

    void setPresentation(bool on);

Q_SIGNALS:
    void pathsChanged();

private:
    struct Path;
    void buildPaths();
    void redrawSurface();
    void updateCurves();
    void refreshTable(bool rebuild);
    void applySurfaceDefaults();
    void drawContours();
    void findOverlaps();
    // The "other" path's method from its combo box, at its default step on this surface.
    void applyOtherMethod();
    Path* find(const QString& key) const;

    std::unique_ptr<core::Surface> m_surface;
    QPointF m_start;
    std::vector<std::unique_ptr<Path>> m_paths;
    int m_steps = 100;
    int m_tableRows = 0;
    bool m_presentation = false;
    QTimer m_timer;

    QComboBox* m_surfaceCombo = nullptr;
    QComboBox* m_tableCombo = nullptr;
    QComboBox* m_otherMethod = nullptr;
    QLabel* m_description = nullptr;
    QLabel* m_summary = nullptr;
    QSpinBox* m_stepSpin = nullptr;
    QSpinBox* m_seedSpin = nullptr;
    QPushButton *m_animate = nullptr, *m_step = nullptr, *m_toEnd = nullptr, *m_reset = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPGraph* m_startMarker = nullptr;
    QCPGraph* m_minimaMarker = nullptr;
    QCPTextElement* m_title = nullptr;
    QCPCurve* m_contours = nullptr;
    QCPItemText* m_overlapNote = nullptr;
    QStringList m_overlapNotes;
    QComboBox* m_styleCombo = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QTableWidget* m_table = nullptr;
};

} // namespace alig::ui
