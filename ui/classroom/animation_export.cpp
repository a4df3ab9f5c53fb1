#include "ui/classroom/animation_export.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QScopedValueRollback>
#include <QWidget>

#include <gif_lib.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace alig::ui {

namespace {

QString gifError(int code) {
    const char* text = GifErrorString(code);
    return text ? QString::fromLatin1(text) : QStringLiteral("giflib error %1").arg(code);
}

// The frame's colours as palette indices, with the palette: the frame's 256 most frequent
// colours, exact; any other colour maps to its nearest palette colour.
void quantize(const QImage& image, std::vector<GifColorType>& palette,
              std::vector<GifByteType>& pixels) {
    const int w = image.width(), h = image.height();
    std::unordered_map<QRgb, int> count;
    for (int y = 0; y < h; ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
        for (int x = 0; x < w; ++x)
            ++count[line[x] | 0xff000000u];
    }
    std::vector<std::pair<QRgb, int>> colours(count.begin(), count.end());
    std::sort(colours.begin(), colours.end(), [](const auto& a, const auto& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    if (colours.size() > 256) colours.resize(256);
    palette.assign(256, GifColorType{0, 0, 0});
    std::unordered_map<QRgb, int> index;
    for (size_t i = 0; i < colours.size(); ++i) {
        const QRgb c = colours[i].first;
        palette[i] =
            GifColorType{static_cast<GifByteType>(qRed(c)), static_cast<GifByteType>(qGreen(c)),
                         static_cast<GifByteType>(qBlue(c))};
        index[c] = static_cast<int>(i);
    }
    // The others, nearest by a weighted distance (green weighs most), cached per colour.
    auto lookup = [&](QRgb c) {
        if (auto it = index.find(c); it != index.end()) return it->second;
        int best = 0;
        long bestD = -1;
        for (size_t i = 0; i < colours.size(); ++i) {
            const long dr = qRed(c) - palette[i].Red, dg = qGreen(c) - palette[i].Green,
                       db = qBlue(c) - palette[i].Blue;
            const long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
            if (bestD < 0 || d < bestD) bestD = d, best = static_cast<int>(i);
        }
        index[c] = best;
        return best;
    };
    pixels.resize(static_cast<size_t>(w) * h);
    for (int y = 0; y < h; ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
        for (int x = 0; x < w; ++x)
            pixels[static_cast<size_t>(y) * w + x] =
                static_cast<GifByteType>(lookup(line[x] | 0xff000000u));
    }
}

} // namespace

struct GifWriter::File {
    GifFileType* gif = nullptr;
};

GifWriter::GifWriter()
    : m_file(std::make_unique<File>()) {}

GifWriter::~GifWriter() {
    if (m_file->gif) close();
}

bool GifWriter::open(const QString& path, int width, int height, int delayMs) {
    m_path = path;
    m_width = width;
    m_height = height;
    m_delayCs = std::max(2, (delayMs + 5) / 10);
    m_frames = 0;
    int err = 0;
    // Created with the umask's permissions, as any other file the program writes (giflib's
    // EGifOpenFileName makes it owner-only).
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        m_error = QStringLiteral("%1: cannot create the GIF (%2)")
                      .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_file->gif = EGifOpenFileHandle(fd, &err);
    if (!m_file->gif) {
        ::close(fd);
        m_error = QStringLiteral("%1: cannot create the GIF (%2)").arg(path, gifError(err));
        return false;
    }
    EGifSetGifVersion(m_file->gif, true);
    if (EGifPutScreenDesc(m_file->gif, width, height, 8, 0, nullptr) == GIF_ERROR) {
        m_error = QStringLiteral("%1: %2").arg(path, gifError(m_file->gif->Error));
        return false;
    }
    // NETSCAPE2.0: loop forever, as slides expect.
    static const GifByteType loop[3] = {1, 0, 0};
    if (EGifPutExtensionLeader(m_file->gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(m_file->gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
        EGifPutExtensionBlock(m_file->gif, 3, loop) == GIF_ERROR ||
        EGifPutExtensionTrailer(m_file->gif) == GIF_ERROR) {
        m_error = QStringLiteral("%1: %2").arg(path, gifError(m_file->gif->Error));
        return false;
    }
    return true;
}

bool GifWriter::addFrame(const QImage& frame) {
    if (!m_file->gif) {
        m_error = QStringLiteral("%1: the GIF is not open").arg(m_path);
        return false;
    }
    QImage image =
        frame.size() == QSize(m_width, m_height)
            ? frame
            : frame.scaled(m_width, m_height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    image = image.convertToFormat(QImage::Format_RGB32);
    std::vector<GifColorType> palette;
    std::vector<GifByteType> pixels;
    quantize(image, palette, pixels);
    ColorMapObject* map = GifMakeMapObject(256, palette.data());
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = m_delayCs;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    EGifGCBToExtension(&gcb, ext);
    bool ok = EGifPutExtension(m_file->gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_ERROR &&
              EGifPutImageDesc(m_file->gif, 0, 0, m_width, m_height, false, map) != GIF_ERROR;
    for (int y = 0; ok && y < m_height; ++y)
        ok = EGifPutLine(m_file->gif, pixels.data() + static_cast<size_t>(y) * m_width, m_width) !=
             GIF_ERROR;
    GifFreeMapObject(map);
    if (!ok) {
        m_error = QStringLiteral("%1: frame %2: %3")
                      .arg(m_path)
                      .arg(m_frames + 1)
                      .arg(gifError(m_file->gif->Error));
        return false;
    }
    ++m_frames;
    return true;
}

bool GifWriter::close() {
    if (!m_file->gif) return m_error.isEmpty();
    int err = 0;
    const bool ok = EGifCloseFile(m_file->gif, &err) != GIF_ERROR;
    m_file->gif = nullptr;
    if (!ok && m_error.isEmpty())
        m_error = QStringLiteral("%1: cannot finish the GIF (%2)").arg(m_path, gifError(err));
    return ok && m_error.isEmpty();
}

AnimationRecorder::AnimationRecorder(QWidget* widget, AnimationSettings settings, QObject* parent)
    : QObject(parent)
    , m_widget(widget)
    , m_settings(std::move(settings)) {
    connect(&m_timer, &QTimer::timeout, this, &AnimationRecorder::frame);
}

AnimationRecorder::~AnimationRecorder() {
    if (m_gifOpen) m_gif.close();
}

bool AnimationRecorder::start() {
    const AnimationSettings& s = m_settings;
    m_error.clear();
    if (!m_widget)
        m_error = tr("Nothing to record: the view is gone.");
    else if (s.gifPath.isEmpty() && s.framesDir.isEmpty())
        m_error = tr("Choose a GIF file, a folder for PNG frames, or both.");
    else if (s.framesPerSecond < 1 || s.framesPerSecond > 50)
        m_error =
            tr("Frame rate: must be 1 to 50 frames per second, got %1.").arg(s.framesPerSecond);
    else if (s.frames < 1 || s.frames > 5000)
        m_error = tr("Length: must be 1 to 5000 frames, got %1.").arg(s.frames);
    if (!m_error.isEmpty()) return false;
    if (!s.framesDir.isEmpty() && !QDir().mkpath(s.framesDir)) {
        m_error = tr("%1: cannot create the folder for the frames.").arg(s.framesDir);
        return false;
    }
    if (!s.gifPath.isEmpty()) {
        QSize size = m_widget->size();
        if (size.width() > s.maxWidth)
            size = QSize(s.maxWidth, size.height() * s.maxWidth / size.width());
        if (!m_gif.open(s.gifPath, size.width(), size.height(), 1000 / s.framesPerSecond)) {
            m_error = m_gif.error();
            m_gif.close();
            return false;
        }
        m_gifOpen = true;
    }
    m_written = 0;
    m_timer.start(1000 / s.framesPerSecond);
    Q_EMIT progress(0, s.frames);
    return true;
}

void AnimationRecorder::cancel() {
    if (isRecording()) finish(false, tr("Recording cancelled after %1 frames.").arg(m_written));
}

void AnimationRecorder::frame() {
    if (m_inFrame) return;
    const QScopedValueRollback<bool> busy(m_inFrame, true);
    if (!m_widget) {
        finish(false, tr("The view was closed while recording."));
        return;
    }
    if (beforeFrame && !beforeFrame() && m_written > 0) {
        finish(true, {});
        return;
    }
    const QImage image = m_widget->grab().toImage();
    if (!m_settings.framesDir.isEmpty()) {
        const QString file =
            QDir(m_settings.framesDir)
                .filePath(
                    QStringLiteral("frame-%1.png").arg(m_written + 1, 4, 10, QLatin1Char('0')));
        if (!image.save(file)) {
            finish(false, tr("%1: cannot write the frame.").arg(file));
            return;
        }
    }
    if (m_gifOpen && !m_gif.addFrame(image)) {
        finish(false, m_gif.error());
        return;
    }
    ++m_written;
    Q_EMIT progress(m_written, m_settings.frames);
    if (m_written >= m_settings.frames) finish(true, {});
}

void AnimationRecorder::finish(bool ok, const QString& message) {
    m_timer.stop();
    if (m_gifOpen) {
        m_gifOpen = false;
        if (!m_gif.close() && ok) {
            ok = false;
            m_error = m_gif.error();
        }
    }
    if (!ok && m_error.isEmpty()) m_error = message;
    Q_EMIT finished(ok, ok ? tr("%1 frames written.").arg(m_written) : m_error);
}

} // namespace alig::ui
