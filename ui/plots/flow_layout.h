#pragma once
// A layout that lines its items up left to right and wraps onto the next row when the width
// runs out, like words in a paragraph: a row of plot controls that fits a 1280x720 screen and
// presentation mode's larger text without setting the window's minimum width.

#include <QLayout>
#include <QList>

namespace alig::ui {

class FlowLayout : public QLayout {
public:
    explicit FlowLayout(QWidget* parent = nullptr, int spacing = 6);
    ~FlowLayout() override;

    void addItem(QLayoutItem* item) override;
    int count() const override;
    QLayoutItem* itemAt(int index) const override;
    QLayoutItem* takeAt(int index) override;

    Qt::Orientations expandingDirections() const override;
    bool hasHeightForWidth() const override;
    int heightForWidth(int width) const override;
    QSize minimumSize() const override;
    QSize sizeHint() const override;
    void setGeometry(const QRect& rect) override;

private:
    // Places the items in `rect` (only measures with `apply` false); the height used.
    int arrange(const QRect& rect, bool apply) const;

    QList<QLayoutItem*> m_items;
    int m_gap;
};

// A widget holding `widgets` side by side, to keep a label with its control in a flow.
QWidget* keepTogether(std::initializer_list<QWidget*> widgets);

} // namespace alig::ui
