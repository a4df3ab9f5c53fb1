#include "ui/classroom/help_dialog.h"

#include "ui/classroom/lesson.h"

#include <QAction>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace alig::ui {

namespace {

// The documents a teacher needs, by file name, with what each one holds.
struct Document {
    const char* file;
    const char* what;
};
const Document kDocuments[] = {
    {"classroom.md", "Teaching with the program: the Playground, lessons, the Loss surface"},
    {"lessons.md", "Writing your own lesson: the JSON format"},
    {"alig.md", "ALI-G: the step, its cap and the projection"},
    {"config.md", "Every field of an experiment file"},
};

QString plain(QString text) {
    return text.remove('&');
}

} // namespace

QStringList HelpDialog::documentDirs() {
    return {QStringLiteral(ALIG_DOC_DIR_BUILD), QStringLiteral(ALIG_DOC_DIR_INSTALL)};
}

HelpDialog::HelpDialog(const QList<QAction*>& actions, QWidget* parent)
    : QDialog(parent) {
    setObjectName("HelpDialog");
    setWindowTitle(tr("ALI-G Studio Help"));
    auto* layout = new QVBoxLayout(this);
    m_tabs = new QTabWidget;
    layout->addWidget(m_tabs);

    // Shortcuts, from the actions themselves.
    m_shortcuts = new QTableWidget(0, 2);
    m_shortcuts->setHorizontalHeaderLabels({tr("Action"), tr("Keys")});
    m_shortcuts->verticalHeader()->setVisible(false);
    m_shortcuts->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_shortcuts->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_shortcuts->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    for (QAction* a : actions) {
        if (!a || a->shortcuts().isEmpty() || a->text().isEmpty()) continue;
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys << k.toString(QKeySequence::NativeText);
        const int row = m_shortcuts->rowCount();
        m_shortcuts->insertRow(row);
        auto* name = new QTableWidgetItem(plain(a->text()));
        name->setToolTip(a->toolTip());
        m_shortcuts->setItem(row, 0, name);
        m_shortcuts->setItem(row, 1, new QTableWidgetItem(keys.join(tr(" or "))));
    }
    m_tabs->addTab(m_shortcuts, tr("Keyboard shortcuts"));

    auto* tour = new QTextBrowser;
    tour->setObjectName("HelpTour");
    tour->setHtml(tr(
        "<h3>A short tour</h3>"
        "<p><b>Training</b> trains a full experiment: the <i>Experiment</i> panel on the left "
        "holds its data, model, optimizer and training settings; the plots in the middle show "
        "the loss, accuracy, step size and gradient norm of every run; the <i>Runs</i> table "
        "lists the runs; the <i>Step anatomy</i> explains the newest step of the current run.</p>"
        "<p><b>Playground</b> trains a small network on 2-D points you can see, at a speed you "
        "choose, one step at a time if you like (Step, F10), with Rewind to step 0. Hover over "
        "the plane to read the model's beliefs. Its <i>Lesson</i> menu opens a guided lesson "
        "in a side panel.</p>"
        "<p><b>Loss surface</b> runs the optimizers on 2-D problems: click the surface to "
        "choose the start, then Animate, Step or Run to end; the table lists one path's "
        "steps.</p>"
        "<p><b>Start, Pause, Stop and Step</b> (F5, F6, Shift+F5, F10) act on the tab you see. "
        "<b>Presentation mode</b> (Ctrl+Shift+P) enlarges everything for a projector.</p>"));
    m_tabs->addTab(tour, tr("Tour"));

    auto* lessonsPage = new QWidget;
    auto* lessonsLayout = new QVBoxLayout(lessonsPage);
    lessonsLayout->addWidget(new QLabel(tr("Double-click a lesson to open it in the Playground.")));
    m_lessons = new QListWidget;
    m_lessons->setObjectName("HelpLessons");
    for (const LessonInfo& l : listLessons()) {
        auto* item = new QListWidgetItem(
            l.problem.isEmpty() ? l.title : tr("%1 (cannot be read)").arg(l.title));
        item->setData(Qt::UserRole, QString::fromStdString(l.path));
        item->setToolTip(l.problem.isEmpty() ? QString::fromStdString(l.path) : l.problem);
        if (!l.problem.isEmpty()) item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
        m_lessons->addItem(item);
    }
    connect(m_lessons, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT lessonChosen(item->data(Qt::UserRole).toString());
        accept();
    });
    lessonsLayout->addWidget(m_lessons);
    m_tabs->addTab(lessonsPage, tr("Lessons"));

    auto* docs = new QTextBrowser;
    docs->setObjectName("HelpDocuments");
    docs->setOpenLinks(false);
    QString html = tr("<h3>Documentation</h3><ul>");
    for (const Document& d : kDocuments) {
        QString found;
        for (const QString& dir : documentDirs())
            if (QFileInfo::exists(QDir(dir).filePath(d.file))) {
                found = QDir(dir).filePath(d.file);
                break;
            }
        m_documents << found;
        html += found.isEmpty()
                    ? tr("<li>%1 — %2 (not installed)</li>").arg(d.file, tr(d.what))
                    : QStringLiteral("<li><a href='%1'>%2</a> — %3</li>")
                          .arg(QUrl::fromLocalFile(found).toString(), d.file, tr(d.what));
    }
    html += tr("</ul><p>The lessons live in the lesson folders that docs/lessons.md lists; "
               "your own go in ~/.local/share/alig-studio/lessons.</p>");
    docs->setHtml(html);
    connect(docs, &QTextBrowser::anchorClicked, this,
            [](const QUrl& url) { QDesktopServices::openUrl(url); });
    m_tabs->addTab(docs, tr("Documents"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(640, 480);
}

void HelpDialog::showPage(Page page) {
    m_tabs->setCurrentIndex(static_cast<int>(page));
}

} // namespace alig::ui
