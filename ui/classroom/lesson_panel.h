#pragma once
// The side panel of a guided lesson: its title, the numbered steps (done, current, to come),
// the current step's question, and Back/Next, Next unlocked by the step's condition (see
// lesson.h). The Playground feeds it the learner's state; the panel never trains anything.

#include "ui/classroom/lesson.h"

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace alig::ui {

class LessonPanel : public QWidget {
    Q_OBJECT

public:
    explicit LessonPanel(QWidget* parent = nullptr);

    // Starts a lesson at its first step; `state` is the learner's state now.
    void setLesson(const Lesson& lesson, const LessonState& state);
    const Lesson& lesson() const { return m_lesson; }
    // The learner's state changed (a step taken, a setting edited).
    void update(const LessonState& state);
    int current() const { return m_current; }    // 0-based
    bool unlocked() const { return m_unlocked; } // whether Next may be pressed
    bool isFinished() const { return m_finished; }
    void next();
    void back();
    QPushButton* nextButton() const { return m_next; }
    QString stepText(int i) const;

Q_SIGNALS:
    void closeRequested();

private:
    void enter(int step);
    void refresh();

    Lesson m_lesson;
    LessonState m_state, m_atStart;
    int m_current = 0;
    bool m_unlocked = false, m_finished = false;
    QLabel* m_title = nullptr;
    QLabel* m_summary = nullptr;
    QVBoxLayout* m_stepsLayout = nullptr;
    std::vector<QLabel*> m_steps;
    QLabel* m_question = nullptr;
    QLabel* m_condition = nullptr;
    QPushButton *m_back = nullptr, *m_next = nullptr, *m_close = nullptr;
};

} // namespace alig::ui
