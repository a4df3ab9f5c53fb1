#include "ui/classroom/animation_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace alig::ui {

AnimationDialog::AnimationDialog(std::vector<Source> sources, int current, QWidget* parent)
    : QDialog(parent)
    , m_sources(std::move(sources)) {
    setObjectName("AnimationDialog");
    setWindowTitle(tr("Export Animation"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_source = new QComboBox;
    for (const Source& s : m_sources)
        m_source->addItem(s.name);
    m_source->setCurrentIndex(std::clamp(current, 0, static_cast<int>(m_sources.size()) - 1));
    form->addRow(tr("Record"), m_source);

    auto browseRow = [this](QLineEdit* edit, bool folder) {
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        auto* browse = new QPushButton(tr("Browse…"));
        connect(browse, &QPushButton::clicked, this, [this, edit, folder] {
            const QString path =
                folder ? QFileDialog::getExistingDirectory(this, tr("Folder for the frames"),
                                                           edit->text())
                       : QFileDialog::getSaveFileName(this, tr("Animated GIF"), edit->text(),
                                                      tr("GIF images (*.gif)"));
            if (!path.isEmpty()) edit->setText(path);
        });
        row->addWidget(browse);
        return row;
    };
    m_gif = new QLineEdit;
    m_gif->setPlaceholderText(tr("animation.gif (empty: no GIF)"));
    form->addRow(tr("GIF file"), browseRow(m_gif, false));
    m_pngs = new QCheckBox(tr("Also numbered PNG frames (frame-0001.png, …) in"));
    form->addRow(m_pngs);
    m_framesDir = new QLineEdit;
    m_framesDir->setEnabled(false);
    form->addRow(tr("Frames folder"), browseRow(m_framesDir, true));
    connect(m_pngs, &QCheckBox::toggled, m_framesDir, &QWidget::setEnabled);
    m_fps = new QSpinBox;
    m_fps->setRange(1, 50);
    m_fps->setValue(10);
    m_fps->setSuffix(tr(" frames per second"));
    form->addRow(tr("Frame rate"), m_fps);
    m_frames = new QSpinBox;
    m_frames->setRange(1, 5000);
    m_frames->setValue(100);
    m_frames->setSuffix(tr(" frames"));
    form->addRow(tr("Length"), m_frames);
    m_length = new QLabel;
    form->addRow(QString(), m_length);
    layout->addLayout(form);
    m_progress = new QProgressBar;
    m_progress->setRange(0, m_frames->value());
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_record = buttons->addButton(tr("Record"), QDialogButtonBox::ActionRole);
    m_cancel = buttons->addButton(tr("Cancel recording"), QDialogButtonBox::ActionRole);
    m_cancel->setEnabled(false);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_record, &QPushButton::clicked, this, [this] {
        const QString why = record();
        if (!why.isEmpty()) m_status->setText(why);
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_recorder) m_recorder->cancel();
    });
    connect(m_fps, &QSpinBox::valueChanged, this, &AnimationDialog::updateLength);
    connect(m_frames, &QSpinBox::valueChanged, this, &AnimationDialog::updateLength);
    updateLength();
}

void AnimationDialog::updateLength() {
    m_length->setText(
        tr("%1 s of animation").arg(double(m_frames->value()) / m_fps->value(), 0, 'f', 1));
}

AnimationSettings AnimationDialog::settings() const {
    AnimationSettings s;
    s.gifPath = m_gif->text().trimmed();
    s.framesDir = m_pngs->isChecked() ? m_framesDir->text().trimmed() : QString();
    s.framesPerSecond = m_fps->value();
    s.frames = m_frames->value();
    return s;
}

void AnimationDialog::setGifPath(const QString& path) {
    m_gif->setText(path);
}

void AnimationDialog::setFramesDir(const QString& dir) {
    m_pngs->setChecked(!dir.isEmpty());
    m_framesDir->setText(dir);
}

void AnimationDialog::setFrameRate(int fps) {
    m_fps->setValue(fps);
}

void AnimationDialog::setFrames(int frames) {
    m_frames->setValue(frames);
}

QString AnimationDialog::statusText() const {
    return m_status->text();
}

QString AnimationDialog::record() {
    if (m_recorder && m_recorder->isRecording()) return tr("Already recording.");
    if (m_pngs->isChecked() && m_framesDir->text().trimmed().isEmpty())
        return tr("Choose a folder for the PNG frames, or untick them.");
    const Source& source = m_sources.at(static_cast<size_t>(m_source->currentIndex()));
    delete m_recorder;
    m_recorder = new AnimationRecorder(source.widget, settings(), this);
    m_recorder->beforeFrame = source.beforeFrame;
    m_progress->setRange(0, m_frames->value());
    m_progress->setValue(0);
    connect(m_recorder, &AnimationRecorder::progress, m_progress, &QProgressBar::setValue);
    connect(m_recorder, &AnimationRecorder::finished, this, [this](bool ok, const QString& m) {
        m_status->setText(ok ? tr("Done: %1").arg(m) : m);
        m_record->setEnabled(true);
        m_cancel->setEnabled(false);
        Q_EMIT recorded(ok, m);
    });
    if (!m_recorder->start()) return m_recorder->error();
    m_status->setText(tr("Recording %1…").arg(source.name));
    m_record->setEnabled(false);
    m_cancel->setEnabled(true);
    return {};
}

} // namespace alig::ui
