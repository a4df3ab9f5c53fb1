#pragma once
// Animations for slides: frames grabbed from a widget (a plot, the Playground, the Loss
// surface) at a frame rate, written as an animated GIF (giflib) and/or numbered PNG files.
// Each GIF frame has its own palette of the frame's 256 most frequent colours, exact: a plot
// is mostly flat white, greys and a few series colours, so lines, text and markers keep their
// colours exactly and only gradients (the decision boundary's map, anti-aliased edges) take
// their nearest palette colour.

#include <QImage>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>

class QWidget;

namespace alig::ui {

// Writes an animated GIF that loops forever, one frame at a time.
class GifWriter {
public:
    GifWriter();
    ~GifWriter();
    GifWriter(const GifWriter&) = delete;
    GifWriter& operator=(const GifWriter&) = delete;

    // `delayMs`: how long each frame shows (GIF counts hundredths of a second, at least 2).
    bool open(const QString& path, int width, int height, int delayMs);
    // A frame of another size is scaled to the GIF's.
    bool addFrame(const QImage& frame);
    bool close();
    QString error() const { return m_error; }
    int frames() const { return m_frames; }

private:
    struct File;
    std::unique_ptr<File> m_file;
    QString m_path, m_error;
    int m_width = 0, m_height = 0, m_delayCs = 10, m_frames = 0;
};

// What to record and where.
struct AnimationSettings {
    QString gifPath;   // "" for none
    QString framesDir; // numbered PNGs frame-0001.png ... there; "" for none
    int framesPerSecond = 10;
    int frames = 50;
    int maxWidth = 1280; // larger widgets are scaled down to this width
};

// Grabs the widget `frames` times at the frame rate (the widget keeps doing what it does,
// e.g. training), writing each frame as it comes. `beforeFrame` may advance what is shown
// (the Loss surface steps its paths) and returns false to end early.
class AnimationRecorder : public QObject {
    Q_OBJECT

public:
    AnimationRecorder(QWidget* widget, AnimationSettings settings, QObject* parent = nullptr);
    ~AnimationRecorder() override;

    std::function<bool()> beforeFrame;
    // Checks the settings and the output files, then starts; false with error() when not.
    bool start();
    void cancel();
    bool isRecording() const { return m_timer.isActive(); }
    QString error() const { return m_error; }
    int framesWritten() const { return m_written; }

Q_SIGNALS:
    void progress(int done, int total);
    // Always once, after start() succeeded: ok, or the reason it stopped.
    void finished(bool ok, const QString& message);

private:
    void frame();
    void finish(bool ok, const QString& message);

    QPointer<QWidget> m_widget;
    AnimationSettings m_settings;
    GifWriter m_gif;
    bool m_gifOpen = false;
    QTimer m_timer;
    int m_written = 0;
    bool m_inFrame = false; // beforeFrame may run the event loop: no frame inside a frame
    QString m_error;
};

} // namespace alig::ui
