// Animations for slides, offscreen: a recorded widget comes back from giflib's own decoder
// with the frame count, the size and its flat colours exact; the numbered PNG frames match;
// settings and files that cannot work say why.

#include "common/test_support.h"
#include "ui/classroom/animation_dialog.h"
#include "ui/classroom/animation_export.h"
#include "ui/classroom/playground_view.h"

#include <QtTest/QtTest>

#include <gif_lib.h>

using namespace alig;

namespace {

// A widget of flat colours: the Okabe-Ito blue on the left half, white on the right.
class Flat : public QWidget {
public:
    int painted = 0;

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.fillRect(rect(), Qt::white);
        p.fillRect(QRect(0, 0, width() / 2, height()), QColor(0, 114, 178));
        p.setPen(Qt::black);
        p.drawText(rect(), Qt::AlignCenter, QString::number(++painted));
    }
};

bool record(ui::AnimationRecorder& r) {
    QSignalSpy finished(&r, &ui::AnimationRecorder::finished);
    if (!r.start()) return false;
    return QTest::qWaitFor([&] { return finished.count() == 1; }, alig::test::kPatienceMs) &&
           finished.at(0).at(0).toBool();
}

} // namespace

class TestUiAnimation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }
    void gifDecodesWithItsFramesAndColours();
    void playgroundRecordsWhileItTrains();
    void badSettingsSayWhy();
    void dialogRecordsWithProgress();
};

