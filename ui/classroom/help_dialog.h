#pragma once
// Help for a class: the keyboard shortcuts (read from the window's own actions, so the list
// never disagrees with them), a short tour of the window, the guided lessons (one opens in the
// Playground) and links to the documentation, as installed or in the source tree.

#include <QDialog>
#include <QList>
#include <QStringList>

class QAction;
class QListWidget;
class QTabWidget;
class QTableWidget;

namespace alig::ui {

class HelpDialog : public QDialog {
    Q_OBJECT

public:
    // `actions`: the window's actions; those with a shortcut are listed.
    explicit HelpDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);

    enum Page { Shortcuts, Tour, Lessons, Documents };
    void showPage(Page page);
    QTabWidget* tabs() const { return m_tabs; }
    QTableWidget* shortcutTable() const { return m_shortcuts; }
    QListWidget* lessonList() const { return m_lessons; }
    // The documents found, as local files ("" where one is not found).
    QStringList documentFiles() const { return m_documents; }
    // Where the documents are looked for: the source tree's docs/, then the installed ones.
    static QStringList documentDirs();

Q_SIGNALS:
    // A lesson was chosen (its file): the window opens it in the Playground.
    void lessonChosen(const QString& path);

private:
    QTabWidget* m_tabs = nullptr;
    QTableWidget* m_shortcuts = nullptr;
    QListWidget* m_lessons = nullptr;
    QStringList m_documents;
};

} // namespace alig::ui
