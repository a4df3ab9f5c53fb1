#pragma once
// File > Export Animation: which view to record, a GIF file and/or a folder of numbered PNG
// frames, the frame rate and the length, a progress bar, and Record/Cancel. The recording
// itself is AnimationRecorder's (animation_export.h).

#include "ui/classroom/animation_export.h"

#include <QDialog>
#include <QPointer>

#include <functional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace alig::ui {

class AnimationDialog : public QDialog {
    Q_OBJECT

public:
    // One view the dialog offers: its name, the widget, and what to do before each frame
    // (may be empty; returns false to end early).
    struct Source {
        QString name;
        QPointer<QWidget> widget;
        std::function<bool()> beforeFrame;
    };
    AnimationDialog(std::vector<Source> sources, int current, QWidget* parent = nullptr);

    // The settings the controls describe.
    AnimationSettings settings() const;
    void setGifPath(const QString& path);
    void setFramesDir(const QString& dir); // "" for no PNG frames
    void setFrameRate(int fps);
    void setFrames(int frames);
    // Starts recording; "" or why it cannot.
    QString record();
    AnimationRecorder* recorder() const { return m_recorder; }
    QProgressBar* progressBar() const { return m_progress; }
    QString statusText() const;

Q_SIGNALS:
    void recorded(bool ok, const QString& message);

private:
    void updateLength();

    std::vector<Source> m_sources;
    QComboBox* m_source = nullptr;
    QLineEdit* m_gif = nullptr;
    QCheckBox* m_pngs = nullptr;
    QLineEdit* m_framesDir = nullptr;
    QSpinBox* m_fps = nullptr;
    QSpinBox* m_frames = nullptr;
    QLabel* m_length = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPushButton *m_record = nullptr, *m_cancel = nullptr;
    AnimationRecorder* m_recorder = nullptr;
};

} // namespace alig::ui