void TestUiAnimation::gifDecodesWithItsFramesAndColours() {
    Flat w;
    w.resize(320, 200);
    w.show();
    const QString dir = alig::test::scratchPath("anim-flat");
    ui::AnimationSettings s;
    s.gifPath = dir + "/flat.gif";
    s.framesDir = dir + "/frames";
    s.framesPerSecond = 25;
    s.frames = 6;
    ui::AnimationRecorder r(&w, s);
    QSignalSpy progress(&r, &ui::AnimationRecorder::progress);
    QVERIFY2(record(r), qPrintable(r.error()));
    QCOMPARE(r.framesWritten(), 6);
    QCOMPARE(progress.last().at(0).toInt(), 6);
    QCOMPARE(progress.last().at(1).toInt(), 6);

    int err = 0;
    GifFileType* gif = DGifOpenFileName(QFile::encodeName(s.gifPath).constData(), &err);
    QVERIFY2(gif, GifErrorString(err));
    QCOMPARE(DGifSlurp(gif), GIF_OK);
    QCOMPARE(gif->ImageCount, 6);
    QCOMPARE(gif->SWidth, 320);
    QCOMPARE(gif->SHeight, 200);
    // Every frame: full size, its delay from the frame rate, the blue and the white exact.
    for (int f = 0; f < gif->ImageCount; ++f) {
        const SavedImage& im = gif->SavedImages[f];
        QCOMPARE(im.ImageDesc.Width, 320);
        QCOMPARE(im.ImageDesc.Height, 200);
        GraphicsControlBlock gcb;
        QCOMPARE(DGifSavedExtensionToGCB(gif, f, &gcb), GIF_OK);
        QCOMPARE(gcb.DelayTime, 4); // 25 frames a second: 4 hundredths
        const ColorMapObject* map = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : gif->SColorMap;
        QVERIFY(map);
        auto at = [&](int x, int y) { return map->Colors[im.RasterBits[y * 320 + x]]; };
        const GifColorType blue = at(10, 10), white = at(310, 190);
        QCOMPARE(QColor(blue.Red, blue.Green, blue.Blue), QColor(0, 114, 178));
        QCOMPARE(QColor(white.Red, white.Green, white.Blue), QColor(Qt::white));
    }
    DGifCloseFile(gif, &err);
    // The same frames as numbered PNGs.
    const QStringList pngs = QDir(s.framesDir).entryList({"frame-*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(pngs.size(), 6);
    QCOMPARE(pngs.front(), QStringLiteral("frame-0001.png"));
    QCOMPARE(QImage(QDir(s.framesDir).filePath(pngs.back())).size(), QSize(320, 200));
}

void TestUiAnimation::playgroundRecordsWhileItTrains() {
    ui::PlaygroundView view(alig::test::scratchPath("anim-playground-runs"));
    view.resize(1500, 900);
    view.show();
    view.setStepsPerSecond(50);
    view.start();
    ui::AnimationSettings s;
    s.gifPath = alig::test::scratchPath("anim-playground") + "/playground.gif";
    s.frames = 4;
    s.framesPerSecond = 10;
    ui::AnimationRecorder r(&view, s);
    QVERIFY2(record(r), qPrintable(r.error()));
    view.pause();
    int err = 0;
    GifFileType* gif = DGifOpenFileName(QFile::encodeName(s.gifPath).constData(), &err);
    QVERIFY(gif);
    QCOMPARE(DGifSlurp(gif), GIF_OK);
    QCOMPARE(gif->ImageCount, 4);
    // Wider than 1280: scaled down, in proportion.
    QCOMPARE(gif->SWidth, 1280);
    QCOMPARE(gif->SHeight, 900 * 1280 / 1500);
    DGifCloseFile(gif, &err);
}

void TestUiAnimation::badSettingsSayWhy() {
    Flat w;
    w.resize(100, 80);
    ui::AnimationSettings s;
    ui::AnimationRecorder none(&w, s);
    QVERIFY(!none.start());
    QVERIFY(none.error().contains("GIF file"));
    s.gifPath = alig::test::scratchPath("anim-bad") + "/x.gif";
    s.frames = 0;
    ui::AnimationRecorder zero(&w, s);
    QVERIFY(!zero.start());
    QVERIFY2(zero.error().contains("Length"), qPrintable(zero.error()));
    s.frames = 3;
    s.gifPath = alig::test::scratchPath("anim-bad") + "/no/such/folder/x.gif";
    ui::AnimationRecorder missing(&w, s);
    QVERIFY(!missing.start());
    QVERIFY2(missing.error().contains(s.gifPath), qPrintable(missing.error()));
}

void TestUiAnimation::dialogRecordsWithProgress() {
    Flat a, b;
    a.resize(200, 120);
    b.resize(160, 100);
    int stepped = 0;
    // The second view advances before each frame, as the Loss surface steps its paths, and
    // ends the recording after 3 frames.
    std::vector<ui::AnimationDialog::Source> sources{
        {"first", &a, {}}, {"second", &b, [&] { return ++stepped <= 3; }}};
    ui::AnimationDialog dialog(sources, 1);
    const QString dir = alig::test::scratchPath("anim-dialog");
    dialog.setGifPath(dir + "/second.gif");
    dialog.setFramesDir(dir + "/frames");
    dialog.setFrameRate(20);
    dialog.setFrames(10);
    QCOMPARE(dialog.settings().framesPerSecond, 20);
    QCOMPARE(dialog.settings().frames, 10);
    QSignalSpy recorded(&dialog, &ui::AnimationDialog::recorded);
    QCOMPARE(dialog.record(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, alig::test::kPatienceMs);
    QVERIFY(recorded.at(0).at(0).toBool());
    QCOMPARE(dialog.recorder()->framesWritten(), 3);
    QCOMPARE(dialog.progressBar()->value(), 3);
    QVERIFY(dialog.statusText().contains("3 frames written"));
    int err = 0;
    GifFileType* gif = DGifOpenFileName(QFile::encodeName(dir + "/second.gif").constData(), &err);
    QVERIFY(gif);
    QCOMPARE(DGifSlurp(gif), GIF_OK);
    QCOMPARE(gif->ImageCount, 3);
    QCOMPARE(gif->SWidth, 160);
    DGifCloseFile(gif, &err);
    QCOMPARE(QDir(dir + "/frames").entryList({"*.png"}, QDir::Files).size(), 3);
    // PNG frames ticked without a folder: said, nothing recorded.
    dialog.setFramesDir(QString());
    dialog.setFramesDir(QStringLiteral(" "));
    QVERIFY(dialog.record().contains("folder for the PNG frames"));
}

QTEST_MAIN(TestUiAnimation)
#include "tst_ui_animation.moc"
