#pragma once
// The message editor: multi-line, Enter sends, Shift+Enter starts a new line, grows with its
// text up to a few lines. Emits draftChanged (debounced) so drafts survive restarts.
#include <QPlainTextEdit>
#include <QTimer>
#include <QWidget>

class QToolButton;

namespace tidings::ui {

class ComposerEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ComposerEdit(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void sendRequested();

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

class Composer : public QWidget {
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);

    QString text() const;
    //! Replaces the text without announcing a draft change (switching chats).
    void setTextSilently(const QString &text);
    ComposerEdit *editor() const { return m_edit; }
    void focusEditor();

signals:
    void sendRequested(const QString &text);
    //! The text settled for a moment (or the chat is switched away): persist it.
    void draftChanged(const QString &text);
    //! The user is typing (at most one call per throttle interval) or stopped.
    void typingChanged(bool typing);

private:
    void send();
    void onTextChanged();

    ComposerEdit *m_edit;
    QToolButton *m_send;
    QTimer m_draftTimer;
    QTimer m_typingStop;
    bool m_silent = false;
    bool m_typing = false;
};

} // namespace tidings::ui
