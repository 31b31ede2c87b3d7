#pragma once
// The log page: the server's output, newest at the bottom, following as lines arrive unless the
// admin scrolled up; a filter shows only the lines containing a text.
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;

namespace tidings::admin {

class LogPage : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLines = 5000;

    explicit LogPage(QWidget *parent = nullptr);

    void setLines(const QStringList &lines);
    void appendLine(const QString &line);
    QLineEdit *filterEdit() const { return m_filter; }
    QPlainTextEdit *view() const { return m_view; }
    QCheckBox *followBox() const { return m_follow; }
    //! The lines shown (after the filter).
    QStringList shownLines() const;

private:
    void rebuild();
    bool matches(const QString &line) const;

    QLineEdit *m_filter;
    QPlainTextEdit *m_view;
    QCheckBox *m_follow;
    QStringList m_lines;
};

} // namespace tidings::admin
