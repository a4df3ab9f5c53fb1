#include "ui/classroom/lesson_panel.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace alig::ui {

LessonPanel::LessonPanel(QWidget* parent)
    : QWidget(parent) {
    setObjectName("LessonPanel");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_title = new QLabel;
    m_title->setWordWrap(true);
    m_title->setTextFormat(Qt::RichText);
    layout->addWidget(m_title);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_stepsLayout = new QVBoxLayout;
    m_stepsLayout->setSpacing(6);
    layout->addLayout(m_stepsLayout);
    auto* questionBox = new QFrame;
    questionBox->setFrameShape(QFrame::StyledPanel);
    auto* questionLayout = new QVBoxLayout(questionBox);
    m_question = new QLabel;
    m_question->setObjectName("LessonQuestion");
    m_question->setWordWrap(true);
    m_question->setTextFormat(Qt::RichText);
    questionLayout->addWidget(m_question);
    m_condition = new QLabel;
    m_condition->setWordWrap(true);
    questionLayout->addWidget(m_condition);
    layout->addWidget(questionBox);
    auto* buttons = new QHBoxLayout;
    m_back = new QPushButton(style()->standardIcon(QStyle::SP_ArrowBack), tr("Back"));
    m_next = new QPushButton(style()->standardIcon(QStyle::SP_ArrowForward), tr("Next"));
    m_next->setObjectName("LessonNext");
    m_close = new QPushButton(tr("Close"));
    m_close->setToolTip(tr("Leave the lesson; the Playground keeps its settings"));
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    buttons->addStretch(1);
    buttons->addWidget(m_close);
    layout->addLayout(buttons);
    layout->addStretch(1);
    connect(m_back, &QPushButton::clicked, this, &LessonPanel::back);
    connect(m_next, &QPushButton::clicked, this, &LessonPanel::next);
    connect(m_close, &QPushButton::clicked, this, &LessonPanel::closeRequested);
}

void LessonPanel::setLesson(const Lesson& lesson, const LessonState& state) {
    m_lesson = lesson;
    m_state = state;
    // Rich text, not a font of its own: it grows with the application font (presentation).
    m_title->setText(QStringLiteral("<big><b>%1</b></big>").arg(lesson.title.toHtmlEscaped()));
    m_summary->setText(lesson.summary);
    m_summary->setVisible(!lesson.summary.isEmpty());
    for (QLabel* l : m_steps)
        delete l;
    m_steps.clear();
    for (size_t i = 0; i < lesson.steps.size(); ++i) {
        auto* label = new QLabel;
        label->setWordWrap(true);
        label->setTextFormat(Qt::RichText);
        m_stepsLayout->addWidget(label);
        m_steps.push_back(label);
    }
    m_finished = false;
    enter(0);
}

void LessonPanel::enter(int step) {
    m_current = std::clamp(step, 0, static_cast<int>(m_lesson.steps.size()) - 1);
    m_atStart = m_state;
    m_unlocked = false;
    update(m_state);
}

void LessonPanel::update(const LessonState& state) {
    m_state = state;
    if (m_lesson.steps.empty()) return;
    // Once unlocked, a step stays unlocked (a rewind does not take it back).
    if (!m_unlocked)
        m_unlocked =
            conditionMet(m_lesson.steps[static_cast<size_t>(m_current)].until, m_state, m_atStart);
    refresh();
}

void LessonPanel::next() {
    if (!m_unlocked) return;
    if (m_current + 1 >= static_cast<int>(m_lesson.steps.size())) {
        m_finished = true;
        refresh();
        return;
    }
    enter(m_current + 1);
}

void LessonPanel::back() {
    m_finished = false;
    if (m_current > 0) enter(m_current - 1);
}

QString LessonPanel::stepText(int i) const {
    return i >= 0 && i < static_cast<int>(m_steps.size()) ? m_steps[static_cast<size_t>(i)]->text()
                                                          : QString();
}

void LessonPanel::refresh() {
    for (int i = 0; i < static_cast<int>(m_steps.size()); ++i) {
        const QString text = m_lesson.steps[static_cast<size_t>(i)].text.toHtmlEscaped();
        const bool done = i < m_current || (i == m_current && m_finished);
        QString html;
        if (done)
            html = QStringLiteral("<span style='color:#777'>%1. %2 ✓</span>").arg(i + 1).arg(text);
        else if (i == m_current)
            html = QStringLiteral("<b>%1. %2</b>").arg(i + 1).arg(text);
        else
            html = QStringLiteral("<span style='color:#999'>%1. %2</span>").arg(i + 1).arg(text);
        m_steps[static_cast<size_t>(i)]->setText(html);
    }
    const LessonStep& s = m_lesson.steps[static_cast<size_t>(m_current)];
    if (m_finished) {
        m_question->setText(tr("<b>Lesson done.</b> Close it, or go Back to a step."));
        m_condition->clear();
    } else {
        m_question->setText(s.question.isEmpty()
                                ? tr("<i>No question at this step.</i>")
                                : tr("<b>Think about it:</b> %1").arg(s.question.toHtmlEscaped()));
        m_condition->setText(m_unlocked ? (m_current + 1 < static_cast<int>(m_steps.size())
                                               ? tr("✓ Done: press Next.")
                                               : tr("✓ Done: press Next to finish."))
                                        : describeCondition(s.until) + ".");
    }
    m_next->setEnabled(m_unlocked && !m_finished);
    m_back->setEnabled(m_current > 0 || m_finished);
}

} // namespace alig::ui
