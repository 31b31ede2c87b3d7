#pragma once
// Who has my message: for a 1:1 whether the peer got and read it, for a group "read by 3 of 5"
// with every member's state (asked from the server).
#include "core/store/records.h"

#include <QDialog>

class QLabel;
class QListWidget;

namespace tidings::ui {

class Session;

class MessageInfoDialog : public QDialog {
    Q_OBJECT
public:
    MessageInfoDialog(Session *session, const client::ConversationRecord &conversation,
                      const client::MessageRecord &message, QWidget *parent = nullptr);
    QString summary() const;

private:
    QLabel *m_summary;
    QListWidget *m_members;
};

} // namespace tidings::ui
